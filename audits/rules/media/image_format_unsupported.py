from __future__ import annotations

from typing import ClassVar

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules._base import sql_text
from audits.rules.media._files import IMAGES


class ImageFormatUnsupported(Rule):
    """A sampled image is in a format Google Images does not index, or is not an image.

    Why: Google Images indexes BMP, GIF, JPEG, PNG, WebP, SVG and AVIF images (and the
    image's file must be one: an HTML error page served at an image URL is not); another
    format (TIFF, HEIC, JPEG XL...) is not shown in image results, and most browsers
    cannot show it either.
    Anti-pattern: HEIC photos uploaded from phones served as they are; a CDN answering 200
    with an HTML page for a missing image.
    Fix: serve one of the supported formats (WebP or AVIF with a JPEG fallback); answer 404
    for a missing image.
    Source: Google Search Central, image SEO, supported image formats
    https://developers.google.com/search/docs/appearance/google-images#supported-image-formats
    """

    id = "SEO-MEDIA-012"
    slug = "image-format-unsupported"
    family = "media"
    severity = "warning"
    scope = "site"
    needs = ("images",)
    fields = ("images.page", "images.src", "images.format", "images.content_type")
    options: ClassVar[tuple[str, ...]] = ("formats",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")  # its loopback_copies
        formats = ", ".join(sql_text(str(f).upper()) for f in self.opt("formats"))
        return f"""
            SELECT page AS url,
                   CASE WHEN format IS NULL
                        THEN 'The image URL does not answer an image (' || coalesce(content_type, 'no type') || ')'
                        ELSE 'The image is ' || format || ', a format Google Images does not index' END
                       AS message,
                   src || ' ' || coalesce(format, content_type, '') AS evidence,
                   src AS related_url, src AS key
            FROM {IMAGES}
            WHERE fetch_state = 'fetched' AND status IN (200, 206)
              AND (format IS NULL OR upper(format) NOT IN ({formats}))
        """
