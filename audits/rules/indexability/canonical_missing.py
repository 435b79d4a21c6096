from __future__ import annotations

from audits.rules._base import HtmlPageRule


class CanonicalMissing(HtmlPageRule):
    """The page declares no rel=canonical.

    Why: catalog pages are reachable under many URLs (tracking, facets, sort order);
    without a canonical, Google chooses which duplicate represents the page.
    Anti-pattern: canonicals only on product pages, none on categories or content pages.
    Fix: give every indexable page an absolute, self-referencing rel=canonical.
    Source: https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls
    """

    id = "SEO-INDEX-004"
    slug = "canonical-missing"
    family = "indexability"
    severity = "notice"
    fields = ("canonical", "canonicals")
    condition = "canonical IS NULL AND len(coalesce(canonicals, [])) = 0"
    message = "'The page declares no rel=canonical'"
