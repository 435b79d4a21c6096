from __future__ import annotations

from audits.context import RuleContext, noindex_sql
from audits.rule import Rule


class NoindexInSitemap(Rule):
    """A page listed in a sitemap says noindex (meta robots or X-Robots-Tag).

    Why: a sitemap asks search engines to index its URLs; noindex says the opposite.
    The mixed signal wastes crawl budget and shows the sitemap is not generated from
    the indexable set. (This rule is also the sitemap family's "noindex URL listed".)
    Anti-pattern: sitemaps built from the product table without the page's robots rules.
    Fix: list only indexable, canonical, 200 URLs; or drop the noindex if the page should rank.
    Source: https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap#general-guidelines
    """

    id = "SEO-INDEX-001"
    slug = "noindex-in-sitemap"
    family = "indexability"
    severity = "error"
    fields = ("meta_robots", "x_robots_tag", "in_sitemap")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        return f"""
            SELECT url,
                   'The page is in a sitemap but says noindex' AS message,
                   CASE WHEN {noindex_sql()} AND regexp_matches(coalesce(x_robots_tag, ''), 'noindex|none')
                        THEN 'X-Robots-Tag: ' || x_robots_tag ELSE 'meta robots: ' || meta_robots END AS evidence
            FROM html_pages WHERE coalesce(in_sitemap, false) AND {noindex_sql()}
        """
