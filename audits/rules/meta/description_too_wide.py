from __future__ import annotations

from audits.rules._base import TextWidthRule


class DescriptionTooWide(TextWidthRule):
    """The meta description is wider than a desktop snippet shows (pixel width).

    Why: snippets are cut by rendered width (about 920 px of Arial 14 px on desktop),
    so the end of a wide description is never read.
    Anti-pattern: upper-case or symbol-heavy descriptions that overflow the snippet.
    Fix: shorten until the estimated width fits, with the key message first.
    Source: https://moz.com/learn/seo/meta-description
    """

    id = "SEO-META-013"
    slug = "description-too-wide"
    family = "meta"
    severity = "notice"
    fields = ("meta_description",)
    options = ("max_pixels", "font_px")
    condition = "w.description_em * {font_px} > {max_pixels}"
    message = "'The meta description is about ' || round(w.description_em * {font_px})::BIGINT || ' px wide (snippets show about {max_pixels} px)'"
    evidence = "p.meta_description"
