from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class RedirectLoop(Rule):
    """A URL redirects in a loop and never reaches a page.

    Why: a loop makes the URL unreachable for users and crawlers alike.
    Anti-pattern: two redirect rules pointing at each other (/a -> /b, /b -> /a).
    Fix: break the loop: redirect every URL of it to the real destination.
    Source: https://developers.google.com/search/docs/crawling-indexing/301-redirects
    """

    id = "SEO-LINKS-006"
    slug = "redirect-loop"
    family = "links"
    severity = "error"
    fields = ("redirect_loop", "redirect_chain")

    def check(self, ctx: RuleContext) -> str:
        return """
            SELECT url, 'The URL redirects in a loop' AS message,
                   array_to_string(list_transform(coalesce(redirect_chain, []), lambda h: h.url), ' -> ') AS evidence
            FROM pages
            WHERE (coalesce(redirect_loop, false) OR fetch_state = 'redirect_loop')
              AND coalesce(discovered_from, '') <> 'redirect'
        """
