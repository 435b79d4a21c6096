"""``searchops crawl``: exit codes, errors on one line, the run folder on stdout, the workspace."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import psutil
import pytest
from aiohttp import web

from searchops.cli import main
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


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_a_site_that_is_down_fails_the_crawl_and_its_audit(tmp_path: Path) -> None:
    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(5)  # ten times the crawl's timeout
        return html("<h1>Late</h1>")

    app = web.Application()
    app.router.add_get("/", hang)
    config = tmp_path / "searchops.toml"
    config.write_text("[crawl]\nretries = 0\ntimeout_s = 0.5\n")
    dead = f"http://127.0.0.1:{free_port()}/"
    with serve(app) as hanging:
        cases = (
            (dead, "Connection", "connection"),
            ("http://no-such-host.invalid/", "DNS", "dns"),
            (hanging + "/", "took longer than", "timeout"),
        )
        for start, says, kind in cases:
            run = tmp_path / kind
            failed = run_cli(
                "--config", str(config), "--workspace", str(tmp_path / "ws.duckdb"),
                "crawl", start, "--render", "never", "--out", str(run), cwd=tmp_path,
            )  # fmt: skip
            line = _one_error_line(failed.stderr)
            assert failed.returncode == 2 and failed.stdout == "", failed.stderr
            assert "crawl failed" in line and start in line and says in line, line
            # what was collected is kept: the failed start URL, recorded with its error
            pages = pd.read_parquet(run / "pages.parquet")
            assert list(pages.fetch_state) == ["error"] and says in pages.error.iloc[0]
            assert says in json.loads((run / "crawl.json").read_text())["failed"]
            audit = run_cli("audit", str(run), "--format", "json", cwd=tmp_path)
            assert audit.returncode == 1, audit.stderr  # the default --fail-on error
            report = json.loads(audit.stdout)
            findings = report["findings"]
            # the start URL; without a server (connection, DNS) its robots.txt could not be
            # read either (Google then crawls nothing; robots.parquet records it); the
            # hanging server answers robots.txt (404: everything allowed)
            expected = [("SEO-LINKS-012", start)]
            if kind != "timeout":
                expected.append(("SEO-ROBOTS-001", start.rstrip("/") + "/robots.txt"))
            assert sorted((f["rule_id"], f["url"]) for f in findings) == expected
            # no page was judged: no family scores a perfect 100 beside the failure
            scores = {s["family"]: s["score"] for s in report["scores"]}
            families = {"links", "robots", "overall"} if kind != "timeout" else {"links", "overall"}
            assert set(scores) == families, scores
            assert scores["overall"] < 50, scores
            fetch = next(f for f in findings if f["rule_id"] == "SEO-LINKS-012")
            assert fetch["evidence"].startswith(kind + ": ")
    # a failed crawl is not registered: `--baseline last` never becomes a dead site
    assert not (tmp_path / "ws.duckdb").exists() or duckdb.connect(
        str(tmp_path / "ws.duckdb"), read_only=True
    ).execute("SELECT count(*) FROM runs").fetchone() == (0,)


def test_5xx_on_every_start_url_fails_one_working_start_url_does_not(tmp_path: Path) -> None:
    async def broken(request: web.Request) -> web.Response:
        return html("<h1>Oops</h1>", status=500)

    async def fine(request: web.Request) -> web.Response:
        return html("<h1>Shop</h1>", "<title>Shop</title>")

    app = web.Application()
    app.router.add_get("/", broken)
    app.router.add_get("/fr/", broken)
    app.router.add_get("/en/", fine)
    with serve(app) as base:
        down = run_cli("crawl", base + "/", base + "/fr/", "--render", "never",
                       "--out", str(tmp_path / "down"), cwd=tmp_path)  # fmt: skip
        half = run_cli("crawl", base + "/", base + "/en/", "--render", "never",
                       "--out", str(tmp_path / "half"), cwd=tmp_path)  # fmt: skip
    line = _one_error_line(down.stderr)
    assert down.returncode == 2 and "HTTP 500" in line and "1 more start URL" in line, line
    assert (tmp_path / "down" / "pages.parquet").exists()
    assert half.returncode == 0, half.stderr
    assert Path(half.stdout.strip()) == (tmp_path / "half").resolve()


def test_any_error_is_one_line_and_exit_2_traceback_only_with_debug(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "crawl.json").write_text(json.dumps({"kind": "crawl", "schema_version": 1}))
    (run / "pages.parquet").write_bytes(b"PAR1 not really parquet PAR1")
    plain = run_cli("audit", str(run), cwd=tmp_path)
    # a damaged file says what is wrong and what to do (tests/hostile/test_files.py)
    line = _one_error_line(plain.stderr)
    assert plain.returncode == 2 and "pages.parquet: damaged" in line and "crawl again" in line
    debug = run_cli("--debug", "audit", str(run), cwd=tmp_path)
    assert debug.returncode == 2 and "Traceback" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1].startswith("searchops: ")


def test_debug_reaches_the_crawler_process(tmp_path: Path) -> None:
    with serve(small_app()) as base:
        quiet = run_cli("crawl", base + "/", "--render", "never", "--out", str(tmp_path / "quiet"),
                        cwd=tmp_path)  # fmt: skip
        debug = run_cli("--debug", "crawl", base + "/", "--render", "never",
                        "--out", str(tmp_path / "debug"), cwd=tmp_path)  # fmt: skip
    assert quiet.returncode == 0 and debug.returncode == 0, debug.stderr
    assert "DEBUG" not in (tmp_path / "quiet" / "crawl.log").read_text()
    assert (
        "[scrapy.core.engine] DEBUG: Crawled (200)"
        in (tmp_path / "debug" / "crawl.log").read_text()
    )


def _after_exec(process: psutil.Process, forked_line: str, wait_s: float = 5.0) -> str:
    """The command line of a process once it leaves ``forked_line``: a worker spawned by the
    crawler shows the crawler's command line between its fork and its exec (a window the
    test catches on a loaded machine); "" when it ended first."""
    deadline = time.monotonic() + wait_s
    line = forked_line
    while line == forked_line and time.monotonic() < deadline:
        time.sleep(0.01)
        try:
            line = " ".join(process.cmdline())
        except psutil.Error:
            return ""
    return line


def test_the_cli_is_the_parent_of_exactly_one_crawler_process(tmp_path: Path) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.1)  # long enough to see the crawler process at work
        links = "".join(f"<a href='/p/{i}'>p{i}</a>" for i in range(10))
        return html(f"<h1>Page</h1>{links}", "<title>Page</title>")

    app = web.Application()
    app.router.add_get("/", slow)
    app.router.add_get("/p/{i}", slow)
    with serve(app) as base:
        cli = subprocess.Popen(
            [SEARCHOPS, "crawl", base + "/", "--render", "never", "--out", str(tmp_path / "run")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        )  # fmt: skip
        parent = psutil.Process(cli.pid)
        seen: set[tuple[str, ...]] = set()
        parent_scripts: set[str] = set()
        try:
            while cli.poll() is None:
                try:
                    children = parent.children()
                    assert len(children) <= 1, [c.cmdline() for c in children]
                    # below the crawler: only its extraction workers ([crawl] extract_workers)
                    # and multiprocessing's resource tracker
                    direct = {c.pid for c in children}
                    crawler_lines = {" ".join(c.cmdline()) for c in children}
                    for worker in parent.children(recursive=True):
                        if worker.pid in direct:
                            continue
                        line = " ".join(worker.cmdline())
                        if line in crawler_lines:
                            line = _after_exec(worker, line)
                        # `uname -p`: Scrapy's start-up log of versions calls
                        # platform.platform(), which runs it once (a moment's child)
                        assert not line or "multiprocessing" in line or line == "uname -p", line
                    if children:  # the CLI has started (exec'd) and not yet exited
                        parent_scripts.add(Path(parent.cmdline()[1]).name)
                        # (a child that just exited, not yet reaped, has an empty command line)
                        seen |= {tuple(c.cmdline()[1:3]) for c in children} - {()}
                except psutil.Error:
                    pass  # a process ended between listing and reading it
                time.sleep(0.1)
        finally:
            if cli.poll() is None:
                cli.kill()
        out, err = cli.communicate()
    assert cli.returncode == 0, err
    assert seen == {("-m", "seo_crawler.process")}
    assert parent_scripts == {"searchops"}  # the CLI itself, never exec'd into another program
    assert Path(out.strip()) == (tmp_path / "run").resolve()


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
