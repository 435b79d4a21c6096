from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class RobotsBlockedInSitemap(Rule):
    """A URL listed in a sitemap is disallowed by robots.txt.

    Why: search engines cannot fetch a blocked URL, so they cannot index its content,
    yet the sitemap asks them to. (Also the sitemap family's "blocked URL listed".)
    Anti-pattern: a robots.txt Disallow added for one section while its sitemap stays.
    Fix: remove blocked URLs from the sitemaps, or lift the Disallow if they should rank.
    Source: https://developers.google.com/search/docs/crawling-indexing/robots/intro
    """

    id = "SEO-INDEX-002"
    slug = "robots-blocked-in-sitemap"
    family = "indexability"
    severity = "error"
    fields = ("fetch_state", "in_sitemap", "sitemaps")

    def check(self, ctx: RuleContext) -> str:
        return """
            SELECT url, 'The URL is in a sitemap but robots.txt disallows it' AS message,
                   coalesce(array_to_string(sitemaps[1:3], ' '), '') AS evidence
            FROM pages WHERE fetch_state = 'blocked_robots' AND coalesce(in_sitemap, false)
        """
