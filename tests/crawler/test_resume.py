"""kill -9 in the middle of a crawl, then --resume: every reachable URL exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiohttp import web

from searchops.settings import load_settings
from seo_crawler import crawl, load_links, load_pages
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
    run = tmp_path / "run"
    with serve(tree_app()) as base:
        cli = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "searchops"),
                "--config",
                str(config),
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
        settings = load_settings(config_file=config).settings
        resumed = crawl([base + "/"], out=run, resume=True, settings=settings)
    pages = load_pages(resumed)
    expected = {base + "/"} | {f"{base}/p/{i}" for i in range(1, PAGES)}
    assert pages.url.is_unique
    assert set(pages.url) == expected
    assert (pages.status == 200).all()
    links = load_links(resumed)
    assert links[links.kind == "a"].groupby("source").size().max() <= 3  # no page's links twice
