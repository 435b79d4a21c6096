"""SEO-CONTENT-002 joins pairwise only the fingerprints of the LSH keys two or more of them
share (at most max_bucket): it must find exactly what its former query (a self join of
every fingerprint on its key, crowded keys left out after) finds, on a site of random
fingerprints with planted near duplicates (1 to 4 bits apart: 4 is one too many),
exact duplicates of the text under other URLs, and one template whose pages crowd
their buckets past max_bucket."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import duckdb

from audits.context import RuleContext, connect
from audits.registry import get_rule
from audits.rules.content.duplicate_near import _table_keys
from audits.synthetic import write_run
from searchops.settings import resolve_settings

# The former per-table query, as it was: the reference.
OLD_TABLE = """
    INSERT INTO _old_close
    WITH keyed AS (SELECT simhash, {key} AS k FROM _scratch_near_fp),
         crowded AS (SELECT k FROM keyed GROUP BY k HAVING count(*) > {bucket})
    SELECT a.simhash, b.simhash
    FROM keyed a JOIN keyed b ON a.k = b.k AND a.simhash < b.simhash
    WHERE a.k NOT IN (SELECT k FROM crowded) AND bit_count(xor(a.simhash, b.simhash)) <= {k}
"""


def _pages(seed: int, bucket: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    pages: list[dict[str, Any]] = []

    def page(simhash: int) -> None:
        pages.append({"url": f"https://near.ex/p/{len(pages)}", "simhash": simhash,
                      "content_hash": f"c{len(pages)}"})  # fmt: skip

    for _ in range(1500):
        simhash = rng.getrandbits(63)
        page(simhash)
        roll = rng.random()
        if roll < 0.2:  # a near duplicate, 1-4 bits apart
            flipped = simhash
            for bit in rng.sample(range(63), rng.randint(1, 4)):
                flipped ^= 1 << bit
            page(flipped)
        elif roll < 0.25:  # the same fingerprint, other text
            page(simhash)
    template = rng.getrandbits(63) & ~(0xFFF << 20)
    for i in range(bucket + 50):  # one template's pages: a crowded bucket
        page(template | (i << 20))
    return pages


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return sorted(con.execute(f"SELECT * FROM ({sql})").fetchall(), key=repr)


def test_near_duplicates_equal_the_former_self_join(tmp_path: Path) -> None:
    settings = resolve_settings(None)
    rule = get_rule("SEO-CONTENT-002")({"max_distance": 3, "min_words": 50, "max_bucket": 300})
    k = int(rule.opt("max_distance"))
    run = write_run(tmp_path / "run", pages=_pages(7, 300), links=[])
    with connect(settings) as con:
        ctx = RuleContext.open(run, settings, con=con)
        final = str(rule.check(ctx))  # the pairs' findings, from _scratch_near_close
        new = _rows(con, final)
        con.execute("CREATE TEMP TABLE _old_close (h1 BIGINT, h2 BIGINT)")
        for key in _table_keys(k):
            con.execute(OLD_TABLE.format(key=key, bucket=300, k=k))
        con.execute("DELETE FROM _scratch_near_close")
        con.execute("INSERT INTO _scratch_near_close SELECT * FROM _old_close")
        old = _rows(con, final)
    assert new == old
    assert len(new) > 300  # planted pairs found (both pages of each reported)
