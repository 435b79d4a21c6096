"""kill -9 in the middle of a crawl, then --resume: every reachable URL exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiohttp import web

from seo_crawler import load_links, load_pages
from tests.crawler.sites import html, serve

PAGES = 240


def tree_app() -> web.Application:
    """Page i links to 3i+1..3i+3 (a tree of PAGES pages), each answered after 25 ms."""

    async def page(request: web.Request) -> web.Response:
        i = int(request.match_info.get("i", "0"))
        await asyncio.sleep(0.025)
        children = "".join(
            f"<a href='/p/{j}'>p{j}</a>" for j in range(3 * i + 1, min(3 * i + 4, PAGES))
        )
        return html(f"<h1>Page {i}</h1>{children}", f"<title>Page {i}</title>")

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/p/{i}", page)
    return app


@pytest.mark.slow
def test_resume_after_kill_9_records_every_url_exactly_once(tmp_path: Path) -> None:
    config = tmp_path / "searchops.toml"
    config.write_text(
        "[crawl]\nconcurrency = 2\nconcurrency_per_host = 2\nbatch_rows = 20\nflush_seconds = 0.5\nsitemaps_from_robots = false\n"
    )
    run, ws = tmp_path / "run", tmp_path / "ws.duckdb"
    with serve(tree_app()) as base:
        cli = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "searchops"),
                "--config",
                str(config),
                "--workspace",
                str(ws),
                "crawl",
                base + "/",
                "--out",
                str(run),
                "--render",
                "never",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                parts = run / "parts"
                if (
                    parts.is_dir()
                    and len([p for p in parts.iterdir() if not p.name.endswith(".tmp")]) >= 2
                ):
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the crawl committed no parts within 60 s")
        finally:
            os.killpg(cli.pid, signal.SIGKILL)  # the CLI and its crawler child, mid-crawl
            cli.wait()
        assert not (run / "pages.parquet").exists(), "the crawl finished before it was killed"
        searchops = [str(Path(sys.executable).parent / "searchops"), "--workspace", str(ws)]
        # the resumed crawl is the one that was started: its spec is in the run folder
        other = subprocess.run(
            [*searchops, "crawl", "--out", str(run), "--resume", "--max-pages", "10"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert other.returncode == 2 and "drop --max-pages" in other.stderr, other.stderr
        done = subprocess.run(
            [*searchops, "crawl", "--out", str(run), "--resume"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        resumed = Path(done.stdout.strip())
    pages = load_pages(resumed)
    expected = {base + "/"} | {f"{base}/p/{i}" for i in range(1, PAGES)}
    assert pages.url.is_unique
    assert set(pages.url) == expected
    assert (pages.status == 200).all()
    links = load_links(resumed)
    assert links[links.kind == "a"].groupby("source").size().max() <= 3  # no page's links twice
    # the settings of the run as started (concurrency 2 from its --config), not today's defaults
    assert json.loads((resumed / "crawl.json").read_text())["settings"]["crawl"]["concurrency"] == 2
