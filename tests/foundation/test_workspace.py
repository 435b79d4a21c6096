"""The DuckDB workspace registers runs and keeps per-stage tables; run manifests round-trip."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from searchops.errors import SearchopsError
from searchops.run_folder import SCHEMA_VERSION, new_run_dir, read_manifest, write_manifest
from searchops.workspace import Workspace


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
