from __future__ import annotations

from audits.context import RuleContext, hreflang_strings
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
        # The documents with a code naming two hrefs are found on 64-bit hashes (a
        # collision could only hide a second URL, 2^-64 a pair); the exact test runs on
        # their strings only.
        documents = """
            SELECT DISTINCT doc_id FROM hreflang_edges GROUP BY doc_id, code, source
            HAVING min(href_hash) <> max(href_hash)
        """
        return f"""
            SELECT url,
                   'hreflang="' || lang || '" names ' || urls || ' different URLs in the ' || source || ' annotations' AS message,
                   hrefs AS evidence, code AS key
            FROM (
                SELECT url, code, source, min(lang) AS lang, count(DISTINCT href) AS urls,
                       string_agg(DISTINCT href, ' | ' ORDER BY href) AS hrefs
                FROM {hreflang_strings(ctx, documents)}
                GROUP BY url, code, source HAVING min(href) <> max(href)
            )
            QUALIFY row_number() OVER (PARTITION BY url, code ORDER BY source) = 1
        """
