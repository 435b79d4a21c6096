"""The DuckDB workspace registers runs and keeps per-stage tables; run manifests round-trip."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from searchops.errors import SearchopsError
from searchops.run_folder import SCHEMA_VERSION, new_run_dir, read_manifest, write_manifest
from searchops.workspace import Workspace, queued_runs, register_run_when_free
from searchops.workspace_config import WorkspaceConfig

SEARCHOPS = str(Path(sys.executable).parent / "searchops")
EXPORT = Path(__file__).resolve().parent.parent / "fixtures/exports/microsoft-ui-keywords.csv"


def test_register_run_and_last_run(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws.duckdb") as ws:
        ws.register_run("crawl-a", "crawl", tmp_path, started_at=datetime(2026, 11, 4, 9))
        ws.register_run("crawl-b", "crawl", tmp_path, started_at=datetime(2026, 11, 12, 9))
        ws.register_run("audit-b", "audit", tmp_path, started_at=datetime(2026, 11, 12, 10))
        last = ws.last_run("crawl")
        assert last is not None and last["run_id"] == "crawl-b"
        before = ws.last_run("crawl", before="crawl-b")
        assert before is not None and before["run_id"] == "crawl-a"
        # week is the Monday of the run's week
        weeks = ws.runs("crawl")["week"].astype(str).tolist()
        assert weeks == ["2026-11-02", "2026-11-09"]


def test_register_run_is_idempotent(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws.duckdb") as ws:
        ws.register_run("r", "crawl", stats={"pages": 1})
        ws.register_run("r", "crawl", stats={"pages": 2})
        runs = ws.runs()
        assert len(runs) == 1
        assert json.loads(runs.iloc[0]["stats"]) == {"pages": 2}


def test_replace_rows_replaces_only_that_key(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws.duckdb") as ws:
        ws.replace_rows("t", pd.DataFrame({"run_id": ["a", "a"], "x": [1, 2]}), "run_id", "a")
        ws.replace_rows("t", pd.DataFrame({"run_id": ["b"], "x": [3]}), "run_id", "b")
        ws.replace_rows("t", pd.DataFrame({"run_id": ["a"], "x": [9]}), "run_id", "a")
        rows = ws.con.execute("SELECT run_id, x FROM t ORDER BY run_id, x").fetchall()
        assert rows == [("a", 9), ("b", 3)]


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws.duckdb") as ws:
        ws.append_df("t", pd.DataFrame({"x": [1]}))
        with pytest.raises(RuntimeError), ws.transaction():
            ws.append_df("t", pd.DataFrame({"x": [2]}))
            raise RuntimeError("import failed half way")
        assert ws.con.execute("SELECT count(*) FROM t").fetchone() == (1,)


def test_read_only_workspace_that_does_not_exist_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SearchopsError, match="no workspace"):
        Workspace(tmp_path / "missing.duckdb", read_only=True)


def test_manifest_round_trip_and_versioning(tmp_path: Path) -> None:
    run = new_run_dir(tmp_path, "crawl")
    write_manifest(run, {"start_urls": ["http://127.0.0.1/"], "stats": {"pages": 3}})
    manifest = read_manifest(run)
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["stats"] == {"pages": 3}
    assert "scrapy" in manifest["versions"] and "python" in manifest["versions"]
    assert not list(run.glob(".crawl.*"))  # the atomic write left no temp file


def test_manifest_from_a_newer_searchops_is_refused(tmp_path: Path) -> None:
    (tmp_path / "crawl.json").write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1}))
    with pytest.raises(SearchopsError, match="newer"):
        read_manifest(tmp_path)


def test_not_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(SearchopsError, match="not a run folder"):
        read_manifest(tmp_path)


# ------------------------------------------------------------------ the lock, with two processes

HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
sys.stdin.readline()  # hold the lock until the test says so
con.close()
"""


