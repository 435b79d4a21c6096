from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class HreflangCodeWhitespace(Rule):
    """An hreflang value has spaces around the code (hreflang=" x-default").

    Why: the attribute value is the code as written; " x-default" or "fr-CA " is not a
    valid language code, and Lighthouse's hreflang audit fails it ("Unexpected language
    code"). Whether a search engine trims it is undocumented: the annotation may be
    ignored, and with it the return links of the whole set. The other hreflang rules
    read the trimmed code, so this is the one that reports the spaces.
    Anti-pattern: hreflang=" x-default", hreflang="fr-CA " from a template that pads values.
    Fix: write the code alone: hreflang="x-default", hreflang="fr-CA".
    Source: Lighthouse hreflang audit (Lighthouse 12.8, 2025; read 2026-12)
    https://developer.chrome.com/docs/lighthouse/seo/hreflang
    """

    id = "SEO-HREFLANG-017"
    slug = "hreflang-code-whitespace"
    family = "hreflang"
    severity = "error"
    fields = ("hreflang",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("hreflang_documents")
        return r"""
            SELECT url, 'The hreflang value "' || h.lang || '" has spaces around the code' AS message,
                   'hreflang="' || h.lang || '"' AS evidence, h.lang AS key
            FROM (SELECT url, unnest(hreflang) AS h FROM hreflang_documents WHERE len(hreflang) > 0)
            WHERE h.source <> 'body' AND h.lang IS NOT NULL AND h.lang <> regexp_replace(h.lang, '^\s+|\s+$', '', 'g')
            GROUP BY ALL
        """
