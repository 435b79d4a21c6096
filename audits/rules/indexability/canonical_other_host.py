from __future__ import annotations

from audits.rules._base import HtmlPageRule

# url_key: the loopback names of one local server are one host
_HOST = "lower(regexp_extract(url_key({}), '^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#:]+)', 1))"


class CanonicalOtherHost(HtmlPageRule):
    """The canonical points to another host.

    Why: a cross-host canonical hands the page's ranking to another site; right for
    syndicated copies, a disaster when it comes from a staging host or a partner feed.
    Anti-pattern: canonicals hard-coded to a staging or partner domain.
    Fix: canonicalize to the page on this site unless the other host is the original.
    Source: https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls#rel-canonical-link-method
    """

    id = "SEO-INDEX-010"
    slug = "canonical-other-host"
    family = "indexability"
    severity = "warning"
    fields = ("canonical",)
    condition = f"canonical IS NOT NULL AND {_HOST.format('canonical')} <> '' AND {_HOST.format('canonical')} <> {_HOST.format('url')}"
    message = "'The canonical points to another host: ' || " + _HOST.format("canonical")
    evidence = "canonical"
    key = "canonical"
