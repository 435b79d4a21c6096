from __future__ import annotations

from typing import ClassVar

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.media._files import IMAGES, SERVED, SIZES


class ImageAspectRatioDiffers(Rule):
    """An image is declared (width/height attributes) at another aspect ratio than its file's.

    Why: the browser stretches the image to the declared box, so the product looks squashed,
    and Lighthouse fails "Displays images with incorrect aspect ratio"; the declared size
    is usually a template's guess that no longer matches the photos.
    Anti-pattern: <img width="400" height="400"> for 1200x900 product photos.
    Fix: declare the file's own proportions (or crop the files to the template's ratio) and
    let CSS scale the box with object-fit.
    Source: Lighthouse image-aspect-ratio audit (5% tolerance)
    https://developer.chrome.com/docs/lighthouse/best-practices/image-aspect-ratio
    and Google Search Central, image SEO https://developers.google.com/search/docs/appearance/google-images
    """

    id = "SEO-MEDIA-009"
    slug = "image-aspect-ratio-differs"
    family = "media"
    severity = "warning"
    scope = "site"
    needs = ("images",)
    fields = ("images.page", "images.src", "images.declared_width", "images.width")
    options: ClassVar[tuple[str, ...]] = ("tolerance",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")  # its loopback_copies
        tolerance = float(self.opt("tolerance"))
        declared = "declared_width / declared_height"
        served = "width / height"
        return f"""
            SELECT page AS url,
                   'The image is declared at aspect ratio ' || round({declared}, 2)
                       || ' but its file is ' || round({served}, 2) AS message,
                   {SIZES} AS evidence, src AS related_url, src AS key
            FROM {IMAGES}
            WHERE {SERVED} AND declared_width > 0 AND declared_height > 0 AND width > 0 AND height > 0
              AND abs({declared} - {served}) / ({served}) > {tolerance}
        """
