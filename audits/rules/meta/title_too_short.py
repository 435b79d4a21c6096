from __future__ import annotations

from audits.rules._base import HtmlPageRule
from audits.textwidth import pixel_width_sql

_WIDTH = pixel_width_sql("trim(title)", "{font_px}")


class TitleTooShort(HtmlPageRule):
    """The title is shorter than the configured minimum (characters or pixel width).

    Why: a very short title wastes the most visible line of the search result and
    rarely says enough (product, category, brand) to win the click.
    Anti-pattern: titles like "Home", "Product" or a bare SKU.
    Fix: describe the page: main keyword, distinguishing detail, brand.
    Source: https://developers.google.com/search/docs/appearance/title-link#page-titles
    """

    id = "SEO-META-004"
    slug = "title-too-short"
    family = "meta"
    severity = "notice"
    fields = ("title",)
    options = ("min_chars", "min_pixels", "font_px")
    condition = (
        "trim(coalesce(title, '')) <> '' AND (length(trim(title)) < {min_chars} OR "
        + _WIDTH
        + " < {min_pixels})"
    )
    message = (
        "'The title is ' || length(trim(title)) || ' characters, ' || round("
        + _WIDTH
        + ") || ' px wide (minimum {min_chars} characters, {min_pixels} px)'"
    )
    evidence = "title"
