from __future__ import annotations

from typing import ClassVar

from audits.context import RuleContext
from audits.rules._base import sql_text
from audits.rules.ai_search._pages import CommercePageRule


class ProductImageLazyLoaded(CommercePageRule):
    """The product page's first product image is lazy-loaded (loading="lazy").

    Why: the first product image is the largest element above the fold on most product
    pages, its Largest Contentful Paint; loading="lazy" makes the browser wait for layout
    before fetching it, which delays LCP (web.dev measured lazy-loaded LCP images as a common
    cause of slow LCP). Recorded on every product page of the crawl, where the lab vitals
    rule SEO-VITALS-014 (lcp-image-lazy-loaded) sees only the sampled pages.
    Anti-pattern: a gallery component that adds loading="lazy" to every image, the hero too.
    Fix: load the first product image eagerly (no loading attribute, or loading="eager",
    with fetchpriority="high"); keep lazy loading for the images below the fold.
    Source: web.dev, "The performance effects of too much lazy loading"
    https://web.dev/articles/lcp-lazy-loading and Google Search Central, lazy loading
    https://developers.google.com/search/docs/crawling-indexing/javascript/lazy-loading
    """

    id = "SEO-MEDIA-003"
    slug = "product-image-lazy-loaded"
    family = "media"
    severity = "warning"
    fields = ("product", "url", "product_markup", "images")
    options: ClassVar[tuple[str, ...]] = ("commerce_templates", "templates")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        return f"""
            SELECT url, 'The first product image has loading="lazy": it is likely the LCP' AS message,
                   coalesce(list_filter(images, lambda i: lower(coalesce(i.loading, '')) = {sql_text("lazy")})[1].src, '')
                       AS evidence
            FROM html_pages
            WHERE coalesce(product.first_image_lazy, false) AND {self.commerce_page()}
        """
