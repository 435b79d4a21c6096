from __future__ import annotations

from audits.context import RuleContext, hreflang_strings
from audits.rule import Rule


class HreflangMissingReturnLink(Rule):
    """A page lists an alternate that does not list the page back.

    Why: hreflang must be reciprocal: if A names B as an alternate, B must name A.
    Google ignores one-way annotations, since anyone could claim to be your alternate.
    Anti-pattern: the English page lists the French one, whose template links to another product.
    Fix: generate every page's hreflang set from the same group of URLs.
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#html
    """

    id = "SEO-HREFLANG-004"
    slug = "hreflang-missing-return-link"
    family = "hreflang"
    severity = "error"
    scope = "site"
    fields = ("hreflang",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("hreflang_edges")
        # The one-way pairs are found on the 64-bit URL-key hashes alone (an anti join
        # of integer pairs, which DuckDB spills), in a table; the strings of the few
        # pairs found are read back for the findings only. A hash collision could only
        # hide a missing link (2^-64 a pair).
        # The distinct pairs are one table, read as the links and as their way back:
        # at 10,000,000 pages, deduplicating 30,000,000 edges twice was half the rule.
        ctx.con.execute(
            "CREATE OR REPLACE TEMP TABLE _scratch_pairs AS "
            "SELECT DISTINCT page_id, href_id FROM hreflang_edges"
        )
        ctx.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _scratch_one_way AS
            SELECT p.page_id, p.href_id
            FROM _scratch_pairs p
            -- only alternates crawled as documents (HTML pages, or files whose Link
            -- header can name alternates) can be judged; the others are
            -- SEO-HREFLANG-013 (not crawled) or the target rules (redirect, error)
            SEMI JOIN (SELECT DISTINCT hash(url_key(url)) AS id FROM hreflang_documents) d
                ON d.id = p.href_id
            ANTI JOIN _scratch_pairs b ON b.page_id = p.href_id AND b.href_id = p.page_id
            WHERE p.href_id <> p.page_id
            """
        )
        documents = (
            "SELECT DISTINCT e.doc_id FROM hreflang_edges e SEMI JOIN _scratch_one_way o "
            "ON o.page_id = e.page_id AND o.href_id = e.href_id"
        )
        return f"""
            SELECT DISTINCT e.url, 'The alternate ' || e.href || ' (' || e.lang || ') does not link back' AS message,
                   'hreflang="' || e.lang || '"' AS evidence, e.href AS related_url
            FROM {hreflang_strings(ctx, documents)} e
            SEMI JOIN _scratch_one_way o ON o.page_id = e.page_id AND o.href_id = e.href_id
        """
