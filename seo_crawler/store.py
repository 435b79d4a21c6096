"""The run folder on disk while a crawl runs, and its finalization.

While crawling, rows go to ``RUN/parts/part-NNNNN/<table>.jsonl`` (Parquet after the
crawl: see :func:`write_part` for why). A part is
written into ``part-NNNNN.tmp/`` and renamed when complete: the rename is the
commit, so after ``kill -9`` every committed part is whole and the URLs in them
are exactly the pages recorded (resume re-fetches the rest). Finalization merges
the parts into one Parquet file per table with the exact schema of
:mod:`seo_crawler.schema`, deduplicating pages by URL and adding what only the
whole crawl knows (``in_sitemap``, ``sitemaps``, sitemap hreflang alternates).
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from seo_crawler.frontier import UrlSet
from seo_crawler.layout import FRONTIER, PARTS, PROGRESS, SITEMAP_QUEUE, SPEC
from seo_crawler.memory import lean_arrow_pool, release_freed_memory

if TYPE_CHECKING:
    import pyarrow as pa


def committed_parts(run: Path) -> list[Path]:
    root = run / PARTS
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.endswith(".tmp"))


def drop_uncommitted(run: Path, tag: str = "") -> None:
    """Half-written parts of a killed crawl: their pages are re-fetched on resume. A worker
    of a shared crawl (``tag``: its id) drops only its own: the others' are being written."""
    root = run / PARTS
    if root.is_dir():
        for p in root.iterdir():
            if p.name.endswith(f"{'-' + tag if tag else ''}.tmp"):
                shutil.rmtree(p, ignore_errors=True)


def _part_name(number: int, tag: str) -> str:
    """``part-NNNNN``, or ``part-NNNNN-WORKER`` for a worker of a shared crawl (one run
    folder, any number of writers: each numbers its own parts)."""
    return f"part-{number:05d}-{tag}" if tag else f"part-{number:05d}"


def next_part_number(run: Path, tag: str = "") -> int:
    parts = [p for p in committed_parts(run) if not tag or p.name.endswith(f"-{tag}")]
    return max(int(p.name.split("-")[1]) for p in parts) + 1 if parts else 0


