from __future__ import annotations

from audits.context import RuleContext, noindex_sql
from audits.rule import Rule


class Noindex(Rule):
    """The page tells Google not to index it (meta robots or googlebot, or X-Robots-Tag).

    Why: a noindex page is dropped from search results however many links it gets; on
    a page meant to rank it is the costliest one-line mistake (often a staging setting
    shipped to production). Directives for other crawlers (meta bingbot,
    "X-Robots-Tag: bingbot: noindex") do not apply to Google and are not reported.
    Anti-pattern: <meta name="robots" content="noindex"> left in a template after launch.
    Fix: remove the directive from pages that should rank; keep it only where intended.
    Source: https://developers.google.com/search/docs/crawling-indexing/block-indexing
    """

    id = "SEO-INDEX-012"
    slug = "page-noindex"
    family = "indexability"
    severity = "notice"
    fields = ("meta_robots", "x_robots_tag")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        return f"""
            SELECT url, 'The page says noindex: Google will not show it in results' AS message,
                   concat_ws(' ; ', 'meta robots: ' || meta_robots,
                             'X-Robots-Tag: ' || x_robots_tag) AS evidence
            FROM html_pages WHERE {noindex_sql()}
        """
