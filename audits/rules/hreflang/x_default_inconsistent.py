from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class HreflangXDefaultInconsistent(Rule):
    """The page and one of its alternates name different x-default URLs.

    Why: the pages of one hreflang set are one cluster and must carry the same set of
    annotations, x-default included; when each version names itself (or another page)
    as x-default, the cluster has no single fallback and Google may ignore it.
    Anti-pattern: a template printing hreflang="x-default" href="{this page}".
    Fix: point every version's x-default at the same URL (the chooser or the main market).
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#xdefault
    """

    id = "SEO-HREFLANG-014"
    slug = "hreflang-x-default-inconsistent"
    family = "hreflang"
    severity = "error"
    scope = "site"
    fields = ("hreflang",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("hreflang_edges")
        return """
            WITH x AS (
                SELECT page_key, min(href_key) AS target, min(href) AS href
                FROM hreflang_edges WHERE code = 'x-default' GROUP BY page_key
            ), pairs AS (  -- reciprocal pairs only: a one-way pair is SEO-HREFLANG-004
                SELECT DISTINCT e.url, e.page_key, e.href, e.href_key FROM hreflang_edges e
                WHERE e.href_key <> e.page_key AND e.code <> 'x-default'
                  AND EXISTS (
                      SELECT 1 FROM hreflang_edges b
                      WHERE b.page_key = e.href_key AND b.href_key = e.page_key
                  )
            )
            SELECT p.url,
                   'x-default is ' || mine.href || ' here but ' || theirs.href || ' on the alternate ' || p.href AS message,
                   'x-default=' || mine.href AS evidence, p.href AS related_url
            FROM pairs p
            JOIN x mine ON mine.page_key = p.page_key
            JOIN x theirs ON theirs.page_key = p.href_key
            WHERE mine.target <> theirs.target
        """
