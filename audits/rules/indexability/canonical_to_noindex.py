from __future__ import annotations

from audits.rules.indexability._canonical_target import CanonicalTargetRule


class CanonicalToNoindex(CanonicalTargetRule):
    """The canonical points to a page that says noindex.

    Why: "index that URL instead" plus "don't index that URL" leaves nothing to
    index; Google may drop the whole cluster.
    Anti-pattern: variants canonicalized to a parent page that is itself noindex.
    Fix: canonicalize to an indexable page, or remove noindex from the target.
    Source: https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls
    """

    id = "SEO-INDEX-009"
    slug = "canonical-to-noindex"
    family = "indexability"
    severity = "error"
    fields = ("canonical", "meta_robots", "x_robots_tag")
    condition = "t.noindex AND NOT t.redirected AND t.status = 200"
    message = "'The canonical target says noindex'"
