from __future__ import annotations

from audits.context import RuleContext
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
        return """
            WITH pairs AS (
                SELECT DISTINCT url, page_key, href, href_key, lang FROM hreflang_edges
                WHERE href_key <> page_key
            ), back AS (SELECT DISTINCT page_key, href_key FROM hreflang_edges)
            SELECT p.url, 'The alternate ' || p.href || ' (' || p.lang || ') does not link back' AS message,
                   'hreflang="' || p.lang || '"' AS evidence, p.href AS related_url
            FROM pairs p
            -- only alternates crawled as documents (HTML pages, or files whose Link
            -- header can name alternates) can be judged; the others are
            -- SEO-HREFLANG-013 (not crawled) or the target rules (redirect, error)
            WHERE p.href_key IN (SELECT url_key(url) FROM hreflang_documents)
              AND NOT EXISTS (
                  SELECT 1 FROM back b WHERE b.page_key = p.href_key AND b.href_key = p.page_key
              )
        """
