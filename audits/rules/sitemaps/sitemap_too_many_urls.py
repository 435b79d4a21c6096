from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class SitemapTooManyUrls(Rule):
    """A sitemap file lists more URLs than the protocol allows (50,000).

    Why: search engines reject (or truncate) sitemaps over the limit, so URLs past it
    are not read.
    Anti-pattern: one sitemap for the whole catalog.
    Fix: split into several sitemaps of at most 50,000 URLs under a sitemap index.
    Source: https://www.sitemaps.org/protocol.html#index
    """

    id = "SEO-SITEMAP-003"
    slug = "sitemap-too-many-urls"
    family = "sitemaps"
    severity = "error"
    needs = ("sitemaps",)
    fields = ("sitemaps.url_count", "sitemaps.sitemap")
    options = ("max_urls",)

    def check(self, ctx: RuleContext) -> str:
        limit = int(self.opt("max_urls"))
        return f"""
            SELECT sitemap AS url, 'The sitemap lists ' || url_count || ' entries (maximum {limit})' AS message,
                   url_count || ' entries' AS evidence
            FROM sitemaps WHERE url_count > {limit}
        """
