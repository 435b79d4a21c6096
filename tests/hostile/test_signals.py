"""Signals to ``searchops crawl``: SIGTERM (``timeout``, a cancelled CI job) is Ctrl-C."""

from __future__ import annotations

import os
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
