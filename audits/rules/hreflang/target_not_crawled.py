from __future__ import annotations

from audits.context import ABSOLUTE_URL, RuleContext, hreflang_strings
from audits.rule import Rule


class HreflangTargetNotCrawled(Rule):
    """An hreflang alternate was not crawled, so its return link cannot be verified.

    Why: the return-link, status, redirect, noindex and canonical checks need the
    alternate's own response. An alternate out of the crawl's scope (another host,
    an --exclude) or beyond its limits (--max-pages) was never fetched, and saying
    nothing would read as "all good" while saying "missing return link" would be false.
    Anti-pattern: auditing one language's host while its alternates live on another.
    Fix: add the alternates' hosts to the crawl (start URLs or [crawl] allowed_hosts) or
    raise the limits, and audit again.
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#html
    """

    id = "SEO-HREFLANG-013"
    slug = "hreflang-target-not-crawled"
    family = "hreflang"
    severity = "notice"
    fields = ("hreflang",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("hreflang_edges", "page_facts")
        # on the 64-bit URL-key hashes (a collision could only hide one, 2^-64 a pair);
        # the strings of the documents found after
        ctx.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _scratch_uncrawled AS
            SELECT DISTINCT doc_id, href_id FROM hreflang_edges
            WHERE href_id <> page_id AND href_absolute
              AND href_id NOT IN (SELECT url_id FROM page_facts)
            """
        )
        return f"""
            SELECT DISTINCT e.url,
                   'The hreflang="' || e.lang || '" alternate was not crawled: cannot verify its return link' AS message,
                   e.href AS evidence, e.href AS related_url
            FROM {hreflang_strings(ctx, "SELECT doc_id FROM _scratch_uncrawled")} e
            SEMI JOIN _scratch_uncrawled u ON u.doc_id = e.doc_id AND u.href_id = e.href_id
            WHERE regexp_matches(e.href, {ABSOLUTE_URL})
        """
