"""Extraction in worker processes: the same facts as in the crawler process, and a worker
that dies loses no page."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest

from searchops.settings import load_settings
from seo_crawler.api import crawl
from seo_crawler.extract import extract
from seo_crawler.extract_pool import ExtractPool, worker_count

PAGE = (
    b"<html lang='en'><head><title>Boots</title><link rel='canonical' href='/p/1'>"
    b'<script type=\'application/ld+json\'>{"@type": "Product", "name": "Boot"}</script>'
    b"</head><body><h1>Boots</h1><div itemscope itemtype='https://schema.org/Offer'>"
    b"<span itemprop='price'>12</span></div><a href='/p/2'>next</a> warm dry boots</body></html>"
)
URL = "http://127.0.0.1:8000/p/1"
HEADERS = {"Content-Type": "text/html; charset=utf-8", "X-Robots-Tag": "noarchive"}
HOSTS = frozenset({"127.0.0.1"})


async def _extract(pool: ExtractPool) -> object:
    return await pool.extract(
        URL, PAGE, HEADERS, internal_hosts=HOSTS, text=PAGE.decode(), encoding="utf-8"
    )


def test_a_worker_gives_what_the_crawler_process_gives() -> None:
    pool = ExtractPool(1)
    try:
        assert pool.executor is not None
        facts = asyncio.run(_extract(pool))
    finally:
        pool.close()
    assert facts == extract(URL, PAGE, HEADERS, internal_hosts=HOSTS)


def test_a_long_page_gives_the_same_facts_in_a_worker() -> None:
    """The worker is sent the decoded text and only the body's first bytes (for the
    encoding it declares): facts past them, and the declared encoding, are the same."""
    head = b"<html lang='fr'><head><meta charset='windows-1252'><title>Caf\xe9</title></head><body>"
    filler = b"<p>" + b"laine chaude " * 2000 + b"</p>"
    page = head + filler + b"<a href='/p/9'>fin</a><h1>Bottes d\xe9</h1></body></html>"
    headers = {"Content-Type": "text/html"}
    text = page.decode("cp1252")
    pool = ExtractPool(1)
    try:
        facts = asyncio.run(
            pool.extract(URL, page, headers, internal_hosts=HOSTS, text=text, encoding="cp1252")
        )
    finally:
        pool.close()
    assert len(page) > 20_000
    expected = extract(URL, page, headers, internal_hosts=HOSTS)
    assert facts == expected
    assert expected.record["encoding_declared"] == "cp1252"
    assert any(link["target"].endswith("/p/9") for link in expected.links)


def test_a_dead_worker_costs_no_page() -> None:
    pool = ExtractPool(1)
    try:
        asyncio.run(_extract(pool))  # the worker is up
        assert pool.executor is not None
        for pid in list(pool.executor._processes):  # the OOM killer, or lxml crashing
            os.kill(pid, signal.SIGKILL)
        facts = asyncio.run(_extract(pool))
        assert pool.executor is None  # extraction went back to the crawler process
    finally:
        pool.close()
    assert facts == extract(URL, PAGE, HEADERS, internal_hosts=HOSTS)


def test_no_worker_on_one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert worker_count(1) == 0
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert worker_count(1) == 1 and worker_count(0) == 0


def test_crawls_with_and_without_workers_record_the_same(demo_site: object, tmp_path: Path) -> None:
    tables = []
    for workers in (0, 1):
        settings = load_settings(overrides={"crawl": {"extract_workers": workers}}).settings
        run = crawl(
            demo_site.absolute("/en-ca/"),  # type: ignore[attr-defined]
            out=tmp_path / f"w{workers}", max_depth=1, settings=settings, show_progress=False,
        )  # fmt: skip
        pages = pq.read_table(run / "pages.parquet").drop(["fetched_at", "response_ms"])
        tables.append(sorted(pages.to_pylist(), key=lambda r: r["url"]))
    assert len(tables[0]) > 20  # the home page and every page it links to: the same set
    assert tables[0] == tables[1]


def test_workers_end_with_a_killed_crawler_process(tmp_path: Path) -> None:
    """``kill -9`` of the crawler process leaves no extraction worker running."""
    script = tmp_path / "crawler.py"
    script.write_text(
        "import asyncio, sys\n"
        "from seo_crawler.extract_pool import ExtractPool\n"
        "async def main(pool):\n"
        "    await pool.extract('http://a.example/', b'<p>x</p>', {}, internal_hosts=frozenset(),"
        " text='<p>x</p>', encoding='utf-8')\n"
        "if __name__ == '__main__':\n"
        "    pool = ExtractPool(1)\n"
        "    asyncio.run(main(pool))\n"
        "    print(*pool.executor._processes, flush=True)\n"
        "    sys.stdin.read()\n"
    )
    crawler = subprocess.Popen(
        [sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert crawler.stdout is not None
    workers = [psutil.Process(int(pid)) for pid in crawler.stdout.readline().split()]
    assert workers and all(w.is_running() for w in workers)
    crawler.kill()
    crawler.wait()
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive


def test_the_worker_does_not_import_scrapy_through_the_crawler_module() -> None:
    """A spawned worker imports the crawler process's main module (seo_crawler.process):
    Scrapy and Twisted there would cost the worker ~35 MB of RSS for nothing."""
    code = (
        "import sys, seo_crawler.process; print(sorted({'scrapy', 'twisted'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.strip() == "[]"
