from __future__ import annotations

from audits.context import RuleContext, hreflang_strings
from audits.rule import Rule


class HreflangMissingXDefault(Rule):
    """The page's hreflang set has no x-default.

    Why: x-default names the version for users whose language matches none of the
    others (a language chooser or the main market); without it Google guesses.
    Anti-pattern: en-CA and fr-CA annotations only.
    Fix: add hreflang="x-default" pointing at the chooser or the default version.
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#xdefault
    """

    id = "SEO-HREFLANG-010"
    slug = "hreflang-missing-x-default"
    family = "hreflang"
    severity = "warning"
    fields = ("hreflang",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("hreflang_edges")
        # pages grouped on their URL's 64-bit hash: the strings only for the pages found
        documents = """
            SELECT doc_id FROM hreflang_edges GROUP BY doc_id
            HAVING min(code) <> max(code) AND NOT bool_or(code = 'x-default')
        """
        return f"""
            SELECT url, 'The hreflang set has no x-default' AS message,
                   string_agg(DISTINCT lang, ', ' ORDER BY lang) AS evidence
            FROM {hreflang_strings(ctx, documents)}
            GROUP BY url
        """
