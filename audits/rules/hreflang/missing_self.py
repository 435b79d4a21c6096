from __future__ import annotations

from audits.context import RuleContext, hreflang_strings
from audits.rule import Rule


class HreflangMissingSelf(Rule):
    """The page's hreflang set does not include the page itself.

    Why: Google requires each language version to list itself as well as the
    others; without the self-reference the set may be ignored.
    Anti-pattern: templates that print only the *other* languages' links.
    Fix: include a hreflang entry whose href is the page's own canonical URL.
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#html
    """

    id = "SEO-HREFLANG-003"
    slug = "hreflang-missing-self"
    family = "hreflang"
    severity = "error"
    fields = ("hreflang",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("hreflang_edges")
        # pages grouped on their URL's 64-bit hash: the strings only for the pages found
        documents = "SELECT doc_id FROM hreflang_edges GROUP BY doc_id HAVING NOT bool_or(href_id = page_id)"
        return f"""
            SELECT url, 'The hreflang set does not list the page itself' AS message,
                   string_agg(DISTINCT lang, ', ' ORDER BY lang) AS evidence
            FROM {hreflang_strings(ctx, documents)}
            GROUP BY url
        """
