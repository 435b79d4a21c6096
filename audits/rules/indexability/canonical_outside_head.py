from __future__ import annotations

from audits.rules._base import HtmlPageRule


class CanonicalOutsideHead(HtmlPageRule):
    """A rel=canonical link is outside <head>, where Google ignores it.

    Why: Google reads rel=canonical only in the <head>. A <link> written in the body, or
    one placed after an element that cannot be in the head (an <img>, a <div>, often
    injected by a tag manager) which ends the head early, is not a canonical at all.
    Anti-pattern: <head><title>..</title><img src="pixel.gif"><link rel="canonical" ...>.
    Fix: move the link into <head>, above any element that does not belong there.
    Source: https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls#rel-canonical-link-method
    """

    id = "SEO-INDEX-013"
    slug = "canonical-outside-head"
    family = "indexability"
    severity = "error"
    fields = ("canonicals", "canonical_sources")
    condition = "list_contains(canonical_sources, 'body')"
    message = "'A rel=canonical is outside <head>: Google ignores it'"
    evidence = "array_to_string(list_filter(canonicals, lambda c, i: canonical_sources[i] = 'body'), ' | ')"
