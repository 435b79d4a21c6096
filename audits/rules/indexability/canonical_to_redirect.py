from __future__ import annotations

from audits.rules.indexability._canonical_target import CanonicalTargetRule


class CanonicalToRedirect(CanonicalTargetRule):
    """The canonical points to a URL that redirects.

    Why: the canonical should be the final URL; a redirecting canonical is a
    contradictory signal (and often loops back to the page itself).
    Anti-pattern: canonicals to legacy URLs or to http:// URLs redirected to https://.
    Fix: use the redirect's destination as the canonical.
    Source: https://developers.google.com/search/docs/crawling-indexing/canonicalization-troubleshooting
    """

    id = "SEO-INDEX-008"
    slug = "canonical-to-redirect"
    family = "indexability"
    severity = "error"
    fields = ("canonical", "redirect_chain", "final_url")
    condition = "t.redirected AND coalesce(t.status, 0) < 400"
    message = "'The canonical ' || p.canonical || ' redirects to ' || coalesce(t.final_url, '?')"
