from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules._base import INDEXABLE


class DuplicateExact(Rule):
    """Several indexable pages have exactly the same visible text.

    Why: Google indexes one URL per duplicate cluster and picks it itself; the
    others compete for crawl budget and split links.
    Anti-pattern: the same product under two category paths, print or session URLs
    without a canonical.
    Fix: keep one URL (301 the others) or point the copies' canonicals at it.
    Source: https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls
    """

    id = "SEO-CONTENT-001"
    slug = "duplicate-exact"
    family = "content"
    severity = "warning"
    scope = "site"
    fields = ("content_hash", "word_count")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        return f"""
            WITH v AS (
                SELECT url, content_hash FROM html_pages
                WHERE {INDEXABLE} AND content_hash IS NOT NULL AND coalesce(word_count, 0) > 0
            ), repeated AS (  -- a 64-bit hash keeps the big aggregation off the long strings
                SELECT hash(content_hash) AS h FROM v GROUP BY h HAVING count(*) > 1
            ), d AS (
                SELECT content_hash, count(*) AS n, min(url) AS first_url, max(url) AS last_url
                FROM v WHERE hash(content_hash) IN (SELECT h FROM repeated)
                GROUP BY content_hash HAVING count(*) > 1
            )
            SELECT v.url, 'The same visible content is on ' || d.n || ' indexable pages' AS message,
                   'content hash ' || d.content_hash AS evidence,
                   CASE WHEN v.url = d.first_url THEN d.last_url ELSE d.first_url END AS related_url,
                   d.content_hash AS key
            FROM v JOIN d ON d.content_hash = v.content_hash
        """
