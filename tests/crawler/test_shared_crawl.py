"""A crawl shared by worker processes through a real redis-server: the same URL set as a
single-process crawl, every URL fetched once, nothing lost when a worker is killed -9."""

from __future__ import annotations

import asyncio
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from searchops.run_folder import read_manifest
from seo_crawler import crawl, load_pages
from tests.crawler.sites import html, serve
from tests.redis_server import MISSING, redis_server

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason=MISSING)

PAGES = 150
SEARCHOPS = str(Path(sys.executable).parent / "searchops")


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def tree_app(
    hits: collections.Counter[str], delay: float = 0.02, in_flight: list[int] | None = None
) -> web.Application:
    """Page i links to 3i+1..3i+3 (and back home), plus one trap link; hits counts fetches;
    ``in_flight``: [now, most] requests being answered at once."""
    busy = in_flight if in_flight is not None else [0, 0]

    async def page(request: web.Request) -> web.Response:
        hits[request.path_qs] += 1
        i = int(request.match_info.get("i", "0"))
        busy[0] += 1
        busy[1] = max(busy)
        try:
            await asyncio.sleep(delay)
        finally:
            busy[0] -= 1
        children = "".join(
            f"<a href='/p/{j}'>p{j}</a>" for j in range(3 * i + 1, min(3 * i + 4, PAGES))
        )
        trap = f"<a href='/a/a/a/a/{i}'>trap</a>" if i % 10 == 0 else ""
        return html(
            f"<h1>Page {i}</h1><a href='/'>home</a>{children}{trap}", f"<title>P{i}</title>"
        )

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/p/{i}", page)
    return app


def _config(tmp_path: Path, **extra: object) -> Path:
    path = tmp_path / "searchops.toml"
    lines = {
        "concurrency": 4, "concurrency_per_host": 4, "batch_rows": 10, "flush_seconds": 0.5,
        "sitemaps_from_robots": "false", "lease_s": 4.0, **extra,
    }  # fmt: skip
    path.write_text("[crawl]\n" + "".join(f"{k} = {v}\n" for k, v in lines.items()))
    return path


def _start(config: Path, base: str, run: Path, redis_url: str) -> tuple[subprocess.Popen[str], str]:
    """The first worker; returns it and the crawl id it printed."""
    starter = subprocess.Popen(
        [
            SEARCHOPS,
            "--config",
            str(config),
            "crawl",
            base + "/",
            "--out",
            str(run),
            "--frontier",
            redis_url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert starter.stderr is not None
    for line in starter.stderr:
        found = re.search(r"--join (\w+) --frontier", line)
        if found:
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


def _single(tmp_path: Path, base: str) -> set[str]:
    from searchops.settings import load_settings

    settings = load_settings(_config(tmp_path)).settings
    run = crawl([base + "/"], out=tmp_path / "single", settings=settings, show_progress=False)
    return set(load_pages(run)["url"])


@pytest.mark.slow
def test_two_workers_record_the_single_process_url_set_each_url_fetched_once(
    tmp_path: Path, redis_url: str
) -> None:
    hits: collections.Counter[str] = collections.Counter()
    in_flight = [0, 0]
    with serve(tree_app(hits, in_flight=in_flight)) as base:
        single = _single(tmp_path, base)
        hits.clear()
        in_flight[1] = 0
        # 3 requests at a time a worker, 3 on the host for both together
        config, run = _config(tmp_path, concurrency=3, concurrency_per_host=3), tmp_path / "shared"
        starter, crawl_id = _start(config, base, run, redis_url)
        joiner = _join(config, crawl_id, redis_url)
        out_starter, err_starter = starter.communicate(timeout=300)
        out_joiner, err_joiner = joiner.communicate(timeout=300)
    assert starter.returncode == 0, err_starter
    assert joiner.returncode == 0, err_joiner
    # both print the run folder; one of them finalized it
    assert out_starter.strip() == out_joiner.strip() == str(run.resolve())
    pages = load_pages(run)
    assert set(pages["url"]) == single and len(pages) == len(single)
    assert any("/a/a/a/a/" in url for url in single)  # trap rows recorded once too
    assert max(hits.values()) == 1 and len(hits) == PAGES  # every page fetched once
    assert in_flight[1] <= 3  # the per-host cap held across the workers
    manifest = read_manifest(run)
    assert manifest["complete"] and len(manifest["shared"]["workers"]) == 2
    assert not list(run.glob("parts")) and not list(run.glob(".progress-*"))


@pytest.mark.slow
def test_kill_9_of_a_worker_loses_no_url_and_records_none_twice(
    tmp_path: Path, redis_url: str
) -> None:
    hits: collections.Counter[str] = collections.Counter()
    with serve(tree_app(hits, delay=0.05)) as base:
        single = _single(tmp_path, base)
        hits.clear()
        config, run = _config(tmp_path, lease_s=2.0), tmp_path / "shared"
        starter, crawl_id = _start(config, base, run, redis_url)
        victim = _join(config, crawl_id, redis_url)
        deadline = time.monotonic() + 120
        while sum(hits.values()) < PAGES // 3:
            assert time.monotonic() < deadline, "the crawl did not get going"
            time.sleep(0.02)
        os.killpg(victim.pid, signal.SIGKILL)  # its CLI and crawler, leases held mid-crawl
        victim.wait()
        _, err = starter.communicate(timeout=300)
    assert starter.returncode == 0, err
    pages = load_pages(run)
    assert set(pages["url"]) == single, (single - set(pages["url"]), err)  # nothing lost
    assert len(pages) == len(single)  # nothing recorded twice
    assert len(hits) == PAGES
