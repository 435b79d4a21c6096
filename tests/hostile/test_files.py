"""Damaged files and unwritable folders: one line saying what is wrong and what to do."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from searchops.errors import describe
from tests.hostile.server import HostileServer, Reply, assert_one_line_error, cli


@pytest.fixture(scope="module")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("files")
    server = HostileServer().route("/", Reply.html("<h1>Home</h1>", "<title>Home</title>"))
    with server.running() as base:
        result = cli("crawl", base + "/", "--render", "never", "--out", "run", cwd=home)
    assert result.returncode == 0, result.stderr
    return home / "run"


def test_a_damaged_pages_parquet(good_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(good_run, run)
    pages = run / "pages.parquet"
    pages.write_bytes(pages.read_bytes()[:300])  # cut: no footer
    audit = cli("audit", str(run), cwd=tmp_path)
    line = assert_one_line_error(audit, "pages.parquet", "damaged", "crawl again")
    assert "SELECT" not in line and "read_parquet" not in line
    coverage = cli("coverage", "--crawl", str(run), cwd=tmp_path)
    assert_one_line_error(coverage, "damaged", "crawl again")


@pytest.mark.parametrize("damage", ["garbage", "flipped blocks"])
def test_a_damaged_workspace(good_run: Path, tmp_path: Path, damage: str) -> None:
    workspace = tmp_path / "ws.duckdb"
    shutil.copy(good_run.parent / "ws.duckdb", workspace)
    if damage == "garbage":
        workspace.write_bytes(b"not a database\n" * 100)
    else:
        with workspace.open("r+b") as fh:
            fh.seek(5000)
            fh.write(b"x" * 20000)
    result = cli("audit", str(good_run), cwd=tmp_path)
    assert_one_line_error(result, "ws.duckdb", "move it aside")


def test_an_output_path_that_cannot_be_written(good_run: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    out = str(tmp_path / "a-file" / "audit.csv")
    audit = cli("audit", str(good_run), "--format", "csv", "--out", out, cwd=tmp_path)
    assert_one_line_error(audit, "a-file", "not a directory")
    crawl = cli(
        "crawl", "http://127.0.0.1:9/", "--out", str(tmp_path / "a-file" / "run"), cwd=tmp_path
    )
    assert_one_line_error(crawl, "a-file", "not a directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_output_folder(good_run: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        audit = cli(
            "audit", str(good_run), "--format", "csv", "--out", str(folder / "a.csv"), cwd=tmp_path
        )
        assert_one_line_error(audit, "permission denied", "--out")
        crawl = cli("crawl", "http://127.0.0.1:9/", "--out", str(folder / "run"), cwd=tmp_path)
        assert_one_line_error(crawl, "permission denied", "--out")
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS, errno.EPERM])
def test_unwritable_is_one_line_with_what_to_do(code: int) -> None:
    line = describe(OSError(code, os.strerror(code), "/runs/week"))
    assert line.startswith("error: /runs/week: ") and "--out" in line and "internal" not in line
