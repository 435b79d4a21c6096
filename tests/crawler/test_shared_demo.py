"""A shared crawl through a real redis-server against a single-process crawl of the same
sites, through the CLI: the demo site (same URL set, same audit findings), sitemaps any worker
reads and none lost with a killed worker, redirect hops under the global per-host cap."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from aiohttp import web

from audits.engine import run_audit
from searchops.settings import resolve_settings
from seo_crawler import load_pages
from tests.crawler.sites import html, serve
from tests.fixtures_demo import DemoSite
from tests.redis_server import MISSING, redis_server

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason=MISSING)

SEARCHOPS = str(Path(sys.executable).parent / "searchops")


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def _config(tmp_path: Path, **crawl: object) -> Path:
    path = tmp_path / "searchops.toml"
    path.write_text("[crawl]\n" + "".join(f"{k} = {v}\n" for k, v in crawl.items()))
    return path


def _start(
    config: Path, urls: list[str], run: Path, redis_url: str, *extra: str
) -> tuple[subprocess.Popen[str], str]:
    """The first worker (CLI); returns it and the crawl id it printed."""
    command = [SEARCHOPS, "--config", str(config), "crawl", *urls, "--out", str(run)]
    starter = subprocess.Popen(
        [*command, "--frontier", redis_url, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert starter.stderr is not None
    for line in starter.stderr:
        found = re.search(r"--join (\w+) --frontier", line)
        if found:
            threading.Thread(target=starter.stderr.read, daemon=True).start()  # never blocks
            return starter, found.group(1)
    raise AssertionError(f"no join command printed; exit {starter.wait()}")


def _join(config: Path, crawl_id: str, redis_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [SEARCHOPS, "--config", str(config), "crawl", "--join", crawl_id, "--frontier", redis_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _findings(run: Path) -> set[tuple[str, str, str]]:
    findings = run_audit(
        run, baseline=None, rules=None, skip_rules=None, settings=resolve_settings(None)
    ).open_findings()
    return set(zip(findings["rule_id"], findings["url"], findings["message"], strict=True))


@pytest.mark.slow
@pytest.mark.browser
def test_two_workers_crawl_the_demo_site_into_the_single_process_urls_and_findings(
    demo_site: DemoSite, demo_run: Path, tmp_path: Path, redis_url: str
) -> None:
    # demo_run: the single-process crawl of this site (render auto, default settings)
    config, run = _config(tmp_path, flush_seconds=0.5), tmp_path / "shared"
    starter, crawl_id = _start(config, [demo_site.url + "/"], run, redis_url, "--render", "auto")
    joiner = _join(config, crawl_id, redis_url)
    assert joiner.wait(timeout=600) == 0, joiner.communicate()[1]
    assert starter.wait(timeout=600) == 0
    single, shared = load_pages(demo_run), load_pages(run)
    assert len(shared) == len(shared["url"].unique())
    assert set(shared["url"]) == set(single["url"])
    # sitemaps (robots.txt -> index -> children) read once, whichever worker read them
    assert sorted(load_pages(run).query("in_sitemap")["url"]) == sorted(
        single.query("in_sitemap")["url"]
    )
    # the same render decisions; a render that timed out (Chromium on a loaded machine, in
    # either crawl) is recorded raw with its error: that page's rendered facts are not compared
    decisions = {
        name: dict(zip(pages["url"], pages["render_reason"].fillna(""), strict=True))
        for name, pages in (("single", single), ("shared", shared))
    }
    assert decisions["shared"] == decisions["single"]
    failed = {
        url
        for pages in (single, shared)
        for url, error in zip(pages["url"], pages["error"].fillna(""), strict=True)
        if error.startswith("render failed")
    }
    rendered = [set(p.loc[p["rendered"], "url"]) - failed for p in (single, shared)]
    assert rendered[0] == rendered[1]
    findings = [_findings(run), _findings(demo_run)]
    if not failed:
        assert findings[0] == findings[1]
    else:  # the raw page also moves other pages' near-duplicate counts (their messages)
        pairs = [{(rule, url) for rule, url, _ in f if url not in failed} for f in findings]
        assert pairs[0] == pairs[1]


def sitemap_app(hits: collections.Counter[str], gate: threading.Event) -> web.Application:
    """Home links to /p/1..4; robots.txt names a sitemap index (answered once ``gate`` is
    set) of two sitemaps that list /p/1..2 and 12 pages no link reaches (/s/1..12)."""

    async def page(request: web.Request) -> web.Response:
        hits[request.path] += 1
        links = "".join(f"<a href='/p/{i}'>p{i}</a>" for i in range(1, 5))
        return html(f"<h1>{request.path}</h1>{links}", f"<title>{request.path}</title>")

    async def robots(request: web.Request) -> web.Response:
        return web.Response(text=f"User-agent: *\nAllow: /\nSitemap: {_base(request)}/index.xml\n")

    async def index(request: web.Request) -> web.Response:
        hits[request.path] += 1
        while not gate.is_set():
            await asyncio.sleep(0.05)
        children = "".join(
            f"<sitemap><loc>{_base(request)}/sm{i}.xml</loc></sitemap>" for i in (1, 2)
        )
        return _xml(f'<sitemapindex xmlns="{_NS}">{children}</sitemapindex>')

    async def sitemap(request: web.Request) -> web.Response:
        hits[request.path] += 1
        n = int(request.match_info["n"])
        paths = [f"/p/{n}"] + [f"/s/{i}" for i in range(6 * n - 5, 6 * n + 1)]
        urls = "".join(f"<url><loc>{_base(request)}{p}</loc></url>" for p in paths)
        return _xml(f'<urlset xmlns="{_NS}">{urls}</urlset>')

    app = web.Application()
    app.router.add_get("/robots.txt", robots)
    app.router.add_get("/index.xml", index)
    app.router.add_get("/sm{n}.xml", sitemap)
    app.router.add_get("/", page)
    app.router.add_get("/p/{i}", page)
    app.router.add_get("/s/{i}", page)
    return app


_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _xml(body: str) -> web.Response:
    return web.Response(
        text=f'<?xml version="1.0" encoding="UTF-8"?>{body}', content_type="application/xml"
    )


@pytest.mark.slow
def test_sitemaps_of_a_worker_killed_while_reading_them_are_read_by_another(
    tmp_path: Path, redis_url: str
) -> None:
    hits: collections.Counter[str] = collections.Counter()
    gate = threading.Event()
    with serve(sitemap_app(hits, gate)) as base:
        config = _config(tmp_path, lease_s=4.0, flush_seconds=0.5, concurrency=2)
        run = tmp_path / "shared"
        starter, crawl_id = _start(config, [base + "/"], run, redis_url)
        deadline = time.monotonic() + 120
        while not hits["/index.xml"]:  # the first worker holds the sitemap index
            assert time.monotonic() < deadline and starter.poll() is None, "no sitemap read"
            time.sleep(0.02)
        # kill -9 of the worker: its CLI and its crawler at once (the crawler, in a session
        # of its own, otherwise lives on until it notices its parent gone, and on a loaded
        # machine that was long enough to read the index once the gate opened)
        tree = [psutil.Process(starter.pid), *psutil.Process(starter.pid).children(recursive=True)]
        for process in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(tree, timeout=30)
        starter.wait()
        gate.set()
        joiner = _join(config, crawl_id, redis_url)  # its lease expires: read again here
        out, err = joiner.communicate(timeout=300)
    assert joiner.returncode == 0, err
    assert out.strip() == str(run.resolve())
    pages = load_pages(run).set_index("url")
    sitemap_only = {f"{base}/s/{i}" for i in range(1, 13)}
    assert sitemap_only <= set(pages.index)
    assert (pages.loc[sorted(sitemap_only), "discovered_from"] == "sitemap").all()
    assert pages.loc[sorted(sitemap_only), "in_sitemap"].all()
    assert pages.loc[[f"{base}/p/1", f"{base}/p/2"], "in_sitemap"].all()
    assert not pages.loc[f"{base}/p/3", "in_sitemap"]
    assert len(pages) == 1 + 4 + 12
    # read again after the killed worker's lease (a worker stalled past lease_s by a loaded
    # machine may read one twice too: recorded once)
    assert hits["/index.xml"] >= 2 and hits["/sm1.xml"] >= 1 and hits["/sm2.xml"] >= 1
    sitemaps = pd_sitemaps(run)
    assert sorted(sitemaps) == [f"{base}/index.xml", f"{base}/sm1.xml", f"{base}/sm2.xml"]


def pd_sitemaps(run: Path) -> list[str]:
    import pandas as pd

    return list(pd.read_parquet(run / "sitemaps.parquet", columns=["sitemap"])["sitemap"])


def redirect_app(in_flight: list[int]) -> web.Application:
    """/p/i answers 301 to /q/i (a hop), which links to /p/3i+1..3i+3; ``in_flight``: [now,
    most] requests being answered at once."""

    async def answer(request: web.Request) -> web.Response:
        in_flight[0] += 1
        in_flight[1] = max(in_flight)
        try:
            await asyncio.sleep(0.03)
        finally:
            in_flight[0] -= 1
        i = int(request.match_info.get("i", "0"))
        if request.path.startswith("/p/"):
            raise web.HTTPMovedPermanently(f"/q/{i}")
        links = "".join(f"<a href='/p/{j}'>p{j}</a>" for j in range(3 * i + 1, min(3 * i + 4, 40)))
        return html(f"<h1>{request.path}</h1>{links}", f"<title>{request.path}</title>")

    app = web.Application()
    app.router.add_get("/", answer)
    app.router.add_get("/p/{i}", answer)
    app.router.add_get("/q/{i}", answer)
    return app


@pytest.mark.slow
def test_redirect_hops_of_two_workers_hold_the_global_per_host_cap(
    tmp_path: Path, redis_url: str
) -> None:
    in_flight = [0, 0]
    with serve(redirect_app(in_flight)) as base:
        config = _config(
            tmp_path, concurrency=4, concurrency_per_host=2, flush_seconds=0.5,
            sitemaps_from_robots="false", obey_robots="false", autothrottle="false",
        )  # fmt: skip
        run = tmp_path / "shared"
        starter, crawl_id = _start(config, [base + "/"], run, redis_url)
        joiner = _join(config, crawl_id, redis_url)
        assert joiner.wait(timeout=300) == 0, joiner.communicate()[1]
        assert starter.wait(timeout=300) == 0
    pages = load_pages(run).set_index("url")
    for i in range(1, 40):  # each /p/i recorded with its hop, and /q/i as a page of its own
        row = pages.loc[f"{base}/p/{i}"]
        assert row["final_url"] == f"{base}/q/{i}" and row["status"] == 200
        assert [hop["status"] for hop in row["redirect_chain"]] == [301]
        assert pages.loc[f"{base}/q/{i}", "status"] == 200
    assert in_flight[1] <= 2  # hops included: 2 on the host at once for both workers
