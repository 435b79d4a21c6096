from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class CrawlerTrap(Rule):
    """The crawler found an infinite URL space (calendar, facet explosion, path loop).

    Why: traps generate endless near-identical URLs that eat crawl budget, so
    search engines crawl real pages less often.
    Anti-pattern: "next month" links forever, filters combinable without limit,
    relative links that add a path segment on every click.
    Fix: bound the space (stop calendars, nofollow/robots-block filter combinations,
    use absolute links) and keep the pages out of sitemaps.
    Source: https://developers.google.com/search/docs/crawling-indexing/crawling-managing-faceted-navigation
    """

    id = "SEO-LINKS-011"
    slug = "crawler-trap"
    family = "links"
    severity = "warning"
    fields = ("trap",)

    def check(self, ctx: RuleContext) -> str:
        return """
            SELECT url, 'The URL belongs to a crawler trap (' || trap || ')' AS message,
                   trap AS evidence, coalesce(referrer, '') AS related_url, trap AS key
            FROM pages WHERE trap IS NOT NULL
        """
