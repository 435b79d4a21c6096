from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class ListedNon200(Rule):
    """A sitemap lists a URL that does not answer 200 (error, redirect, loop).

    Why: sitemaps should list only final, live URLs; errors and redirects waste the
    crawl the sitemap was meant to focus and erode trust in its signals. (Noindex,
    blocked and canonicalized URLs in sitemaps: SEO-INDEX-001, -002 and -011.)
    Anti-pattern: sitemaps generated from the product table, including removed or moved products.
    Fix: regenerate sitemaps from the set of indexable 200 URLs.
    Source: https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap#general-guidelines
    """

    id = "SEO-SITEMAP-001"
    slug = "sitemap-lists-non-200"
    family = "sitemaps"
    severity = "error"
    scope = "site"
    needs = ("pages", "sitemap_urls")
    fields = ("sitemap_urls.loc", "sitemap_urls.sitemap", "status")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("page_facts")
        return """
            SELECT DISTINCT s.loc AS url,
                   'Listed in ' || s.sitemap || ' but ' ||
                   CASE WHEN t.fetch_state = 'redirect_loop' THEN 'redirects in a loop'
                        WHEN t.redirected THEN 'redirects to ' || coalesce(t.final_url, '?')
                        ELSE 'answers ' || coalesce(t.status::VARCHAR, t.fetch_state) END AS message,
                   CASE WHEN t.redirected THEN 'redirect' ELSE coalesce(t.status::VARCHAR, t.fetch_state) END AS evidence,
                   s.sitemap AS related_url
            FROM sitemap_urls s JOIN page_facts t ON t.url = s.loc
            WHERE t.redirected OR t.fetch_state IN ('error', 'redirect_loop') OR coalesce(t.status, 200) <> 200
        """
