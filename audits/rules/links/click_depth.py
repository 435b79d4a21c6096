from __future__ import annotations

from audits.rules._base import HtmlPageRule


class ClickDepth(HtmlPageRule):
    """The page is more clicks from the start page than the configured maximum.

    Why: pages buried deep in pagination or facets are crawled less often and get
    less internal link equity; important products should be a few clicks away.
    Anti-pattern: products reachable only through page 40 of a category listing.
    Fix: flatten navigation: sub-categories, more items per page, related-product links.
    Source: https://developers.google.com/search/docs/fundamentals/seo-starter-guide#hierarchy
    """

    id = "SEO-LINKS-010"
    slug = "click-depth-exceeded"
    family = "links"
    severity = "notice"
    fields = ("depth",)
    options = ("max_depth",)
    condition = "depth > {max_depth} AND coalesce(discovered_from, 'link') NOT IN ('sitemap')"
    message = "'The page is ' || depth || ' clicks from the start page (maximum {max_depth})'"
    evidence = "'depth ' || depth"
