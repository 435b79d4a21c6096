from __future__ import annotations

from audits.rules._base import DuplicateValueRule


class DescriptionDuplicate(DuplicateValueRule):
    """Several indexable pages of one locale share the same meta description.

    Why: duplicate descriptions make results look alike and are a symptom of
    templated or duplicate pages; Google prefers to generate its own snippet then.
    Anti-pattern: one site-wide description, or a category's description on every product.
    Fix: write a description specific to each page, or generate one from its own data.
    Source: https://developers.google.com/search/docs/appearance/snippet#meta-descriptions
    """

    id = "SEO-META-014"
    slug = "description-duplicate"
    family = "meta"
    severity = "warning"
    fields = ("meta_description", "lang")
    value = "coalesce(meta_description, '')"
    what = "meta description"
