from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.media._files import IMAGES, SERVED, SIZES


class ImageLowResolution(Rule):
    """An image's file is smaller than the size the page declares: it is shown upscaled.

    Why: an upscaled product photo looks blurred; Google recommends high-quality images
    (and large ones for Discover and image results), and Lighthouse fails "Serves images
    with low resolution" when the file has fewer pixels than its displayed size.
    Anti-pattern: 300 px thumbnails declared width="800" on the product page.
    Fix: serve a file at least as large as the declared size (twice it for high-density
    screens, through srcset).
    Source: Google Search Central, image SEO, "high-quality photos"
    https://developers.google.com/search/docs/appearance/google-images#high-quality-photos
    and Lighthouse image-size-responsive
    https://developer.chrome.com/docs/lighthouse/best-practices/image-size-responsive
    """

    id = "SEO-MEDIA-011"
    slug = "image-low-resolution"
    family = "media"
    severity = "warning"
    scope = "site"
    needs = ("images",)
    fields = ("images.page", "images.src", "images.declared_width", "images.width")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")  # its loopback_copies
        return f"""
            SELECT page AS url,
                   'The image file is ' || width || ' px wide, declared ' || declared_width
                       || ' px: shown upscaled' AS message,
                   {SIZES} AS evidence, src AS related_url, src AS key
            FROM {IMAGES}
            WHERE {SERVED} AND format IS DISTINCT FROM 'SVG' AND width > 0
              AND declared_width > width
        """
