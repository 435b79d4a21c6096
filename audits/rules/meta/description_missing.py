from __future__ import annotations

from audits.rules._base import HtmlPageRule


class DescriptionMissing(HtmlPageRule):
    """The page has no meta description.

    Why: the meta description is the preferred source of the result snippet; without
    one Google picks text from the page, often navigation or legal boilerplate.
    Anti-pattern: templates that only emit a description for some page types.
    Fix: write a unique <meta name="description"> summarising the page.
    Source: https://developers.google.com/search/docs/appearance/snippet#meta-descriptions
    """

    id = "SEO-META-008"
    slug = "description-missing"
    family = "meta"
    severity = "warning"
    fields = ("meta_description", "meta_description_count")
    condition = "coalesce(meta_description_count, 0) = 0"
    message = "'The page has no meta description'"
