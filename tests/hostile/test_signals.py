"""Signals to ``searchops crawl``: SIGTERM (``timeout``, a cancelled CI job) is Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from tests.hostile.server import SEARCHOPS, HostileServer, Reply, cli

PAGES = 24


def _slow_site() -> HostileServer:
    """A chain of pages, each answering after 0.5 s: the crawl lasts long enough to stop."""
    server = HostileServer()
    for i in range(PAGES):
        nxt = f"<a href='/p/{i + 1}'>next</a>" if i + 1 < PAGES else ""
        server.route(f"/p/{i}", Reply.html(f"<h1>{i}</h1>{nxt}", f"<title>{i}</title>", stall=0.5))
    return server


def _parts(run: Path) -> int:
    folder = run / "parts"
    return (
        len([p for p in folder.iterdir() if not p.name.endswith(".tmp")]) if folder.is_dir() else 0
    )


@pytest.mark.slow
@pytest.mark.parametrize("target", ["parent", "group"])
def test_sigterm_stops_everything_keeps_what_was_collected_and_resumes(
    tmp_path: Path, target: str
) -> None:
    (tmp_path / "searchops.toml").write_text(
        "[crawl]\nconcurrency = 1\nbatch_rows = 2\nflush_seconds = 0.2\n"
        "sitemaps_from_robots = false\n"
    )
    run = tmp_path / "run"
    server = _slow_site()
    with server.running() as base:
        crawl = subprocess.Popen(
            [SEARCHOPS, "--workspace", str(tmp_path / "ws.duckdb"), "crawl", base + "/p/0",
             "--render", "never", "--out", str(run)],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while _parts(run) < 2 and time.monotonic() < deadline and crawl.poll() is None:
            time.sleep(0.05)
        assert _parts(run) >= 2, "no rows committed within 60 s"
        family = psutil.Process(crawl.pid).children(recursive=True)
        assert family, "the crawler process is a child of searchops crawl"
        if target == "parent":
            crawl.send_signal(signal.SIGTERM)  # what `timeout` does
        else:
            os.killpg(crawl.pid, signal.SIGTERM)  # a cancelled CI job signals the whole group
        _, stderr = crawl.communicate(timeout=60)
        assert crawl.returncode == 2, stderr
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert "error: interrupted" in lines[-1] and "--resume" in lines[-1], stderr
        _, alive = psutil.wait_procs(family, timeout=15)
        assert not alive, f"still running after SIGTERM: {[p.cmdline() for p in alive]}"
        fetched = len(server.paths())
        assert fetched < PAGES, "the crawl finished before it was stopped"
        time.sleep(1.0)
        assert len(server.paths()) == fetched, "something went on fetching"
        resumed = cli("crawl", "--out", str(run), "--resume", cwd=tmp_path, timeout=120)
        assert resumed.returncode == 0, resumed.stderr
    pages = pd.read_parquet(run / "pages.parquet")
    assert pages.url.is_unique and len(pages) == PAGES


@pytest.mark.slow
def test_resume_takes_the_original_sitemap_and_reports_this_sessions_speed(
    tmp_path: Path,
) -> None:
    (tmp_path / "searchops.toml").write_text(
        "[crawl]\nconcurrency = 1\nbatch_rows = 2\nflush_seconds = 0.2\n"
        "sitemaps_from_robots = false\n"
    )
    run = tmp_path / "run"
    server = _slow_site()
    sitemap = lambda base: (  # noqa: E731
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{base}/p/{i}</loc></url>" for i in range(PAGES))
        + "</urlset>"
    ).encode()
    server.route("/sitemap.xml", Reply(body=sitemap, content_type="application/xml"))
    with server.running() as base:
        crawl = subprocess.Popen(
            [SEARCHOPS, "--workspace", str(tmp_path / "ws.duckdb"), "crawl", base + "/p/0",
             "--sitemap", base + "/sitemap.xml", "--render", "never", "--out", str(run)],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            # Ctrl-C as a terminal delivers it: a suite started as a background job of a
            # script (`make test &`) runs with SIGINT ignored, which the crawl inherits and,
            # as any program should, keeps (it then finished with 0)
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while _parts(run) < 2 and time.monotonic() < deadline and crawl.poll() is None:
            time.sleep(0.05)
        crawl.send_signal(signal.SIGINT)
        crawl.communicate(timeout=60)
        assert crawl.returncode == 2
        # audit on the interrupted run says how to finish it
        audit = cli("audit", str(run), cwd=tmp_path)
        assert audit.returncode == 2 and f"crawl --out {run} --resume" in audit.stderr
        other = cli(
            "crawl", base + "/p/0", "--sitemap", base + "/other.xml", "--out", str(run),
            "--resume", cwd=tmp_path,
        )  # fmt: skip
        assert other.returncode == 2 and "drop --sitemap or give the same" in other.stderr
        resumed = cli(
            "crawl", base + "/p/0", "--sitemap", base + "/sitemap.xml", "--out", str(run),
            "--resume", cwd=tmp_path, timeout=120,
        )  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
    stats = json.loads((run / "crawl.json").read_text())["stats"]
    # ~2 pages/s at 0.5 s a page, one at a time: the pages before the resume do not count
    assert 0 < stats["pages_per_second"] < 3, stats
    assert len(pd.read_parquet(run / "pages.parquet")) == PAGES


def test_a_piped_crawl_prints_a_progress_line_every_n_seconds(tmp_path: Path) -> None:
    (tmp_path / "searchops.toml").write_text(
        "[crawl]\nconcurrency = 1\nprogress_every_s = 1.0\nsitemaps_from_robots = false\n"
    )
    server = _slow_site()
    with server.running() as base:
        result = cli(
            "crawl", base + "/p/0", "--render", "never", "--max-pages", "8", "--out", "run",
            cwd=tmp_path, env={"CI": "true"},
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("crawl: ")]
    assert len(lines) >= 2, result.stderr  # ~4 s of crawling at 0.5 s a page
    assert re.match(
        r"crawl: [\d,]+ pages \([\d.]+ pages/s\), queued \d+, errors 0 \(\d+:\d\d elapsed\)",
        lines[0],
    )


@pytest.mark.slow
def test_piped_vitals_print_progress_lines(tmp_path: Path) -> None:
    (tmp_path / "searchops.toml").write_text(
        '[vitals]\nruns = 3\nprogress_every_s = 0.01\nprofile = "none"\n'
    )
    server = HostileServer().route("/", Reply.html("<h1>Hi</h1>", "<title>Hi</title>"))
    with server.running() as base:
        result = cli("vitals", base + "/", "--out", "v", cwd=tmp_path, env={"CI": "true"})
    assert result.returncode in (0, 1), result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("vitals: ")]
    assert lines and re.match(r"vitals: \d+ of 3 loads measured \(\d+:\d\d elapsed\)", lines[-1]), (
        result.stderr
    )
