from __future__ import annotations

from itertools import combinations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules._base import INDEXABLE


def _blocks(max_distance: int) -> list[tuple[int, int]]:
    """(shift, width) of the 64-bit simhash split into ``max_distance + 2`` blocks."""
    count = max_distance + 2
    widths = [64 // count + (1 if i < 64 % count else 0) for i in range(count)]
    shifts = [sum(widths[:i]) for i in range(count)]
    return list(zip(shifts, widths, strict=True))


def _table_keys(max_distance: int) -> list[str]:
    """SQL keys of the LSH tables: each a concatenation of 2 of the blocks.

    Two fingerprints within ``max_distance`` bits differ in at most that many blocks,
    so at least 2 of the ``max_distance + 2`` blocks are equal and they share a key in
    one of the C(k+2, 2) tables (Manku et al. 2007, "Detecting near-duplicates for web
    crawling", section 3). Each fingerprint goes into every table once: linear.
    """
    keys = []
    for (s1, w1), (s2, w2) in combinations(_blocks(max_distance), 2):
        keys.append(
            f"(((simhash >> {s1}) & {(1 << w1) - 1}) << {w2}) | ((simhash >> {s2}) & {(1 << w2) - 1})"
        )
    return keys


class DuplicateNear(Rule):
    """Indexable pages whose text differs from another page's by a few words (simhash).

    Why: near duplicates (variants that differ only in colour or SKU, boilerplate pages)
    are clustered by search engines like exact ones: one ranks, the rest are filtered.
    Anti-pattern: one page per colour with the same description; location pages from one template.
    Fix: merge variants into one page (with a variant selector) or canonicalize them to
    the main one; make pages that should rank on their own substantially different.
    Source: https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls
    """

    id = "SEO-CONTENT-002"
    slug = "duplicate-near"
    family = "content"
    severity = "warning"
    scope = "site"
    fields = ("simhash", "content_hash", "word_count")
    options = ("max_distance", "min_words", "max_bucket")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        k = int(self.opt("max_distance"))
        con = ctx.con
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _scratch_near_docs AS
            SELECT url, simhash, content_hash FROM html_pages
            WHERE {INDEXABLE} AND simhash IS NOT NULL AND coalesce(word_count, 0) >= {int(self.opt("min_words"))}
            """
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _scratch_near_fp AS SELECT DISTINCT simhash FROM _scratch_near_docs"
        )
        con.execute("CREATE OR REPLACE TEMP TABLE _scratch_near_close (h1 BIGINT, h2 BIGINT)")
        # One LSH table at a time: memory stays at one key per fingerprint, whatever k is.
        # The keys two fingerprints or more share (and at most max_bucket: a crowded
        # bucket is one template's pages) are found first, by one aggregation; only their
        # fingerprints are joined pairwise. (A self join of every fingerprint on its key
        # built a hash table of them all per LSH table: 16x the CPU from 1,000,000 to
        # 10,000,000 pages.)
        bucket = int(self.opt("max_bucket"))
        for key in _table_keys(k):
            con.execute(
                f"""
                INSERT INTO _scratch_near_close
                WITH shared AS (
                    SELECT {key} AS k FROM _scratch_near_fp GROUP BY k
                    HAVING count(*) BETWEEN 2 AND {bucket}
                ), members AS (
                    SELECT simhash, {key} AS k FROM _scratch_near_fp
                    WHERE {key} IN (SELECT k FROM shared)
                )
                SELECT a.simhash, b.simhash
                FROM members a JOIN members b ON a.k = b.k AND a.simhash < b.simhash
                WHERE bit_count(xor(a.simhash, b.simhash)) <= {k}
                """
            )
        return """
            WITH close AS (SELECT DISTINCT h1, h2 FROM _scratch_near_close),
            neighbours AS (SELECT h1 AS h, h2 AS other FROM close UNION ALL SELECT h2, h1 FROM close),
            pairs AS (
                SELECT d.url, o.url AS other_url, bit_count(xor(d.simhash, o.simhash)) AS distance
                FROM _scratch_near_docs d JOIN neighbours n ON n.h = d.simhash JOIN _scratch_near_docs o ON o.simhash = n.other
                UNION ALL
                SELECT d.url, o.url, 0 FROM _scratch_near_docs d JOIN _scratch_near_docs o
                  ON o.simhash = d.simhash AND o.content_hash IS DISTINCT FROM d.content_hash AND o.url <> d.url
            )
            SELECT url, 'The text differs from ' || count(*) || ' other page(s) in at most ' || max(distance) || ' of 64 simhash bits' AS message,
                   'nearest: ' || min({'d': distance, 'u': other_url}).u || ' (' || min(distance) || ' bits)' AS evidence,
                   min({'d': distance, 'u': other_url}).u AS related_url, 'near' AS key
            FROM pairs GROUP BY url
        """
