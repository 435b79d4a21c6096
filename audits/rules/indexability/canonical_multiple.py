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
    # the ones Google reads: a canonical outside <head> is ignored (SEO-INDEX-013)
    _READ = "list_distinct(list_filter(coalesce(canonicals, []), lambda c, i: coalesce(canonical_sources[i], '') <> 'body'))"
    condition = f"len({_READ}) > 1"
    message = f"'The page declares ' || len({_READ}) || ' different canonical URLs'"
    evidence = f"array_to_string({_READ}, ' | ')"
