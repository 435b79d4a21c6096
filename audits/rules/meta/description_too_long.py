from __future__ import annotations

from audits.rules._base import HtmlPageRule


class DescriptionTooLong(HtmlPageRule):
    """The meta description has more characters than the configured maximum.

    Why: snippets are truncated (about 160 characters on desktop); the rest is not
    shown, and very long descriptions are often keyword lists Google ignores.
    Anti-pattern: pasting the product's whole marketing copy into the description.
    Fix: keep the essentials within about 160 characters.
    Source: https://developers.google.com/search/docs/appearance/snippet#meta-descriptions
    """

    id = "SEO-META-012"
    slug = "description-too-long"
    family = "meta"
    severity = "warning"
    fields = ("meta_description",)
    options = ("max_chars",)
    condition = "length(trim(coalesce(meta_description, ''))) > {max_chars}"
    message = "'The meta description is ' || length(trim(meta_description)) || ' characters (maximum {max_chars})'"
    evidence = "meta_description"
