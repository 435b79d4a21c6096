"""The run folder on disk while a crawl runs, and its finalization.

While crawling, rows go to ``RUN/parts/part-NNNNN/<table>.parquet``. A part is
written into ``part-NNNNN.tmp/`` and renamed when complete: the rename is the
commit, so after ``kill -9`` every committed part is whole and the URLs in them
are exactly the pages recorded (resume re-fetches the rest). Finalization merges
the parts into one Parquet file per table with the exact schema of
:mod:`seo_crawler.schema`, deduplicating pages by URL and adding what only the
whole crawl knows (``in_sitemap``, ``sitemaps``, sitemap hreflang alternates).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from seo_crawler import schema
from seo_crawler.layout import FRONTIER, PARTS, PROGRESS, SPEC

if TYPE_CHECKING:
    import duckdb

TABLES: dict[str, pa.Schema] = {
    "pages": schema.PAGES,
    "links": schema.LINKS,
    "sitemaps": schema.SITEMAPS,
    "sitemap_urls": schema.SITEMAP_URLS,
}


def committed_parts(run: Path) -> list[Path]:
    root = run / PARTS
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.endswith(".tmp"))


def drop_uncommitted(run: Path) -> None:
    """Half-written parts of a killed crawl: their pages are re-fetched on resume."""
    root = run / PARTS
    if root.is_dir():
        for p in root.iterdir():
            if p.name.endswith(".tmp"):
                shutil.rmtree(p, ignore_errors=True)


def next_part_number(run: Path) -> int:
    parts = committed_parts(run)
    return int(parts[-1].name.split("-")[1]) + 1 if parts else 0


def write_part(run: Path, number: int, rows: dict[str, list[dict[str, Any]]]) -> Path:
    """Write one part (every table with rows) and commit it by renaming its folder."""
    import pyarrow.parquet as pq

    final = run / PARTS / f"part-{number:05d}"
    tmp = final.with_name(final.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    for table, records in rows.items():
        if records:
            data = pa.Table.from_pylist(records, schema=TABLES[table])
            pq.write_table(data, tmp / f"{table}.parquet", compression="zstd")
    os.replace(tmp, final)
    return final


def column_values(run: Path, table: str, column: str) -> Iterator[str]:
    import pyarrow.parquet as pq

    for part in committed_parts(run):
        path = part / f"{table}.parquet"
        if path.exists():
            yield from pq.read_table(path, columns=[column]).column(0).to_pylist()


def _glob(run: Path, table: str) -> str | None:
    if not any((p / f"{table}.parquet").exists() for p in committed_parts(run)):
        return None
    return str(run / PARTS / "part-*" / f"{table}.parquet")


def _connect(run: Path) -> duckdb.DuckDBPyConnection:
    import duckdb  # here: the crawler process never needs it (~35 MB)

    con = duckdb.connect()
    # Bounded memory for 100k-page crawls: DuckDB spills to disk past this.
    con.execute("SET memory_limit='192MB'")
    con.execute("SET threads=2")
    con.execute(f"SET temp_directory='{run / '.duckdb_tmp'}'")
    con.execute("SET preserve_insertion_order=false")
    return con


def _copy(con: duckdb.DuckDBPyConnection, sql: str, target: Path, table_schema: pa.Schema) -> int:
    """Stream a query into ``target`` cast to the contract schema; returns rows written."""
    import pyarrow.parquet as pq

    tmp = target.with_suffix(".parquet.tmp")
    rows = 0
    with pq.ParquetWriter(tmp, table_schema, compression="zstd") as writer:
        reader = con.sql(sql).to_arrow_reader(batch_size=2000)
        for batch in reader:
            table = pa.Table.from_batches([batch]).select(table_schema.names).cast(table_schema)
            writer.write_table(table)
            rows += table.num_rows
    os.replace(tmp, target)
    return rows


def finalize(run: Path) -> dict[str, Any]:
    """Merge the committed parts into ``pages/links/sitemaps/sitemap_urls.parquet``; returns stats."""
    import pyarrow.parquet as pq

    con = _connect(run)
    try:
        counts = {}
        sm_urls = _glob(run, "sitemap_urls")
        sm = _glob(run, "sitemaps")
        if sm_urls:
            counts["sitemap_urls"] = _copy(
                con,
                f"SELECT DISTINCT ON (sitemap, loc) * FROM read_parquet('{sm_urls}')",
                run / "sitemap_urls.parquet",
                schema.SITEMAP_URLS,
            )
        else:
            pq.write_table(schema.SITEMAP_URLS.empty_table(), run / "sitemap_urls.parquet")
        if sm:
            counts["sitemaps"] = _copy(
                con,
                f"SELECT DISTINCT ON (sitemap) * FROM read_parquet('{sm}')",
                run / "sitemaps.parquet",
                schema.SITEMAPS,
            )
        else:
            pq.write_table(schema.SITEMAPS.empty_table(), run / "sitemaps.parquet")
        pages = _glob(run, "pages")
        if pages:
            source = f"read_parquet('{pages}')"
            total, distinct = con.execute(
                f"SELECT count(*), count(DISTINCT url) FROM {source}"
            ).fetchall()[0]
            if total != distinct:  # only after a resume raced a write: keep the latest row per URL
                source = f"(SELECT * FROM {source} QUALIFY row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC NULLS LAST) = 1)"
            listed = (
                "(SELECT loc, list(DISTINCT sitemap) AS sms, flatten(list(alternates)) AS alts "
                f"FROM read_parquet('{run / 'sitemap_urls.parquet'}') GROUP BY loc)"
            )
            sql = (
                "SELECT p.* REPLACE ("
                " s.loc IS NOT NULL AS in_sitemap,"
                " coalesce(s.sms, []::VARCHAR[]) AS sitemaps,"
                " CASE WHEN s.alts IS NULL OR len(s.alts) = 0 THEN p.hreflang"
                "      ELSE list_concat(coalesce(p.hreflang, []), s.alts) END AS hreflang)"
                f" FROM {source} p LEFT JOIN {listed} s ON p.url = s.loc"
            )
            counts["pages"] = _copy(con, sql, run / "pages.parquet", schema.PAGES)
        else:
            pq.write_table(schema.PAGES.empty_table(), run / "pages.parquet")
        links = _glob(run, "links")
        if links:
            counts["links"] = _copy(
                con, f"SELECT * FROM read_parquet('{links}')", run / "links.parquet", schema.LINKS
            )
        else:
            pq.write_table(schema.LINKS.empty_table(), run / "links.parquet")
        return {"rows": counts, **page_stats(con, run / "pages.parquet")}
    finally:
        con.close()
        shutil.rmtree(run / ".duckdb_tmp", ignore_errors=True)


def page_stats(con: duckdb.DuckDBPyConnection, pages: Path) -> dict[str, Any]:
    src = f"read_parquet('{pages}')"
    by_status = dict(
        con.execute(
            f"SELECT coalesce(CAST(status AS VARCHAR), 'none'), count(*) FROM {src} GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )
    by_state = dict(
        con.execute(f"SELECT fetch_state, count(*) FROM {src} GROUP BY 1 ORDER BY 1").fetchall()
    )
    row = con.execute(
        f"SELECT count(*), coalesce(sum(bytes), 0), count(*) FILTER (WHERE rendered),"
        f" count(*) FILTER (WHERE error IS NOT NULL), count(*) FILTER (WHERE trap IS NOT NULL) FROM {src}"
    ).fetchall()[0]
    return {
        "pages": int(row[0]),
        "bytes": int(row[1]),
        "rendered": int(row[2]),
        "errors": int(row[3]),
        "traps": int(row[4]),
        "pages_by_status": by_status,
        "pages_by_fetch_state": by_state,
    }


def clean_working_files(run: Path) -> None:
    """After a complete finalization the parts and the frontier are redundant."""
    shutil.rmtree(run / PARTS, ignore_errors=True)
    for name in (FRONTIER, PROGRESS, SPEC):
        (run / name).unlink(missing_ok=True)
