from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class InternalNofollow(Rule):
    """A page marks internal links rel=nofollow (or its meta robots says nofollow).

    Why: nofollow on internal links stops crawlers from discovering and valuing your
    own pages; it does not "sculpt" PageRank.
    Anti-pattern: nofollow on category, pagination or footer links.
    Fix: remove nofollow from internal links; use robots.txt or noindex for pages to hide.
    Source: https://developers.google.com/search/docs/crawling-indexing/qualify-outbound-links
    """

    id = "SEO-LINKS-008"
    slug = "internal-nofollow"
    family = "links"
    severity = "warning"
    scope = "site"
    needs = ("pages", "links")
    fields = ("links.nofollow", "links.internal", "links.kind")

    def check(self, ctx: RuleContext) -> str:
        return """
            SELECT source AS url,
                   count(DISTINCT target) || ' internal link(s) are nofollow' AS message,
                   min(target) AS evidence, '' AS key
            FROM links WHERE kind = 'a' AND internal AND nofollow
            GROUP BY source
        """
