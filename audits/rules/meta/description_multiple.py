from __future__ import annotations

from audits.rules._base import HtmlPageRule


class DescriptionMultiple(HtmlPageRule):
    """The page has more than one meta description.

    Why: which one is used is undefined; two templates writing the head usually
    disagree on the text.
    Anti-pattern: a CMS plugin and the theme both emitting <meta name="description">.
    Fix: emit exactly one meta description.
    Source: https://developers.google.com/search/docs/appearance/snippet#meta-descriptions
    """

    id = "SEO-META-010"
    slug = "description-multiple"
    family = "meta"
    severity = "warning"
    fields = ("meta_description_count",)
    condition = "meta_description_count > 1"
    message = "'The page has ' || meta_description_count || ' meta descriptions'"
    evidence = "meta_description_count || ' descriptions'"
