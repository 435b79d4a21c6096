from __future__ import annotations

from audits.rules._base import HtmlPageRule
from audits.textwidth import pixel_width_sql

_WIDTH = pixel_width_sql("trim(meta_description)", "{font_px}")


class DescriptionTooShort(HtmlPageRule):
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
    condition = (
        "trim(coalesce(meta_description, '')) <> '' AND (length(trim(meta_description)) < {min_chars} OR "
        + _WIDTH
        + " < {min_pixels})"
    )
    message = (
        "'The meta description is ' || length(trim(meta_description)) || ' characters, ' || round("
        + _WIDTH
        + ") || ' px wide (minimum {min_chars} characters, {min_pixels} px)'"
    )
    evidence = "meta_description"
