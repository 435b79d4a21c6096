from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class HreflangLanguageMultipleUrls(Rule):
    """One hreflang code is mapped to two or more different URLs by one annotation source.

    Why: each language-region may name one URL; with two, Google cannot tell which
    to serve and may ignore both.
    Anti-pattern: a variant and its parent both annotated hreflang="en-CA".
    Fix: keep one URL per code (the canonical one). (Sources that disagree with each
    other -- HTML vs sitemap -- are SEO-HREFLANG-012.)
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
            SELECT url,
                   'hreflang="' || lang || '" names ' || urls || ' different URLs in the ' || source || ' annotations' AS message,
                   hrefs AS evidence, code AS key
            FROM (
                SELECT url, code, source, min(lang) AS lang, count(DISTINCT href) AS urls,
                       string_agg(DISTINCT href, ' | ' ORDER BY href) AS hrefs
                FROM hreflang_edges
                -- grouping on a 64-bit hash first keeps the big aggregation off the long URL keys
                WHERE hash(doc_id, code, source) IN (
                    SELECT hash(doc_id, code, source) AS h FROM hreflang_edges
                    -- and comparing the hrefs' hashes, not the strings (a collision could
                    -- only hide a second URL, 2^-64 a pair)
                    GROUP BY h HAVING min(hash(href)) <> max(hash(href))
                )
                GROUP BY url, code, source
            )
            QUALIFY row_number() OVER (PARTITION BY url, code ORDER BY source) = 1
        """
