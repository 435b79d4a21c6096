"""Finalization: parts merged into the contract's Parquet files, deduplicated, with sitemap facts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from seo_crawler import schema, store


def page(url: str, **extra: object) -> dict[str, object]:
    return {
        "url": url,
        "final_url": url,
        "status": 200,
        "fetch_state": "fetched",
        "fetched_at": datetime(2026, 11, 22, 10, 0, 0, 123456, tzinfo=UTC),
        "hreflang": [{"lang": "en-ca", "href": url, "source": "html"}],
        "bytes": 100,
        **extra,
    }


def test_finalize_dedupes_enriches_and_survives_unreadable_parts(tmp_path: Path) -> None:
    run = tmp_path / "run"
    alt = {"lang": "fr-ca", "href": "https://s/fr/a", "source": "sitemap"}
    store.write_part(
        run,
        0,
        {
            "sitemaps": [{"sitemap": "https://s/sm1.xml", "kind": "urlset", "url_count": 2}],
            "sitemap_urls": [
                {"sitemap": "https://s/sm1.xml", "loc": "https://s/a", "alternates": [alt]},
                {"sitemap": "https://s/sm1.xml", "loc": "https://s/only-in-sitemap"},
                {"sitemap": "https://s/sm1.xml", "loc": "https://s/a", "alternates": [alt]},
            ],
            "pages": [page("https://s/a"), page("https://s/b", error="boom")],
            "links": [{"source": "https://s/a", "target": "https://s/b", "kind": "a"}],
        },
    )
    store.write_part(
        run,
        1,
        {
            "sitemaps": [{"sitemap": "https://s/sm1.xml", "kind": "urlset"}],  # re-fetched
            "sitemap_urls": [{"sitemap": "https://s/sm2.xml", "loc": "https://s/a"}],
            # a second row for /a (resume) and a value Arrow's JSON reader rejects
            "pages": [
                page("https://s/a", status=500),
                page("https://s/c", word_count=12.0),
            ],
        },
    )
    stats = store.finalize(run)
    assert stats["rows"] == {"links": 1, "sitemaps": 1, "sitemap_urls": 3, "pages": 3, "robots": 0}
    assert stats["pages"] == 3 and stats["errors"] == 1 and stats["bytes"] == 300
    pages = pq.read_table(run / "pages.parquet")
    assert pages.schema == schema.PAGES
    rows = {r["url"]: r for r in pages.to_pylist()}
    assert rows["https://s/a"]["status"] == 200  # the first row stands
    assert rows["https://s/a"]["in_sitemap"] is True
    assert rows["https://s/a"]["sitemaps"] == ["https://s/sm1.xml", "https://s/sm2.xml"]
    assert [h["source"] for h in rows["https://s/a"]["hreflang"]] == ["html", "sitemap"]
    assert rows["https://s/b"]["in_sitemap"] is False and rows["https://s/b"]["sitemaps"] == []
    # 12.0 for an int32 column: Arrow's JSON reader refuses the part, the slow way keeps it
    assert rows["https://s/c"]["word_count"] == 12
    stamp = rows["https://s/c"]["fetched_at"]
    assert stamp == datetime(2026, 11, 22, 10, 0, 0, 123000, tzinfo=UTC)
    assert rows["https://s/a"]["fetched_at"] == stamp
    links = pq.read_table(run / "links.parquet")
    assert links.schema == schema.LINKS and links.num_rows == 1


def test_parts_keep_text_as_is_and_take_values_orjson_refuses(tmp_path: Path) -> None:
    run = tmp_path / "run"
    huge = 2**70  # beyond 64 bits: orjson refuses it, the part is written all the same
    store.write_part(
        run,
        0,
        {"pages": [page("https://s/é", title="Crème « brûlée »"), page("https://s/x", bytes=huge)]},
    )
    (part,) = store.committed_parts(run)
    text = (part / "pages.jsonl").read_text(encoding="utf-8")
    assert "Crème « brûlée »" in text and '"2026-11-22T10:00:00.123456+00:00"' in text
    assert list(store.column_values(run, "pages", "url")) == ["https://s/é", "https://s/x"]
    assert list(store.column_values(run, "pages", "bytes")) == [100, huge]


def test_sitemap_facts_follow_their_pages_across_batches(tmp_path: Path) -> None:
    """More pages than one enrichment batch, listed by sitemaps in another order, some twice
    and some not at all: every page gets exactly its own sitemaps and alternates."""
    run = tmp_path / "run"
    n = 4_500  # > 2 batches of 2,000
    urls = [f"https://s/p/{i}" for i in range(n)]
    alt = {"lang": "fr-ca", "href": "https://s/fr", "source": "sitemap"}
    no_href = {"lang": "de", "href": "", "source": "sitemap"}  # annotates nothing
    entries = [
        {"sitemap": f"https://s/sm-{i % 3}.xml", "loc": urls[i], "alternates": [alt, no_href]}
        for i in reversed(range(0, n, 2))  # even pages, listed backwards
    ]
    entries += [{"sitemap": "https://s/sm-a.xml", "loc": urls[i]} for i in range(0, n, 10)]
    for number, start in enumerate(range(0, n, 1_000)):
        store.write_part(
            run,
            number,
            {
                "sitemap_urls": entries[number::5],  # each part has some entries
                "pages": [page(u) for u in urls[start : start + 1_000]],
            },
        )
    store.finalize(run)
    rows = pq.read_table(run / "pages.parquet").to_pylist()
    assert [r["url"] for r in rows] == urls  # crawl order kept
    for i, row in enumerate(rows):
        if i % 2:
            assert row["in_sitemap"] is False and row["sitemaps"] == []
            assert [h["source"] for h in row["hreflang"]] == ["html"]
            continue
        listed = sorted(
            {f"https://s/sm-{i % 3}.xml"} | ({"https://s/sm-a.xml"} if i % 10 == 0 else set())
        )
        assert row["in_sitemap"] is True and row["sitemaps"] == listed, i
        assert row["hreflang"][1:] == [alt], (
            i
        )  # the sitemap's alternate, once, after the page's own
    assert not [p for p in (run / "parts").iterdir() if p.is_file()]  # no working file left


def test_a_page_recorded_twice_keeps_the_links_of_its_first_part_only(tmp_path: Path) -> None:
    # a shared crawl's worker killed after committing /a but before releasing its lease:
    # another worker fetched /a again; its page row and its links are recorded once
    run = tmp_path / "run"
    first = [{"source": "https://s/a", "target": f"https://s/{t}", "kind": "a"} for t in "bc"]
    store.write_part(run, 0, {"pages": [page("https://s/a")], "links": first})
    again = [
        *first,
        {"source": "https://s/a", "target": "https://s/d", "kind": "a"},  # changed meanwhile
        {"source": "https://s/b", "target": "https://s/a", "kind": "a"},
    ]
    store.write_part(run, 1, {"pages": [page("https://s/a"), page("https://s/b")], "links": again})
    store.finalize(run)
    links = pq.read_table(run / "links.parquet").to_pylist()
    assert [(link["source"], link["target"]) for link in links] == [
        ("https://s/a", "https://s/b"),
        ("https://s/a", "https://s/c"),
        ("https://s/b", "https://s/a"),
    ]


def test_a_second_run_of_a_pages_links_in_the_same_part_is_dropped(tmp_path: Path) -> None:
    # /b fetched directly, then reached again at the end of /x -> /b: its links once
    run = tmp_path / "run"
    b_links = [{"source": "https://s/b", "target": "https://s/c", "kind": "a"}]
    hop = {"source": "https://s/x", "target": "https://s/b", "kind": "redirect"}
    store.write_part(
        run,
        0,
        {
            "pages": [page("https://s/b"), page("https://s/x", final_url="https://s/b")],
            "links": [*b_links, hop, *b_links],
        },
    )
    store.finalize(run)
    links = pq.read_table(run / "links.parquet").to_pylist()
    assert [(link["source"], link["target"]) for link in links] == [
        ("https://s/b", "https://s/c"),
        ("https://s/x", "https://s/b"),
    ]


def test_many_small_parts_make_few_row_groups(tmp_path: Path) -> None:
    """A crawl commits a part every 2 s (tens of pages): the merged files gather them into
    row groups instead of one per part (a footer per row group and column: ~20 MB at
    100,000 pages, parsed whole by every reader)."""
    run = tmp_path / "run"
    n, per_part = 3_000, 30
    urls = [f"https://s/p/{i}" for i in range(n)]
    for number, start in enumerate(range(0, n, per_part)):
        chunk = urls[start : start + per_part]
        store.write_part(
            run,
            number,
            {
                "pages": [page(u) for u in chunk],
                "links": [{"source": u, "target": urls[0], "kind": "a"} for u in chunk],
            },
        )
    stats = store.finalize(run)
    assert stats["rows"]["pages"] == n and stats["rows"]["links"] == n
    pages = pq.ParquetFile(run / "pages.parquet")
    assert pages.metadata.num_row_groups == 2  # 100 parts: 2,010 + 990 rows
    assert pq.ParquetFile(run / "links.parquet").metadata.num_row_groups == 1
    assert pages.read(columns=["url"]).column(0).to_pylist() == urls  # crawl order kept


def test_a_page_recorded_twice_does_not_shift_the_sitemap_facts(tmp_path: Path) -> None:
    """The pages are read twice (their URLs for the sitemap join, then whole): a second row of
    a URL is dropped both times, so each page gets its own facts, not its neighbour's."""
    run = tmp_path / "run"
    entries = [
        {"sitemap": "https://s/sm.xml", "loc": "https://s/b"},
        {"sitemap": "https://s/sm.xml", "loc": "https://s/d"},
    ]
    store.write_part(run, 0, {"sitemap_urls": entries, "pages": [page("https://s/a")]})
    store.write_part(run, 1, {"pages": [page("https://s/b"), page("https://s/a")]})
    # a value Arrow's JSON reader rejects: this part is read the slow way, both times
    store.write_part(run, 2, {"pages": [page("https://s/c", word_count=1.5), page("https://s/a")]})
    store.write_part(run, 3, {"pages": [page("https://s/d")]})
    store.finalize(run)
    rows = pq.read_table(run / "pages.parquet", columns=["url", "in_sitemap"]).to_pylist()
    assert [(r["url"], r["in_sitemap"]) for r in rows] == [
        ("https://s/a", False),
        ("https://s/b", True),
        ("https://s/c", False),
        ("https://s/d", True),
    ]


