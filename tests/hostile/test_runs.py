"""Run folders and the workspace: same-named folders, and the registry that outlives them."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from tests.hostile.server import HostileServer, Reply, cli


def test_two_run_folders_with_one_basename_are_two_runs(tmp_path: Path) -> None:
    server = HostileServer()
    server.route("/", Reply.html("<h1>Home</h1>", "<title>Home</title>"))
    runs = {"2026-03-02": tmp_path / "a" / "run", "2026-03-09": tmp_path / "b" / "run"}
    with server.running() as base:
        for week, run in runs.items():
            crawled = cli(
                "crawl", base + "/", "--render", "never", "--out", str(run), "--week", week,
                cwd=tmp_path,
            )  # fmt: skip
            assert crawled.returncode == 0, crawled.stderr
    first = cli("audit", str(runs["2026-03-02"]), "--format", "json", cwd=tmp_path)
    second = cli(
        "audit", str(runs["2026-03-09"]), "--baseline", "last", "--format", "json", cwd=tmp_path
    )
    assert first.returncode in (0, 1) and second.returncode in (0, 1), second.stderr
    assert json.loads(second.stdout)["baseline"] == str(runs["2026-03-02"].resolve())
    con = duckdb.connect(str(tmp_path / "ws.duckdb"), read_only=True)
    crawls = dict(con.execute("SELECT path, run_id FROM runs WHERE kind = 'crawl'").fetchall())
    assert set(crawls) == {str(r.resolve()) for r in runs.values()}
    assert crawls[str(runs["2026-03-02"].resolve())] == "run"  # the first keeps its name
    assert crawls[str(runs["2026-03-09"].resolve())].startswith("run-")
    scored = con.execute("SELECT count(DISTINCT run_id) FROM health_scores").fetchall()[0][0]
    assert scored == 2  # both weeks' scores kept
    weeks = con.execute("SELECT count(DISTINCT week) FROM findings").fetchall()[0][0]
    assert weeks == 2
