from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class RobotsBlockedLinked(Rule):
    """Internal links point to a URL that robots.txt disallows.

    Why: links to blocked URLs pass signals nowhere useful, and a blocked URL can still
    be indexed without content from links alone ("Indexed, though blocked by robots.txt").
    Anti-pattern: navigation linking to cart, search or sort URLs that robots.txt blocks.
    Fix: fine for private areas; otherwise link to crawlable URLs, or use noindex (which
    needs the URL to be crawlable) when it must stay out of the index.
    Source: https://developers.google.com/search/docs/crawling-indexing/robots/intro#understand-the-limitations-of-a-robots.txt-file
    """

    id = "SEO-INDEX-003"
    slug = "robots-blocked-linked"
    family = "indexability"
    severity = "notice"
    scope = "site"
    needs = ("pages", "links")
    fields = ("fetch_state", "links.target", "links.kind", "links.internal")

    def check(self, ctx: RuleContext) -> str:
        return """
            SELECT p.url, 'robots.txt disallows this URL, but ' || count(DISTINCT l.source) || ' page(s) link to it' AS message,
                   count(DISTINCT l.source) || ' linking page(s)' AS evidence,
                   min(l.source) AS related_url, '' AS key
            FROM pages p JOIN links l ON url_key(l.target) = url_key(p.url)
            WHERE p.fetch_state = 'blocked_robots' AND l.kind = 'a' AND l.internal
            GROUP BY p.url
        """