def test_a_finalization_killed_midway_is_redone_from_the_parts(tmp_path: Path) -> None:
    """kill -9 while the pages are being written (working files left behind, no
    pages.parquet): the next finalization writes exactly what an uninterrupted one does."""
    import os

    def parts(run: Path) -> None:
        urls = [f"https://s/p/{i}" for i in range(5_000)]
        for number, start in enumerate(range(0, len(urls), 500)):
            chunk = urls[start : start + 500]
            store.write_part(
                run,
                number,
                {
                    "pages": [page(u) for u in chunk],
                    "sitemap_urls": [{"sitemap": "https://s/sm.xml", "loc": u} for u in chunk[::3]],
                },
            )

    clean, killed = tmp_path / "clean", tmp_path / "killed"
    parts(clean)
    parts(killed)
    store.finalize(clean)
    child = os.fork()
    if child == 0:  # pragma: no cover - the child dies like a process killed with -9
        calls = 0
        enrich = store._Enricher.__call__

        def dies(self: store._Enricher, table: object) -> object:
            nonlocal calls
            calls += 1
            if calls == 3:
                os._exit(9)  # no finally, no cleanup: as kill -9 leaves it
            return enrich(self, table)

        store._Enricher.__call__ = dies  # type: ignore[method-assign]
        store.finalize(killed)
        os._exit(0)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 9
    assert not (killed / "pages.parquet").exists()
    assert (killed / "pages.parquet.tmp").exists() and (killed / "parts").is_dir()
    store.finalize(killed)
    for name in ("pages", "links", "sitemap_urls"):
        assert pq.read_table(killed / f"{name}.parquet").equals(
            pq.read_table(clean / f"{name}.parquet")
        ), name
    leftovers = {p.name for p in (killed / "parts").iterdir() if p.is_file()}
    assert not leftovers, leftovers