@contextmanager
def held(path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the workspace's DuckDB lock until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        release(holder)


def release(holder: subprocess.Popen[str]) -> None:
    if holder.poll() is None:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(30)


def test_a_command_waits_for_the_lock_and_then_registers(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    Workspace(path).close()
    waiter_code = (
        "import sys\n"
        "from searchops.console import configure_logging\n"
        "from searchops.workspace import register_run_when_free\n"
        "from searchops.workspace_config import WorkspaceConfig\n"
        "configure_logging()\n"
        "lock = WorkspaceConfig(lock_wait_s=600, lock_poll_s=0.05)\n"
        "print(register_run_when_free(sys.argv[1], 'crawl-a', 'crawl', lock=lock))\n"
    )
    with held(path) as holder:
        waiter = subprocess.Popen(
            [sys.executable, "-c", waiter_code, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert waiter.stderr is not None
        line = waiter.stderr.readline()  # the waiter says it waits, and for whom
        assert f"is in use by PID {holder.pid} " in line and "waiting up to 600 s" in line
        release(holder)
        out, err = waiter.communicate(timeout=120)
    assert waiter.returncode == 0 and out.strip() == "True", err
    with Workspace(path, read_only=True) as ws:
        assert ws.runs()["run_id"].tolist() == ["crawl-a"]
    assert queued_runs(path) == []


def test_a_busy_workspace_queues_the_run_for_the_next_command(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "ws.duckdb"
    Workspace(path).close()
    run = tmp_path / "runs" / "crawl-b"
    run.mkdir(parents=True)
    started = datetime(2026, 11, 16, 5, 0)
    with held(path) as holder:
        registered = register_run_when_free(
            path, "crawl-b", "crawl", path=run, started_at=started, stats={"pages": 7},
            lock=WorkspaceConfig(lock_wait_s=0.2, lock_poll_s=0.05),
        )  # fmt: skip
        assert registered is False
        assert f"in use by PID {holder.pid}" in caplog.text and "is queued in" in caplog.text
        assert [p.name for p in queued_runs(path)] == ["crawl-b.json"]
    with Workspace(path, read_only=True) as ws:  # a reader cannot register: it says so
        assert ws.runs().empty
    assert "1 run(s) wait to be registered" in caplog.text
    with Workspace(path) as ws:  # the next command that writes registers it
        runs = ws.runs()
    assert runs["run_id"].tolist() == ["crawl-b"]
    row = runs.iloc[0]
    assert row["path"] == str(run.resolve()) and row["started_at"] == pd.Timestamp(started)
    assert json.loads(row["stats"]) == {"pages": 7} and row["week"] == pd.Timestamp(2026, 11, 16)
    assert queued_runs(path) == []


def test_a_command_on_a_busy_workspace_fails_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from searchops.cli import main

    path = tmp_path / "ws.duckdb"
    Workspace(path).close()
    (tmp_path / "searchops.toml").write_text("[workspace]\nlock_wait_s = 0\n")
    monkeypatch.chdir(tmp_path)  # the project's settings file sets the wait
    with held(path) as holder, pytest.raises(SystemExit) as exited:
        main(["--workspace", str(path), "sem", "import", str(EXPORT)])
    err = capsys.readouterr().err.strip().splitlines()
    assert exited.value.code == 2 and len(err) == 1
    assert f"in use by PID {holder.pid} (" in err[0] and "lock_wait_s" in err[0]


def test_a_crawl_finishing_on_a_busy_workspace_is_registered_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aiohttp import web

    from searchops.cli import main
    from tests.crawler.sites import html, serve

    async def home(request: web.Request) -> web.Response:
        return html("<h1>Home</h1><a href='/about'>About</a>", "<title>Home</title>")

    app = web.Application()
    app.router.add_get("/", home)
    app.router.add_get("/about", home)
    path = tmp_path / "ws.duckdb"
    Workspace(path).close()
    (tmp_path / "searchops.toml").write_text("[workspace]\nlock_wait_s = 0.5\n")
    with serve(app) as base, held(path):
        crawl = subprocess.run(
            [SEARCHOPS, "--workspace", str(path), "crawl", base + "/", "--render", "never"],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip
    assert crawl.returncode == 0, crawl.stderr
    run = Path(crawl.stdout.strip())
    assert (run / "pages.parquet").exists()
    assert "will be registered by the next searchops command" in crawl.stderr
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        main(["-q", "--workspace", str(path), "audit", str(run), "--fail-on", "never"])
    assert exited.value.code == 0, capsys.readouterr().err
    with Workspace(path, read_only=True) as ws:
        assert ws.runs("crawl")["run_id"].tolist() == [run.name]
