from __future__ import annotations

from audits.context import RuleContext, hreflang_strings
from audits.rule import Rule


class HreflangXDefaultInconsistent(Rule):
    """The page and one of its alternates name different x-default URLs.

    Why: the pages of one hreflang set are one cluster and must carry the same set of
    annotations, x-default included; when each version names itself (or another page)
    as x-default, the cluster has no single fallback and Google may ignore it.
    Anti-pattern: a template printing hreflang="x-default" href="{this page}".
    Fix: point every version's x-default at the same URL (the chooser or the main market).
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#xdefault
    """

    id = "SEO-HREFLANG-014"
    slug = "hreflang-x-default-inconsistent"
    family = "hreflang"
    severity = "error"
    scope = "site"
    fields = ("hreflang",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("hreflang_edges")
        # Two passes, so that a catalog of millions of pages fits the audit's memory:
        # the first finds candidate pairs over 64-bit hashes of the URL keys (integer
        # joins, a few bytes an edge); the second repeats the exact test, on the URL
        # strings, for the candidates only. A hash collision can only add a candidate
        # (the second pass drops it); a finding is missed only if two pages' different
        # sets of x-default URLs hash alike (2^-64 a pair). The intermediate sets are tables,
        # which DuckDB spills to disk (a CTE used twice is held in memory: out of
        # memory at 10,000,000 pages); the engine drops the _scratch_ tables after.
        con = ctx.con
        con.execute(
            """
            -- each page's set of x-default URL keys, as one hash: the exact test takes the
            -- smallest key, which is the same wherever the sets are (so no pair is missed)
            CREATE OR REPLACE TEMP TABLE _scratch_x_ids AS
            SELECT page_id, hash(list_sort(list(DISTINCT href_id))) AS target_id
            FROM hreflang_edges WHERE code = 'x-default' GROUP BY page_id
            """
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _scratch_back_ids AS  -- x-default included
            SELECT DISTINCT page_id, href_id FROM hreflang_edges
            """
        )
        # one join a statement: a pipeline probing several hash tables pins them all
        # (out of memory at 10,000,000 pages when the three joins were one statement)
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _scratch_mine AS
            SELECT DISTINCT e.page_id, e.href_id, x.target_id
            FROM (
                SELECT page_id, href_id FROM hreflang_edges
                WHERE code <> 'x-default' AND href_id <> page_id
            ) e
            JOIN _scratch_x_ids x ON x.page_id = e.page_id
            """
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _scratch_differ AS
            SELECT m.page_id, m.href_id FROM _scratch_mine m
            JOIN _scratch_x_ids x ON x.page_id = m.href_id WHERE x.target_id <> m.target_id
            """
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _scratch_candidates AS
            -- reciprocal pairs only: a one-way pair is SEO-HREFLANG-004
            SELECT d.page_id, d.href_id FROM _scratch_differ d
            SEMI JOIN _scratch_back_ids b ON b.page_id = d.href_id AND b.href_id = d.page_id
            """
        )
        documents = """
            SELECT doc_id FROM hreflang_edges WHERE page_id IN (
                SELECT page_id FROM _scratch_candidates UNION SELECT href_id FROM _scratch_candidates
            )
        """
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _scratch_near AS  -- the candidates' edges, both ways
            SELECT url, code, href, url_key(url) AS page_key, url_key(href) AS href_key, page_id, href_id
            FROM {hreflang_strings(ctx, documents)}
            WHERE page_id IN (
                SELECT page_id FROM _scratch_candidates UNION SELECT href_id FROM _scratch_candidates
            )
            """
        )
        return """
            WITH x AS (
                SELECT page_key, min(href_key) AS target, min(href) AS href
                FROM _scratch_near WHERE code = 'x-default' GROUP BY page_key
            ), pairs AS (
                SELECT DISTINCT e.url, e.page_key, e.href, e.href_key FROM _scratch_near e
                WHERE e.href_key <> e.page_key AND e.code <> 'x-default'
                  AND (e.page_id, e.href_id) IN (SELECT page_id, href_id FROM _scratch_candidates)
                  AND EXISTS (
                      SELECT 1 FROM _scratch_near b WHERE b.page_key = e.href_key AND b.href_key = e.page_key
                  )
            )
            SELECT p.url,
                   'x-default is ' || mine.href || ' here but ' || theirs.href || ' on the alternate ' || p.href AS message,
                   'x-default=' || mine.href AS evidence, p.href AS related_url
            FROM pairs p
            JOIN x mine ON mine.page_key = p.page_key
            JOIN x theirs ON theirs.page_key = p.href_key
            WHERE mine.target <> theirs.target
        """
