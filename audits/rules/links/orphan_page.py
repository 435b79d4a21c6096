from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class OrphanPage(Rule):
    """A page is in a sitemap but no crawled page links to it.

    Why: orphan pages get no internal link signals and are found only through the
    sitemap; they often rank poorly or reveal products missing from navigation.
    Anti-pattern: products removed from category listings but still sold and listed.
    Fix: link the page from its category (or remove it from the sitemap if retired).
    Source: https://developers.google.com/search/docs/crawling-indexing/links-crawlable
    """

    id = "SEO-LINKS-009"
    slug = "orphan-page"
    family = "links"
    severity = "warning"
    scope = "site"
    needs = ("pages", "links")
    fields = ("in_sitemap", "links.source", "links.target", "links.kind")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages", "page_facts")
        return """
            WITH linked AS (
                SELECT DISTINCT coalesce(t.final_url, l.target) AS url, l.source
                FROM links l LEFT JOIN page_facts t ON t.url = l.target
                WHERE l.kind = 'a'
            )
            SELECT p.url, 'The page is in a sitemap but no crawled page links to it' AS message,
                   coalesce(array_to_string(p.sitemaps[1:1], ''), '') AS evidence
            FROM html_pages p
            WHERE coalesce(p.in_sitemap, false)
              AND NOT EXISTS (SELECT 1 FROM linked k WHERE k.url = p.url AND k.source <> p.url)
        """
