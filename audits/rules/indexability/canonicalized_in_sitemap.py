from __future__ import annotations

from audits.rules._base import HtmlPageRule


class CanonicalizedInSitemap(HtmlPageRule):
    """A page listed in a sitemap canonicalizes to another URL.

    Why: sitemaps should list canonical URLs only; listing a duplicate sends Google
    conflicting signals about which URL to index. (Also the sitemap family's
    "canonicalized URL listed".)
    Anti-pattern: sitemaps listing every variant or parameter URL of a product.
    Fix: list the canonical URL, not the duplicates.
    Source: https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap#general-guidelines
    """

    id = "SEO-INDEX-011"
    slug = "canonicalized-in-sitemap"
    family = "indexability"
    severity = "warning"
    fields = ("canonical", "in_sitemap")
    condition = "coalesce(in_sitemap, false) AND canonical IS NOT NULL AND url_key(canonical) <> url_key(url)"
    message = "'The page is in a sitemap but canonicalizes to ' || canonical"
    evidence = "canonical"
    key = "''"
