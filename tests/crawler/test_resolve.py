"""``--resolve HOST=IP``: DNS overrides, and the DNS guard against names that resolve to
link-local / cloud-metadata addresses (the name looks harmless; only its address gives it away)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web

from tests.crawler.sites import html, serve

SEARCHOPS = str(Path(sys.executable).parent / "searchops")


@pytest.mark.slow
def test_overridden_host_is_crawled_and_a_name_resolving_to_metadata_is_never_fetched(
    tmp_path: Path,
) -> None:
    hosts_seen: list[str] = []

    async def page(request: web.Request) -> web.Response:
        hosts_seen.append(request.host.split(":")[0])
        port = request.url.port
        return html(
            "<h1>Shop</h1><a href='/about'>About</a>"
            f"<a href='http://metadata.test:{port}/latest/meta-data/'>cloud</a>",
            "<title>Shop</title>",
        )

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/about", page)
    with serve(app) as base:
        port = base.rsplit(":", 1)[1]
        done = subprocess.run(
            [
                SEARCHOPS, "--workspace", str(tmp_path / "ws.duckdb"), "crawl",
                f"http://shop.test:{port}/", "--out", str(tmp_path / "run"), "--render", "never",
                "--resolve", "shop.test=127.0.0.1", "--resolve", "metadata.test=169.254.169.254",
                "--allow-host", "metadata.test",
            ],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    import pandas as pd

    pages = pd.read_parquet(tmp_path / "run" / "pages.parquet").set_index("url")
    shop = f"http://shop.test:{port}"
    assert pages.loc[f"{shop}/", "status"] == 200 and pages.loc[f"{shop}/about", "status"] == 200
    secret = pages.loc[f"http://metadata.test:{port}/latest/meta-data/"]
    assert secret["fetch_state"] == "blocked_unsafe", secret["error"]
    assert "169.254.169.254" in secret["error"]
    assert set(hosts_seen) == {"shop.test"}


def test_resolve_must_be_host_equals_ip(tmp_path: Path) -> None:
    for bad, says in (("shop.test", "HOST=IP"), ("shop.test=not-an-ip", "IP address")):
        done = subprocess.run(
            [SEARCHOPS, "crawl", "http://shop.test/", "--resolve", bad, "--out", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert says in done.stderr and "Traceback" not in done.stderr
