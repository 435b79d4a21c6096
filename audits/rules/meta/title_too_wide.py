from __future__ import annotations

from audits.rules._base import TextWidthRule


class TitleTooWide(TextWidthRule):
    """The title is wider than what a desktop search result shows (pixel width).

    Why: Google truncates titles by rendered width (about 600 px of Arial 20 px on
    desktop), so a title of wide letters is cut even under 60 characters.
    Anti-pattern: upper-case titles or titles full of W, M and digits that overflow.
    Fix: shorten or reword until the estimated width fits; put key words first.
    Source: https://moz.com/learn/seo/title-tag
    """

    id = "SEO-META-006"
    slug = "title-too-wide"
    family = "meta"
    severity = "warning"
    fields = ("title",)
    options = ("max_pixels", "font_px")
    condition = "w.title_em * {font_px} > {max_pixels}"
    message = "'The title is about ' || round(w.title_em * {font_px})::BIGINT || ' px wide (search results show about {max_pixels} px)'"
    evidence = "p.title"
