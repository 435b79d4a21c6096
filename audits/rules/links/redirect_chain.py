from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class RedirectChain(Rule):
    """A URL redirects through more hops than the configured maximum.

    Why: each hop adds latency; Googlebot follows up to 10 hops and then gives up,
    and chains usually mean stale links from several migrations.
    Anti-pattern: /old -> /new -> /new/ -> /final.
    Fix: redirect every old URL straight to the final one, and update links.
    Source: https://developers.google.com/search/docs/crawling-indexing/301-redirects
    """

    id = "SEO-LINKS-005"
    slug = "redirect-chain"
    family = "links"
    severity = "warning"
    fields = ("redirect_chain",)
    options = ("max_hops",)

    def check(self, ctx: RuleContext) -> str:
        return f"""
            SELECT url, 'The URL redirects through ' || len(redirect_chain) || ' hops (maximum {int(self.opt("max_hops"))})' AS message,
                   array_to_string(list_transform(redirect_chain, lambda h: h.url || ' (' || h.status || ')'), ' -> ')
                       || ' -> ' || coalesce(final_url, '?') AS evidence
            FROM pages WHERE len(redirect_chain) > {int(self.opt("max_hops"))} AND NOT coalesce(redirect_loop, false)
        """
