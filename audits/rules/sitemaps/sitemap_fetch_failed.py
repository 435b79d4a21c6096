from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class SitemapFetchFailed(Rule):
    """A sitemap could not be fetched or parsed (non-200, invalid XML).

    Why: search engines skip unreadable sitemaps entirely: none of their URLs are submitted.
    Anti-pattern: a sitemap index listing removed files; XML with unescaped "&" in URLs.
    Fix: serve every listed sitemap with 200 and well-formed XML (escape &, <, >).
    Source: https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap
    """

    id = "SEO-SITEMAP-006"
    slug = "sitemap-fetch-failed"
    family = "sitemaps"
    severity = "error"
    needs = ("sitemaps",)
    fields = ("sitemaps.status", "sitemaps.kind", "sitemaps.error")

    def check(self, ctx: RuleContext) -> str:
        return """
            SELECT sitemap AS url,
                   'The sitemap could not be read: ' || coalesce(error, 'HTTP ' || status::VARCHAR, kind) AS message,
                   coalesce('HTTP ' || status::VARCHAR, '') || CASE WHEN error IS NOT NULL THEN ' ' || error ELSE '' END AS evidence
            FROM sitemaps
            WHERE coalesce(status, 0) <> 200 OR kind = 'invalid' OR error IS NOT NULL
        """
