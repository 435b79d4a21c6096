from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class SitemapTooLarge(Rule):
    """A sitemap file is larger than the protocol allows (50 MB uncompressed).

    Why: search engines stop reading sitemaps over the size limit.
    Anti-pattern: sitemaps with image and hreflang extensions for every URL, in one file.
    Fix: split the sitemap (an index of smaller sitemaps); gzip does not lift the limit.
    Source: https://www.sitemaps.org/protocol.html#index
    """

    id = "SEO-SITEMAP-004"
    slug = "sitemap-too-large"
    family = "sitemaps"
    severity = "error"
    needs = ("sitemaps",)
    fields = ("sitemaps.bytes_uncompressed", "sitemaps.sitemap")
    options = ("max_bytes",)

    def check(self, ctx: RuleContext) -> str:
        limit = int(self.opt("max_bytes"))
        return f"""
            SELECT sitemap AS url,
                   'The sitemap is ' || round(bytes_uncompressed / 1048576.0, 1) || ' MB uncompressed (maximum {limit // 1048576} MB)' AS message,
                   bytes_uncompressed || ' bytes' AS evidence
            FROM sitemaps WHERE bytes_uncompressed > {limit}
        """
