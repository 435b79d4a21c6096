"""Rule SEO-VITALS-014: the page's LCP element is a lazy-loaded image."""

from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class LcpImageLazyLoaded(Rule):
    """The Largest Contentful Paint element is an image with loading="lazy".

    Why: a lazy image is fetched only after layout shows it is near the viewport, so
    the browser discovers the page's most important image late and LCP suffers by
    hundreds of milliseconds on every load.
    Anti-pattern: a template that puts loading="lazy" on every <img>, the hero included.
    Fix: load the LCP image eagerly (remove loading="lazy", add fetchpriority="high");
    keep lazy loading for images below the fold.
    Source: https://web.dev/articles/lcp-lazy-loading
    """

    id = "SEO-VITALS-014"
    slug = "lcp-image-lazy-loaded"
    family = "vitals"
    severity = "warning"
    needs = ("vitals",)
    fields = ("vitals.url", "vitals.lcp_lazy", "vitals.lcp_url", "vitals.error")

    def check(self, ctx: RuleContext) -> str:
        return """
            SELECT url,
                   'The LCP element is a lazy-loaded image (loading="lazy")' AS message,
                   coalesce(min(lcp_url), '') AS evidence
            FROM vitals
            WHERE error IS NULL AND lcp_lazy
            GROUP BY url
        """
