from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class LinkToBroken(Rule):
    """A page links internally to a URL that answers 4xx or 5xx.

    Why: broken internal links waste crawl budget, leak link equity and frustrate
    users; they are the usual way error pages are discovered.
    Anti-pattern: product descriptions linking to discontinued products.
    Fix: update or remove the link (or redirect the target to a live page).
    Source: https://developers.google.com/search/docs/crawling-indexing/links-crawlable
    """

    id = "SEO-LINKS-003"
    slug = "link-to-broken"
    family = "links"
    severity = "error"
    scope = "site"
    needs = ("pages", "links")
    fields = ("status", "links.source", "links.target", "links.kind", "links.internal")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("page_facts")
        return """
            SELECT DISTINCT l.source AS url,
                   'Links to ' || l.target || ', which answers HTTP ' || t.status AS message,
                   'HTTP ' || t.status AS evidence, l.target AS related_url
            FROM links l JOIN page_facts t ON t.url = l.target
            WHERE l.kind = 'a' AND l.internal AND t.status >= 400
        """
