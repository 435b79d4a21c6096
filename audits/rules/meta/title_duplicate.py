from __future__ import annotations

from audits.rules._base import DuplicateValueRule


class TitleDuplicate(DuplicateValueRule):
    """Several indexable pages of one locale share the same title.

    Why: identical titles make pages indistinguishable in results and signal
    duplicate or boilerplate content; Google may pick one page and filter the rest.
    Anti-pattern: every variant or paginated page reusing the parent's title.
    Fix: make each indexable page's title unique (variant, attribute, page number),
    or canonicalize true duplicates to one URL.
    Source: https://developers.google.com/search/docs/appearance/title-link#page-titles
    """

    id = "SEO-META-007"
    slug = "title-duplicate"
    family = "meta"
    severity = "warning"
    fields = ("title", "lang")
    value = "coalesce(title, '')"
    what = "title"
