from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class CanonicalRelative(Rule):
    """A rel=canonical is written as a relative URL.

    Why: relative canonicals resolve against whatever URL served the page (staging
    hosts, http vs https, mirrors) and so can canonicalize to the wrong site.
    Anti-pattern: <link rel="canonical" href="/products/tent">.
    Fix: write absolute canonical URLs, scheme and host included.
    Source: https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls#rel-canonical-link-method
    """

    id = "SEO-INDEX-005"
    slug = "canonical-relative"
    family = "indexability"
    severity = "warning"
    fields = ("canonicals",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        return """
            SELECT url, 'The canonical "' || c || '" is a relative URL' AS message, c AS evidence, c AS key
            FROM (SELECT url, unnest(canonicals) AS c FROM html_pages WHERE len(canonicals) > 0)
            WHERE NOT regexp_matches(c, '^[a-zA-Z][a-zA-Z0-9+.-]*://')
        """
