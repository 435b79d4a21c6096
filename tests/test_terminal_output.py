"""What commands print when their output is a log or a pipe (CI, `make demo`, `| less`).

The installed command runs with its output to a pipe and COLUMNS=100: nothing that must
be copied (URLs, reason codes) is split across lines, and what a log needs is there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web

from tests.crawler.sites import html, serve

SEARCHOPS = str(Path(sys.executable).parent / "searchops")


def _piped(*args: str, cwd: Path, columns: int | None = 100) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR", "CI")}
    if columns:
        env["COLUMNS"] = str(columns)
    return subprocess.run(
        [SEARCHOPS, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=180
    )


def _site() -> web.Application:
    async def home(request: web.Request) -> web.Response:
        return html(
            "<h1>Home</h1><a href='/a'>A</a><a href='/gone'>gone</a>", "<title>Home</title>"
        )

    async def page(request: web.Request) -> web.Response:
        return html("<h1>A</h1>", "<title>A</title>")

    app = web.Application()
    app.router.add_get("/", home)
    app.router.add_get("/a", page)
    return app


def test_crawl_prints_its_summary_into_a_log(tmp_path: Path) -> None:
    with serve(_site()) as base:
        done = _piped(
            "--workspace", str(tmp_path / "ws.duckdb"), "crawl", base + "/", "--render", "never",
            cwd=tmp_path,
        )  # fmt: skip
        quiet = _piped(
            "-q", "--workspace", str(tmp_path / "ws.duckdb"), "crawl", base + "/",
            "--render", "never", cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = [line for line in done.stderr.splitlines() if line.startswith("crawl done")]
    assert len(summary) == 1, done.stderr
    assert "3 pages" in summary[0] and "0 errors" in summary[0] and "404: 1" in summary[0]
    assert Path(done.stdout.strip()).is_dir()  # stdout is still only the run folder
    assert quiet.returncode == 0 and "crawl done" not in quiet.stderr


LONG_PATH = "/en-ca/catalogue/camping-and-hiking/tents/ultralight-two-person-backpacking-tent"


def _long_page_site() -> web.Application:
    async def page(request: web.Request) -> web.Response:
        return html("<h1>Tent</h1><p>" + "words " * 50 + "</p>", "<title>Tent</title>")

    app = web.Application()
    app.router.add_get(LONG_PATH, page)
    return app


@pytest.mark.browser
@pytest.mark.xdist_group("vitals-browser")
def test_vitals_cells_and_page_paths_stay_whole_at_100_columns(tmp_path: Path) -> None:
    with serve(_long_page_site()) as base:
        done = _piped(
            "--workspace", str(tmp_path / "ws.duckdb"), "vitals", base + LONG_PATH,
            "--profile", "none", "--runs", "1", "--out", str(tmp_path / "lab"), cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert LONG_PATH in [line.strip() for line in lines]  # the page's path, on one line
    rows = [line for line in lines if line.startswith("│ other") or line.startswith("│ ")]
    # Every metric cell of the templates table holds median, ±IQR and p75 on one line.
    cells = re.findall(r"[\d.]+ ±[\d.]+ [\d.]+", rows[0]) if rows else []
    assert len(cells) >= 4 and len(cells) == rows[0].count("±"), rows[:2]
    assert all(len(line) <= 100 for line in lines)


def test_sem_roi_table_is_per_day_in_one_currency(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws.duckdb")
    demo = _piped("--workspace", ws, "sem", "demo", "--keywords", "80", "--days", "28",
                  cwd=tmp_path)  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    done = _piped("--workspace", ws, "sem", "roi", "--level", "campaign", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "expected per day at current bids, CAD" in out
    header = next(line for line in out.splitlines() if "cost/day" in line)
    assert "value/day" in header and "profit/day" in header and " cost " not in header
    rows = [line for line in out.splitlines() if "$" in line]
    assert len(rows) >= 3 and all(line.count("$") == 3 for line in rows)  # cost, value, profit
    assert "clicks: in the fitted history" in out  # the one history column says so
    assert all(len(line) <= 100 for line in out.splitlines())


def test_bid_review_keeps_reason_codes_whole_at_100_columns(tmp_path: Path) -> None:
    from bidding.recommend import REASONS

    ws = str(tmp_path / "ws.duckdb")
    demo = _piped("--workspace", ws, "sem", "demo", "--keywords", "80", "--days", "28",
                  cwd=tmp_path)  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    done = _piped("--workspace", ws, "bid", "recommend", "--out", str(tmp_path / "review"),
                  cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    shown = re.findall(r"\b[A-Z][A-Z]+_[A-Z_]*", done.stdout)
    assert shown, done.stdout  # the review table lists reason codes
    assert set(shown) <= set(REASONS), set(shown) - set(REASONS)  # none cut into pieces
