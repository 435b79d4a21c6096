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
        # Set-based over 64-bit hashes (three links a page: 30,000,000 rows at
        # 10,000,000 pages): a link counts for the page it lands on (through a
        # redirect), unless the page links to itself; only the hashes of the linked
        # pages are kept and deduplicated (the URL pairs were), and the pages in a
        # sitemap not among them are the orphans. A collision could hide one (2^-64).
        return """
            WITH moved AS (  -- the redirects among the link targets: a small build side
                SELECT url, final_url FROM page_facts
                WHERE final_url IS NOT NULL AND final_url <> url
            ), linked AS (
                SELECT DISTINCT hash(coalesce(t.final_url, l.target)) AS id
                FROM links l LEFT JOIN moved t ON t.url = l.target
                WHERE l.kind = 'a' AND coalesce(t.final_url, l.target) <> l.source
            )
            SELECT p.url, 'The page is in a sitemap but no crawled page links to it' AS message,
                   coalesce(array_to_string(p.sitemaps[1:1], ''), '') AS evidence
            FROM html_pages p
            WHERE coalesce(p.in_sitemap, false) AND hash(p.url) NOT IN (SELECT id FROM linked)
        """
