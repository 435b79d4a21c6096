from __future__ import annotations

from typing import ClassVar

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.media._files import IMAGES, SERVED, SIZES


class ImageServedOversized(Rule):
    """An image's file is far wider than the size the page declares for it.

    Why: every pixel beyond what the screen shows is downloaded for nothing: slower Largest
    Contentful Paint on product pages and more bytes on mobile. A file up to twice the
    declared width serves high-density screens; beyond that it is waste.
    Anti-pattern: the 4000 px original photo shown in a 400 px product card.
    Fix: serve resized files (srcset with widths near the displayed size, or an image CDN).
    Source: Lighthouse "Properly size images" (uses-responsive-images)
    https://developer.chrome.com/docs/lighthouse/performance/uses-responsive-images
    and web.dev https://web.dev/articles/serve-responsive-images
    """

    id = "SEO-MEDIA-010"
    slug = "image-served-oversized"
    family = "media"
    severity = "warning"
    scope = "site"
    needs = ("images",)
    fields = ("images.page", "images.src", "images.declared_width", "images.width", "images.bytes")
    options: ClassVar[tuple[str, ...]] = ("max_width_ratio", "min_bytes")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")  # its loopback_copies
        ratio = float(self.opt("max_width_ratio"))
        return f"""
            SELECT page AS url,
                   'The image file is ' || round(width / declared_width, 1)
                       || 'x the declared width (' || coalesce(CAST(bytes AS VARCHAR), '?') || ' bytes)'
                       AS message,
                   {SIZES} AS evidence, src AS related_url, src AS key
            FROM {IMAGES}
            WHERE {SERVED} AND declared_width > 0 AND width > declared_width * {ratio}
              AND coalesce(bytes, 0) >= {int(self.opt("min_bytes"))}
        """
