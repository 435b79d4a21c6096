from __future__ import annotations

from audits.rules.indexability._canonical_target import CanonicalTargetRule


class CanonicalToNon200(CanonicalTargetRule):
    """The canonical points to a URL that answers an error (4xx/5xx) or cannot be fetched.

    Why: a canonical must name the indexable version of the page; an error page
    cannot be indexed, so Google ignores the hint or drops both.
    Anti-pattern: canonicals built from an old URL scheme or a removed product.
    Fix: point the canonical at the live 200 URL (usually the page itself).
    Source: https://developers.google.com/search/docs/crawling-indexing/canonicalization-troubleshooting
    """

    id = "SEO-INDEX-007"
    slug = "canonical-to-non-200"
    family = "indexability"
    severity = "error"
    fields = ("canonical", "status")
    condition = "(t.status >= 400 OR t.fetch_state IN ('error', 'blocked_robots'))"
    message = "'The canonical target answers ' || coalesce(t.status::VARCHAR, t.fetch_state)"
