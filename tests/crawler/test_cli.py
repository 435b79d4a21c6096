"""``searchops crawl``: exit codes, errors on one line, the run folder on stdout, the workspace."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from aiohttp import web

from searchops.cli import main
from searchops.settings import load_settings
from seo_crawler import crawl
from tests.conftest import free_port
from tests.crawler.sites import html, serve

SEARCHOPS = str(Path(sys.executable).parent / "searchops")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SEARCHOPS, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def small_app() -> web.Application:
    async def home(request: web.Request) -> web.Response:
        return html("<h1>Home</h1><a href='/about'>About</a>", "<title>Home</title>")

    async def about(request: web.Request) -> web.Response:
        return html("<h1>About</h1>", "<title>About</title>")

    app = web.Application()
    app.router.add_get("/", home)
    app.router.add_get("/about", about)
    return app


def test_crawl_writes_run_registers_it_and_prints_its_path(tmp_path: Path) -> None:
    workspace = tmp_path / "ws.duckdb"
    with serve(small_app()) as base:
        result = run_cli(
            "--workspace",
            str(workspace),
            "crawl",
            base + "/",
            "--render",
            "never",
            "--week",
            "2026-03-02",
            "--label",
            "smoke",
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr
    run = Path(result.stdout.strip())
    assert run.is_absolute() and run.parent == tmp_path / "runs" and run.name.startswith("crawl-")
    assert {
        "pages.parquet",
        "links.parquet",
        "sitemaps.parquet",
        "sitemap_urls.parquet",
        "crawl.json",
    } <= {p.name for p in run.iterdir()}
    con = duckdb.connect(str(workspace), read_only=True)
    kind, path, week, label = con.execute("SELECT kind, path, week, label FROM runs").fetchone()  # type: ignore[misc]
    assert (kind, Path(path), str(week), label) == ("crawl", run.resolve(), "2026-03-02", "smoke")
    # the same folder again is refused: a run folder is never silently overwritten
    again = run_cli(
        "--workspace",
        str(workspace),
        "crawl",
        "http://127.0.0.1:1/",
        "--out",
        str(run),
        cwd=tmp_path,
    )
    assert again.returncode == 2 and "not empty" in again.stderr and "Traceback" not in again.stderr
    done = run_cli(
        "--workspace",
        str(workspace),
        "crawl",
        "http://127.0.0.1:1/",
        "--out",
        str(run),
        "--resume",
        cwd=tmp_path,
    )
    assert done.returncode == 2 and "complete" in done.stderr


def test_unreachable_site_is_recorded_not_fatal(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/"
    settings = load_settings(overrides={"crawl": {"retries": 0}}).settings
    run = crawl([dead], out=tmp_path / "run", settings=settings)
    pages = pd.read_parquet(run / "pages.parquet")
    assert list(pages.fetch_state) == ["error"] and "Connection" in pages.error.iloc[0]


def test_usage_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        ((), "at least one start URL"),
        (("ftp://example.com/",), "not an http(s) URL"),
        (("http://127.0.0.1:1/", "--resume"), "--resume needs --out"),
        (("http://127.0.0.1:1/", "--include", "("), "invalid regular expression"),
        (("http://127.0.0.1:1/", "--render", "sometimes"), "Invalid value for '--render'"),
        (
            ("http://127.0.0.1:1/", "--out", str(tmp_path / "nothing"), "--resume"),
            "no interrupted crawl",
        ),
    ]
    for args, message in cases:
        with pytest.raises(SystemExit) as exit_info:
            main(["--workspace", str(tmp_path / "ws.duckdb"), "crawl", *args])
        err = capsys.readouterr().err
        assert exit_info.value.code == 2, (args, err)
        assert message in err and "Traceback" not in err, (args, err)


def test_help_teaches_with_examples(tmp_path: Path) -> None:
    result = run_cli("crawl", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert (
        "Examples:" in result.stdout
        and "--resume" in result.stdout
        and "--sitemap" in result.stdout
    )
