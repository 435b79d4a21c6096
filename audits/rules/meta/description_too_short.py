from __future__ import annotations

from audits.rules._base import TextWidthRule


class DescriptionTooShort(TextWidthRule):
    """The meta description is shorter than the configured minimum (characters or pixels).

    Why: a one-line description leaves most of the snippet to Google's choice and
    gives searchers little reason to click.
    Anti-pattern: descriptions that repeat the title or hold a few keywords.
    Fix: summarise the page in one or two full sentences (about 70-160 characters).
    Source: https://developers.google.com/search/docs/appearance/snippet#meta-descriptions
    """

    id = "SEO-META-011"
    slug = "description-too-short"
    family = "meta"
    severity = "notice"
    fields = ("meta_description",)
    options = ("min_chars", "min_pixels", "font_px")
    condition = "trim(coalesce(p.meta_description, '')) <> '' AND (length(trim(p.meta_description)) < {min_chars} OR w.description_em * {font_px} < {min_pixels})"
    message = "'The meta description is ' || length(trim(p.meta_description)) || ' characters, ' || round(w.description_em * {font_px})::BIGINT || ' px wide (minimum {min_chars} characters, {min_pixels} px)'"
    evidence = "p.meta_description"
