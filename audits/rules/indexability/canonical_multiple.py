from __future__ import annotations

from audits.rules._base import HtmlPageRule


class CanonicalMultiple(HtmlPageRule):
    """The page declares several different canonical URLs (HTML and/or Link header).

    Why: when canonicals conflict Google ignores all of them and picks one itself.
    Anti-pattern: an SEO plugin and the theme both writing rel=canonical; an HTTP Link
    header that disagrees with the HTML.
    Fix: declare one canonical, in one place.
    Source: https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls#rel-canonical-link-method
    """

    id = "SEO-INDEX-006"
    slug = "canonical-multiple"
    family = "indexability"
    severity = "error"
    fields = ("canonicals", "canonical_sources")
    condition = "len(list_distinct(coalesce(canonicals, []))) > 1"
    message = (
        "'The page declares ' || len(list_distinct(canonicals)) || ' different canonical URLs'"
    )
    evidence = "array_to_string(list_distinct(canonicals), ' | ')"
