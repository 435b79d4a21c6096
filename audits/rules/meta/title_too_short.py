from __future__ import annotations

from audits.rules._base import TextWidthRule


class TitleTooShort(TextWidthRule):
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
    condition = "trim(coalesce(p.title, '')) <> '' AND (length(trim(p.title)) < {min_chars} OR w.title_em * {font_px} < {min_pixels})"
    message = "'The title is ' || length(trim(p.title)) || ' characters, ' || round(w.title_em * {font_px})::BIGINT || ' px wide (minimum {min_chars} characters, {min_pixels} px)'"
    evidence = "p.title"
