from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class LinkToRedirect(Rule):
    """A page links internally to a URL that redirects (or loops).

    Why: every internal redirect costs a round trip for users and crawl budget for
    bots; chains and loops can stop crawlers before they reach the page.
    Anti-pattern: menus and descriptions still linking to old URLs after a migration.
    Fix: link straight to the final URL.
    Source: https://developers.google.com/search/docs/crawling-indexing/301-redirects
    """

    id = "SEO-LINKS-004"
    slug = "link-to-redirect"
    family = "links"
    severity = "warning"
    scope = "site"
    needs = ("pages", "links")
    fields = (
        "redirect_chain",
        "final_url",
        "links.source",
        "links.target",
        "links.kind",
        "links.internal",
    )

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("page_facts")
        return """
            SELECT DISTINCT l.source AS url,
                   'Links to ' || l.target || ', which ' ||
                   CASE WHEN t.fetch_state = 'redirect_loop' THEN 'redirects in a loop'
                        ELSE 'redirects to ' || coalesce(t.final_url, '?') END AS message,
                   coalesce(t.final_url, t.fetch_state) AS evidence, l.target AS related_url
            FROM links l JOIN page_facts t ON t.url = l.target
            WHERE l.kind = 'a' AND l.internal AND l.source <> l.target
              AND (t.redirected OR t.fetch_state = 'redirect_loop')
        """
