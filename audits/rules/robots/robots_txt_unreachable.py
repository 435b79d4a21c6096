from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class RobotsTxtUnreachable(Rule):
    """robots.txt answered a server error (5xx, 429) or no answer at all, so nothing of the site is crawled.

    Why: Google treats a robots.txt that answers 5xx or 429, times out or fails at the
    network level as a full disallow and stops crawling the site (after 30 days it may fall
    back to a cached copy); the crawler did the same, so the site's pages were not fetched.
    Anti-pattern: robots.txt served by an application that errors under load, a WAF that
    answers 503 to crawlers, a robots.txt route slower than any crawler's timeout.
    Fix: serve robots.txt as a static file that answers 200 (or 404 when there are no
    rules) quickly and reliably; never use 5xx to slow crawlers down for long.
    Source: Google Search Central, "How Google interprets the robots.txt specification" (read 2026-12)
    https://developers.google.com/search/docs/crawling-indexing/robots/robots_txt#handling-http-result-codes
    """

    id = "SEO-ROBOTS-001"
    slug = "robots-txt-unreachable"
    family = "robots"
    severity = "error"
    scope = "site"
    needs = ("robots",)
    fields = ("robots.outcome", "robots.reason", "robots.status", "robots.error")

    def check(self, ctx: RuleContext) -> str:
        return """
            SELECT robots_url AS url,
                   'robots.txt could not be read, so no URL of ' || origin || ' was crawled: ' || reason AS message,
                   coalesce('HTTP ' || status::VARCHAR, error, '') AS evidence
            FROM robots WHERE outcome = 'disallow_all'
        """
