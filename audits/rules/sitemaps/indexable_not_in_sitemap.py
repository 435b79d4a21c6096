from __future__ import annotations

from audits.rules._base import INDEXABLE, HtmlPageRule


class IndexableNotInSitemap(HtmlPageRule):
    """An indexable page is missing from every sitemap.

    Why: sitemaps are how large catalogs tell search engines about every page that
    should be indexed (and when it changed); missing pages are found later, if at all.
    Anti-pattern: sitemaps covering products but not categories, or a stale export.
    Fix: generate sitemaps from the full set of indexable, canonical 200 URLs.
    Source: https://developers.google.com/search/docs/crawling-indexing/sitemaps/overview
    """

    id = "SEO-SITEMAP-002"
    slug = "indexable-not-in-sitemap"
    family = "sitemaps"
    severity = "notice"
    needs = ("pages", "sitemaps")
    fields = ("in_sitemap",)
    condition = f"{INDEXABLE} AND NOT coalesce(in_sitemap, false)"
    message = "'The indexable page is in no sitemap'"