def _json_line(record: dict[str, Any]) -> bytes:
    """One record as UTF-8 JSON. orjson: ~4x faster than ``json`` on the crawl's rows, and
    datetimes come out in the same ISO 8601 form; ``json`` takes what orjson refuses
    (integers beyond 64 bits)."""
    try:
        return orjson.dumps(record)
    except TypeError:
        return json.dumps(record, ensure_ascii=False, default=_json_default).encode("utf-8")


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def write_part(
    run: Path, number: int, rows: dict[str, list[dict[str, Any]]], tag: str = ""
) -> Path:
    """Write one part (a JSON-lines file per table with rows), committed by renaming its folder.

    JSON lines, not Parquet, in the crawler process: pyarrow's import and first use cost
    ~100 MB of RSS (measured: import 42 MB, kernel registry 50 MB), a third of the memory
    budget. :func:`finalize` turns each part into Parquet, batch by batch, once the
    crawler process has exited.
    """
    final = run / PARTS / _part_name(number, tag)
    tmp = final.with_name(final.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    for table, records in rows.items():
        if records:
            with (tmp / f"{table}.jsonl").open("wb") as fh:
                fh.writelines(_json_line(record) + b"\n" for record in records)
    os.replace(tmp, final)
    return final


def _read_part(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def column_values(run: Path, table: str, column: str) -> Iterator[Any]:
    """One column of a table over every committed part (resume: what is recorded)."""
    for part in committed_parts(run):
        path = part / f"{table}.jsonl"
        if path.exists():
            yield from (record.get(column) for record in _read_part(path))


def _tables(run: Path, table: str, table_schema: pa.Schema) -> Iterator[pa.Table]:
    """The rows of ``table`` as Arrow tables with ``table_schema``, one part at a time.

    Arrow's JSON reader builds the columns without a Python object per value (a part of
    links holds ~30,000 rows); a part it cannot read (a value of an unexpected type) goes
    the slow way, through ``json`` and ``Table.from_pylist``, so nothing recorded is lost.
    Timestamps are read as text and cast: the reader does not parse UTC offsets.
    """
    import pyarrow as pa
    import pyarrow.json as pa_json

    stamps = {f.name for f in table_schema if pa.types.is_timestamp(f.type)}
    reading = pa.schema([
        pa.field(f.name, pa.string()) if f.name in stamps else f for f in table_schema
    ])  # fmt: skip
    for part in committed_parts(run):
        path = part / f"{table}.jsonl"
        if not path.exists():
            continue
        try:
            read = pa_json.read_json(
                path,
                read_options=pa_json.ReadOptions(
                    use_threads=False, block_size=max(1 << 20, path.stat().st_size + 1)
                ),
                parse_options=pa_json.ParseOptions(
                    explicit_schema=reading, unexpected_field_behavior="ignore"
                ),
            )
            # Through microseconds: the rows carry them, and a text -> timestamp[ms] cast
            # refuses a value it would truncate (every page then went the slow way).
            columns = [
                read[f.name].cast(pa.timestamp("us", tz="UTC")).cast(f.type, safe=False)
                if f.name in stamps
                else read[f.name]
                for f in table_schema
            ]
            yield pa.Table.from_arrays(columns, schema=table_schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            records = list(_read_part(path))
            for record in records:
                for name in stamps:
                    if isinstance(record.get(name), str):
                        record[name] = datetime.fromisoformat(record[name])
            yield pa.Table.from_pylist(records, schema=table_schema)


class _Writer:
    """A Parquet file with the contract schema, written batch by batch, renamed when whole.

    Batches are gathered into row groups of at least ``group_rows`` rows: a crawl commits a
    part every 2 s (~50 pages at this machine's speed), and one row group per part gave the
    pages of a 100,000-page crawl ~1,800 row groups of 97 columns, a Parquet footer
    of ~20 MB that every reader of the file parses whole, several times that in memory
    (measured: 3 MB serialized at 246 row groups; a million pages would make ~200 MB).
    """

    def __init__(
        self,
        target: Path,
        table_schema: pa.Schema,
        compression: str = "zstd",
        group_rows: int = 1,
    ):
        import pyarrow.parquet as pq

        self.target, self.rows, self.group_rows = target, 0, group_rows
        self.tmp = target.with_suffix(".parquet.tmp")
        self.writer = pq.ParquetWriter(self.tmp, table_schema, compression=compression)
        self.pending: list[pa.Table] = []
        self.pending_rows = 0

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self.pending.append(table)
            self.pending_rows += table.num_rows
            self.rows += table.num_rows
            if self.pending_rows >= self.group_rows:
                self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.pending:
            # one row group (write_table splits only past its default of ~1M rows)
            self.writer.write_table(pa.concat_tables(self.pending))
            self.pending, self.pending_rows = [], 0

    def close(self) -> int:
        self._flush()
        self.writer.close()
        os.replace(self.tmp, self.target)
        return self.rows


def _first_seen(keys: Iterable[Hashable], done: UrlSet) -> list[bool]:
    """Per key, whether it is new (then remembered by its 64-bit hash, not the value)."""
    return [done.add_new(key) for key in keys]


# Sitemap facts of the crawled pages: one row per (page, sitemap entry listing it), in page
# order then entry order, with the entry's hreflang alternates (an alternate without href
# or hreflang annotates nothing: SEO-SITEMAP-010). An exact join on the URL; the rows of a
# page are gathered by :func:`_page_facts`. Join and sort, not GROUP BY with list(): DuckDB
# spills a join and a sort to disk past its memory limit (a million pages, two million
# sitemap entries), and the sort keeps the order the merge needs.
_SITEMAP_FACTS_SQL = """
COPY (
    SELECT p.row, e.sitemap,
           list_filter(coalesce(e.alternates, []),
                       lambda a: coalesce(a.href, '') <> '' AND coalesce(a.lang, '') <> '')
               AS alternates
    FROM (SELECT url, file_row_number AS row
          FROM read_parquet($pages, file_row_number = true)) p
    JOIN (SELECT loc, sitemap, alternates, file_row_number AS entry
          FROM read_parquet($entries, file_row_number = true)) e ON e.loc = p.url
    ORDER BY p.row, e.entry
) TO $facts (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000)
"""

# DuckDB's share of finalization: the crawl's RSS budget is 400 MB, the parent CLI included.
# DuckDB runs alone (nothing of Arrow's is held meanwhile) and gives its memory back when
# closed: measured +154 MB of RSS over the limit's 160 at 30,000 pages (its allocator and
# the Parquet reader's buffers come on top of the limit).
SITEMAP_JOIN_MEMORY = "160MB"


def _write_sitemap_facts(pages: Path, entries: Path, facts: Path, spill: Path) -> None:
    """Write the sitemap facts of the pages of ``pages`` (see ``_SITEMAP_FACTS_SQL``).

    Held in memory before, as Arrow tables of every sitemap entry plus a dict of their
    hashes: ~350 MB at a million entries with hreflang alternates (the demo site's
    sitemaps at 500,000 products); then streamed out of DuckDB while the pages were merged,
    both peaks at once (458 MB at 30,000 pages). Now DuckDB writes them to ``facts`` within
    a memory limit, spilling to ``spill``, and is closed before the merge.
    """
    import duckdb

    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        config={
            "threads": 1,
            "memory_limit": SITEMAP_JOIN_MEMORY,
            "temp_directory": str(spill),
        }
    )
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(
            _SITEMAP_FACTS_SQL,
            {"pages": str(pages), "entries": str(entries), "facts": str(facts)},
        )
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def _page_facts(facts: Path) -> Iterator[tuple[int, list[str], list[Any]]]:
    """(page row, sitemaps, alternates) for every page the facts name, by row: its sitemaps
    sorted and distinct, its alternates in the order of the sitemap entries."""
    import pyarrow.parquet as pq

    row, sitemaps, alternates = -1, set[str](), list[Any]()
    for batch in pq.ParquetFile(facts).iter_batches(batch_size=10_000):
        for page, sitemap, alts in zip(
            batch.column(0).to_pylist(),
            batch.column(1).to_pylist(),
            batch.column(2).to_pylist(),
            strict=True,
        ):
            if page != row:
                if row >= 0:
                    yield row, sorted(sitemaps), alternates
                row, sitemaps, alternates = page, set(), []
            sitemaps.add(sitemap)
            alternates.extend(alts or ())
    if row >= 0:
        yield row, sorted(sitemaps), alternates


class _Enricher:
    """Gives the pages, table after table in crawl order, ``in_sitemap``, ``sitemaps`` and
    the sitemap alternates appended to ``hreflang`` (facts from :func:`_page_facts`)."""

    def __init__(self, facts: Path):
        self.facts = _page_facts(facts)
        self.upcoming = next(self.facts, None)
        self.first = 0  # page row of the next table's first row

    def __call__(self, table: pa.Table) -> pa.Table:
        import pyarrow as pa

        from seo_crawler import schema

        n = table.num_rows
        in_sitemap = [False] * n
        listed: list[list[str]] = [[] for _ in range(n)]
        hreflang = table["hreflang"].to_pylist()
        while self.upcoming is not None and self.upcoming[0] < self.first + n:
            row, sitemaps, alternates = self.upcoming
            i = row - self.first
            in_sitemap[i] = True
            listed[i] = sitemaps
            hreflang[i] = [*(hreflang[i] or []), *alternates]
            self.upcoming = next(self.facts, None)
        for name, values in (
            ("in_sitemap", pa.array(in_sitemap, pa.bool_())),
            ("sitemaps", pa.array(listed, pa.list_(pa.string()))),
            ("hreflang", pa.array(hreflang, pa.list_(schema.HREFLANG))),
        ):
            table = table.set_column(table.schema.get_field_index(name), name, values)
        self.first += n
        return table


# Rows per row group of the files finalization writes: pages ~8 KB a row in Arrow (their
# structured data), links and sitemap entries ~0.2 KB.
PAGE_GROUP_ROWS = 2_000
ROW_GROUP_ROWS = {
    "links": 50_000,
    "sitemap_urls": 50_000,
    "page_urls": 50_000,
    "sitemaps": 10_000,
    "robots": 1_000,
}


def finalize(run: Path) -> dict[str, Any]:
    """Merge the committed parts into ``pages/links/sitemaps/sitemap_urls/robots.parquet``;
    returns stats.

    Streaming, one part in memory at a time, in Arrow, through a lean Arrow pool
    (:mod:`seo_crawler.memory`); what must see every row at once lives in compact form
    (the deduplication sets: 64-bit hashes in a flat table) or on disk (the join of the
    pages with the sitemap entries, in DuckDB within a memory limit, alone: its peak and
    the merge's never add up). Pages are deduplicated by URL (a resume may record one
    twice: the first row stands) and written in crawl order with their sitemap facts
    (:class:`_Enricher`).
    """
    with lean_arrow_pool():
        counts = {
            "links": _copy(run, "links", None),
            "sitemaps": _copy(run, "sitemaps", "sitemap"),
            "robots": _copy(run, "robots", "robots_url"),
        }
        release_freed_memory()
        import pyarrow as pa
        import pyarrow.compute as pc

        from seo_crawler import schema

        done = UrlSet()
        sm_urls = _Writer(
            run / "sitemap_urls.parquet",
            schema.SITEMAP_URLS,
            group_rows=ROW_GROUP_ROWS["sitemap_urls"],
        )
        for table in _tables(run, "sitemap_urls", schema.SITEMAP_URLS):
            pairs = zip(table["sitemap"].to_pylist(), table["loc"].to_pylist(), strict=True)
            sm_urls.write(table.filter(_first_seen(pairs, done)))
        counts["sitemap_urls"] = sm_urls.close()
        release_freed_memory()

        # Two passes over the pages' parts, deduplicated the same way each time: the first
        # keeps only their URLs (in crawl order: a page's row number), which DuckDB joins
        # with the sitemap entries; the second writes the pages with those facts. Reading
        # the parts twice costs less than staging the pages in a Parquet file and reading
        # it back: Parquet's reader of 97 columns took ~100 MB more than the JSON parts'
        # (finalization of 100,000 demo pages in 1,790 parts: peak 427 MB staged, 296 MB
        # in two passes; ~10% more time).
        # Working files go among the parts: a kill during finalization leaves nothing in
        # the run folder's own namespace, and the next finalization starts it again.
        urls = _Writer(
            run / PARTS / "pages.urls.parquet",
            pa.schema([pa.field("url", pa.string())]),
            compression="lz4",
            group_rows=ROW_GROUP_ROWS["page_urls"],
        )
        done = UrlSet()
        for table in _tables(run, "pages", schema.PAGES):
            urls.write(table.select(["url"]).filter(_first_seen(table["url"].to_pylist(), done)))
            del table
        del done
        urls.close()
        release_freed_memory()
        facts = run / PARTS / "sitemap_facts.parquet"
        try:
            _write_sitemap_facts(
                urls.target, run / "sitemap_urls.parquet", facts, run / PARTS / "spill.tmp"
            )
            pages = _Writer(run / "pages.parquet", schema.PAGES, group_rows=PAGE_GROUP_ROWS)
            stats = _Stats()
            enrich = _Enricher(facts)
            done = UrlSet()
            for table in _tables(run, "pages", schema.PAGES):
                table = table.filter(_first_seen(table["url"].to_pylist(), done))
                stats.add(table, pc)
                pages.write(enrich(table))
                del table
                release_freed_memory()
            counts["pages"] = pages.close()
        finally:
            urls.target.unlink(missing_ok=True)
            facts.unlink(missing_ok=True)
    return {"rows": counts, **stats.summary()}


def _copy(run: Path, table: str, key: str | None) -> int:
    """Parts of ``table`` into its Parquet file, first row per ``key`` value (all if None)."""
    from seo_crawler import schema

    target = {"links": schema.LINKS, "sitemaps": schema.SITEMAPS, "robots": schema.ROBOTS}[table]
    writer = _Writer(run / f"{table}.parquet", target, group_rows=ROW_GROUP_ROWS[table])
    done = UrlSet()
    for batch in _tables(run, table, target):
        if table == "links":
            batch = batch.filter(_first_part(batch["source"].to_pylist(), done))
        elif key is not None:
            batch = batch.filter(_first_seen(batch[key].to_pylist(), done))
        writer.write(batch)
    return writer.close()


def _first_part(sources: list[Any], done: UrlSet) -> list[bool]:
    """Per link, whether it belongs to the first record of its page's links.

    A response's links are one contiguous run of rows (one item, one part). A page fetched
    twice (a shared crawl's worker killed after committing a page but before releasing its
    lease, a resume) or reached again through a redirect chain ending at it brings a second
    run of the same source's links: only the first is kept, as only a URL's first page row
    is.
    """
    keep: list[bool] = []
    previous, kept = None, False
    for source in sources:
        if source != previous:
            previous, kept = source, done.add_new(source)
        keep.append(kept)
    return keep


class _Stats:
    """Page counts for the manifest and the workspace, gathered while pages stream by."""

    def __init__(self) -> None:
        self.pages = self.bytes = self.rendered = self.errors = self.traps = 0
        self.browser_blocked = 0  # requests the rendering browser was not allowed to send
        self.by_status: Counter[str] = Counter()
        self.by_state: Counter[str] = Counter()

    def add(self, pages: pa.Table, pc: Any) -> None:
        """Count a batch of page rows (``pc``: pyarrow.compute, imported by the caller)."""
        self.pages += pages.num_rows
        self.bytes += pc.sum(pages["bytes"]).as_py() or 0
        self.rendered += pc.sum(pages["rendered"].cast("int64")).as_py() or 0
        self.errors += pages.num_rows - pages["error"].null_count
        self.traps += pages.num_rows - pages["trap"].null_count
        for status, n in Counter(pages["status"].to_pylist()).items():
            self.by_status[str(status) if status is not None else "none"] += n
        self.by_state.update(pages["fetch_state"].to_pylist())
        if "browser_blocked" in pages.column_names:
            self.browser_blocked += (
                pc.sum(pc.list_value_length(pages["browser_blocked"])).as_py() or 0
            )

    def summary(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "bytes": self.bytes,
            "rendered": self.rendered,
            "errors": self.errors,
            "traps": self.traps,
            "browser_blocked": self.browser_blocked,
            "pages_by_status": dict(sorted(self.by_status.items())),
            "pages_by_fetch_state": dict(sorted(self.by_state.items())),
        }


def clean_working_files(run: Path) -> None:
    """After a complete finalization the parts and the frontier are redundant."""
    shutil.rmtree(run / PARTS, ignore_errors=True)
    for name in (FRONTIER, PROGRESS, SITEMAP_QUEUE, SPEC):
        (run / name).unlink(missing_ok=True)
    for pattern in (".progress-*.json", ".sitemap-queue-*.txt", ".crawler-*.pid"):
        for path in run.glob(pattern):  # the workers' of a shared crawl
            path.unlink(missing_ok=True)
