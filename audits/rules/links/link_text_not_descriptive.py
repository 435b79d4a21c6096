from __future__ import annotations

from typing import Any

import pyarrow as pa

from audits.context import RuleContext
from audits.rule import Rule


class LinkTextNotDescriptive(Rule):
    """Link text says nothing of the target ("click here", "more", a URL, none, image without alt).

    Why: anchor text is how Google and people learn what a linked page is about before
    they follow the link; generic text ("read more", "cliquez ici") tells neither, and an
    empty link or an image link without alt gives no anchor text at all (Google reads an
    image link's alt as its anchor text). Lighthouse's link-text audit fails the generic
    texts of the page's language and links whose text is a URL.
    Anti-pattern: <a href="/p/tent-2p">Learn more</a>, <a href="/fr/p/tente">En savoir
    plus</a>, <a href="/cart"><img src="cart.svg"></a>, <a href="/x"></a>.
    Fix: write text that names the target ("Trail tent 2P specifications"); give icon and
    image links an alt (or visible text).
    Source: Lighthouse link-text audit (Lighthouse 13, 2025; read 2026-12)
    https://developer.chrome.com/docs/lighthouse/seo/link-text and Google Search Central,
    "Link best practices for Google", anchor text (read 2026-12)
    https://developers.google.com/search/docs/crawling-indexing/links-crawlable#anchor-text-placement
    """

    id = "SEO-LINKS-015"
    slug = "link-text-not-descriptive"
    family = "links"
    severity = "warning"
    needs = ("pages", "links")
    fields = ("lang", "links.anchor", "links.anchor_source")
    options = ("generic_texts", "flag_url_text")

    def _generic(self) -> pa.Table:
        texts: dict[str, Any] = self.opt("generic_texts")
        rows = [
            (language.lower(), " ".join(str(text).split()).lower())
            for language, values in texts.items()
            for text in values
        ]
        return pa.table(
            {"language": [r[0] for r in rows], "text": [r[1] for r in rows]},
            schema=pa.schema([("language", pa.string()), ("text", pa.string())]),
        )

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        ctx.con.register("_generic_link_texts", self._generic())
        url_text = "true" if self.opt("flag_url_text") else "false"
        # Like Lighthouse: nofollow links, in-page links and script/mail links are not
        # judged (links.parquet holds only http(s) targets, fragments dropped); the
        # generic texts are those of the page's language, of every language when the
        # page declares none.
        return f"""
            WITH a AS (
                SELECT l.source AS url, l.target, l.anchor_source,
                       regexp_replace(trim(coalesce(l.anchor, '')), '\\s+', ' ', 'g') AS anchor,
                       lower(regexp_replace(trim(coalesce(l.anchor, '')), '\\s+', ' ', 'g')) AS text,
                       nullif(lower(split_part(trim(coalesce(p.lang, '')), '-', 1)), '') AS language
                FROM links l JOIN html_pages p ON p.url = l.source
                WHERE l.kind = 'a' AND NOT coalesce(l.nofollow, false) AND l.target <> l.source
                  AND l.anchor_source IS NOT NULL
            ), judged AS (
                SELECT url, target, anchor,
                       CASE WHEN anchor_source = 'none' THEN 'empty'
                            WHEN anchor_source = 'img-no-alt' THEN 'image-without-alt'
                            WHEN anchor_source IN ('text', 'img-alt') AND EXISTS (
                                SELECT 1 FROM _generic_link_texts g
                                WHERE g.text = a.text AND (a.language IS NULL OR g.language = a.language)
                            ) THEN 'generic'
                            WHEN {url_text} AND anchor_source = 'text'
                                 AND regexp_matches(a.text, '^https?://\\S+$') THEN 'url'
                       END AS problem,
                       text
                FROM a
            ), grouped AS (
                SELECT *, CASE WHEN problem = 'generic' THEN text ELSE '' END AS grp
                FROM judged WHERE problem IS NOT NULL
            )
            SELECT url,
                   CASE problem
                       WHEN 'empty' THEN count(*) || ' link(s) without any text, e.g. to ' || min(target)
                       WHEN 'image-without-alt' THEN count(*) || ' image link(s) whose images have no alt, e.g. to ' || min(target)
                       WHEN 'url' THEN count(*) || ' link(s) whose text is a URL, e.g. ' || min(anchor)
                       ELSE count(*) || ' link(s) with the text "' || min(anchor) || '", which does not describe the target'
                   END AS message,
                   CASE WHEN problem IN ('empty', 'image-without-alt') THEN '<a href="' || min(target) || '">'
                        ELSE '"' || min(anchor) || '" -> ' || min(target) END AS evidence,
                   problem || CASE WHEN grp <> '' THEN ' ' || grp ELSE '' END AS key
            FROM grouped
            GROUP BY url, problem, grp
        """
