"""Rule SEO-VITALS-015: an image without dimensions shifted the page's layout."""

from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class ShiftUnsizedImage(Rule):
    """An image without width and height attributes moved content when it loaded.

    The measurement names, for each element that shifted, the nearest image above it
    that had no width/height (nor CSS size or aspect-ratio) when the shift happened.
    Why: without dimensions the browser reserves no space for an image; when it
    arrives, everything below jumps (Cumulative Layout Shift), and shoppers tap the
    wrong thing.
    Anti-pattern: <img src="..."> in product grids and banners with the size only in
    the image file.
    Fix: set width and height attributes (CSS can still make the image responsive),
    or an aspect-ratio in CSS.
    Source: https://web.dev/articles/optimize-cls#images-without-dimensions
    """

    id = "SEO-VITALS-015"
    slug = "shift-unsized-image"
    family = "vitals"
    severity = "warning"
    needs = ("vitals",)
    fields = ("vitals.url", "vitals.shift_sources", "vitals.error")

    def check(self, ctx: RuleContext) -> str:
        return """
            WITH sources AS (
                SELECT url, unnest(shift_sources) AS source FROM vitals
                WHERE error IS NULL AND len(shift_sources) > 0
            )
            SELECT url,
                   'An image without width and height shifted the layout when it loaded'
                       AS message,
                   source.unsized_image || ' moved ' || string_agg(DISTINCT source.selector, ', ' ORDER BY source.selector)
                       AS evidence,
                   source.unsized_image AS key
            FROM sources
            WHERE source.unsized_image IS NOT NULL
            GROUP BY url, source.unsized_image
        """
