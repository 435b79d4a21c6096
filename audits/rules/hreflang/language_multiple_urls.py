from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class HreflangLanguageMultipleUrls(Rule):
    """One hreflang code is mapped to two or more different URLs on the page.

    Why: each language-region may name one URL; with two, Google cannot tell which
    to serve and may ignore both.
    Anti-pattern: a variant and its parent both annotated hreflang="en-CA".
    Fix: keep one URL per code (the canonical one).
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#troubleshooting
    """

    id = "SEO-HREFLANG-011"
    slug = "hreflang-code-multiple-urls"
    family = "hreflang"
    severity = "error"
    fields = ("hreflang",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("hreflang_edges")
        return """
            SELECT url, 'hreflang="' || min(lang) || '" names ' || count(DISTINCT href) || ' different URLs' AS message,
                   string_agg(DISTINCT href, ' | ' ORDER BY href) AS evidence, code AS key
            FROM hreflang_edges GROUP BY url, code
            HAVING count(DISTINCT href) > 1
        """
