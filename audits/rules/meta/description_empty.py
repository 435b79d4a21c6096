from __future__ import annotations

from audits.rules._base import HtmlPageRule


class DescriptionEmpty(HtmlPageRule):
    """The meta description is present but empty.

    Why: an empty description is the same as none for the snippet, and shows a
    template filling it from an unset field.
    Anti-pattern: <meta name="description" content="">.
    Fix: fill it with a unique summary of the page, or remove the tag.
    Source: https://developers.google.com/search/docs/appearance/snippet#meta-descriptions
    """

    id = "SEO-META-009"
    slug = "description-empty"
    family = "meta"
    severity = "warning"
    fields = ("meta_description", "meta_description_count")
    condition = (
        "coalesce(meta_description_count, 0) > 0 AND trim(coalesce(meta_description, '')) = ''"
    )
    message = "'The meta description is empty'"
