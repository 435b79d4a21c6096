"""robots.txt that fails, hangs, is too long or names odd sitemaps, crawled through the CLI.

Google's handling (developers.google.com/search/docs/crawling-indexing/robots/robots_txt):
5xx/429 -> disallow everything; unreachable (timeout, network) -> the same; 4xx -> allow
everything; only the first 500 KiB are read. Each outcome is recorded in robots.parquet and
becomes a finding; the server's log shows what was fetched.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from aiohttp import web

from tests.crawler.sites import html, serve

SEARCHOPS = str(Path(sys.executable).parent / "searchops")
PAGES = ("/", "/early/a", "/late/b", "/public/c")


def site(
    log: list[str],
    robots: web.Response | None = None,
    *,
    robots_hang: float = 0.0,
    robots_text: Callable[[str], str] | None = None,
) -> web.Application:
    """The site; ``robots``: robots.txt's answer, or ``robots_text(host)`` its text."""

    @web.middleware
    async def record(request: web.Request, handler: object) -> web.StreamResponse:
        log.append(request.path)
        return await handler(request)  # type: ignore[operator]

    async def robots_txt(request: web.Request) -> web.Response:
        if robots_hang:
            await asyncio.sleep(robots_hang)
        if robots_text is not None:
            return web.Response(text=robots_text(request.host))
        assert robots is not None
        return robots

    async def home(request: web.Request) -> web.Response:
        links = "".join(f"<a href='{p}'>{p}</a>" for p in PAGES[1:])
        return html(f"<h1>Home</h1>{links}", "<title>Home</title>")

    async def page(request: web.Request) -> web.Response:
        return html(f"<h1>{request.path}</h1>", f"<title>{request.path}</title>")

    async def sitemap(request: web.Request) -> web.Response:
        loc = f"http://{request.host}/public/{request.match_info['name']}"
        return web.Response(
            text=f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{loc}</loc></url></urlset>',
            content_type="application/xml",
        )

    app = web.Application(middlewares=[record])
    app.router.add_get("/robots.txt", robots_txt)
    app.router.add_get("/", home)
    app.router.add_get("/maps/{name}.xml", sitemap)
    app.router.add_get("/{tail:.+}", page)
    return app


def crawl(
    tmp_path: Path, base: str, *extra: str, extra_config: str = ""
) -> tuple[subprocess.CompletedProcess[str], Path]:
    config = tmp_path / "searchops.toml"
    config.write_text("[crawl]\nretries = 0\ntimeout_s = 1.0\nmax_bytes = 1000000\n" + extra_config)
    run = tmp_path / "run"
    result = subprocess.run(
        [SEARCHOPS, "--config", str(config), "--workspace", str(tmp_path / "ws.duckdb"),
         "crawl", base + "/", "--render", "never", "--out", str(run), *extra],
        capture_output=True, text=True, cwd=tmp_path, timeout=180,
    )  # fmt: skip
    return result, run


def audit(tmp_path: Path, run: Path) -> list[dict[str, str]]:
    result = subprocess.run(
        [SEARCHOPS, "audit", str(run), "--format", "json", "--fail-on", "never"],
        capture_output=True, text=True, cwd=tmp_path, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["findings"]  # type: ignore[no-any-return]


def robots_row(run: Path) -> dict[str, object]:
    rows = pd.read_parquet(run / "robots.parquet").to_dict("records")
    assert len(rows) == 1
    return rows[0]


def test_robots_txt_answering_503_blocks_the_site_and_is_reported(tmp_path: Path) -> None:
    log: list[str] = []
    with serve(site(log, web.Response(status=503, text="busy"))) as base:
        result, run = crawl(tmp_path, base)
    assert result.returncode == 0, result.stderr
    assert [p for p in log if p != "/robots.txt"] == []  # nothing but robots.txt was requested
    row = robots_row(run)
    assert row["outcome"] == "disallow_all" and row["status"] == 503
    pages = pd.read_parquet(run / "pages.parquet")
    assert list(pages.fetch_state) == ["blocked_robots"] and "HTTP 503" in pages.error[0]
    found = [(f["rule_id"], f["url"]) for f in audit(tmp_path, run)]
    assert ("SEO-ROBOTS-001", base + "/robots.txt") in found


def test_robots_txt_that_hangs_is_unreachable_nothing_fetched(tmp_path: Path) -> None:
    log: list[str] = []
    with serve(site(log, web.Response(text=""), robots_hang=5.0)) as base:
        result, run = crawl(tmp_path, base)
    # every start URL failed: the crawl fails, saying why, and keeps what it recorded
    assert result.returncode == 2 and "robots.txt unreachable" in result.stderr, result.stderr
    assert [p for p in log if p != "/robots.txt"] == []
    row = robots_row(run)
    assert row["outcome"] == "disallow_all" and pd.isna(row["status"])
    assert "took longer than" in str(row["error"])
    found = {f["rule_id"] for f in audit(tmp_path, run)}
    assert "SEO-ROBOTS-001" in found


def test_robots_txt_over_500_kib_read_up_to_the_limit(tmp_path: Path) -> None:
    # 2 MB, over the crawl's 1 MB download cap too: the first 500 KiB are read, as Google
    early = "User-agent: *\nDisallow: /early/\n"
    filler = ("# " + "x" * 97 + "\n") * 20_000
    body = early + filler + "Disallow: /late/\n"
    log: list[str] = []
    with serve(site(log, web.Response(text=body, content_type="text/plain"))) as base:
        result, run = crawl(tmp_path, base)
    assert result.returncode == 0, result.stderr
    assert "/early/a" not in log and "/late/b" in log  # the rule after 500 KiB is not applied
    row = robots_row(run)
    assert row["outcome"] == "rules" and row["truncated"] and row["size"] == len(body)
    assert row["bytes"] == 512000
    findings = audit(tmp_path, run)
    assert ("SEO-ROBOTS-003", base + "/robots.txt") in {(f["rule_id"], f["url"]) for f in findings}


def test_robots_user_agent_picks_the_group(tmp_path: Path) -> None:
    # a browser-like User-Agent names no crawler: [crawl] robots_user_agent says which group
    log: list[str] = []

    def robots_text(host: str) -> str:
        return "User-agent: *\nDisallow: /late/\n\nUser-agent: Googlebot\nDisallow: /early/\n"

    with serve(site(log, robots_text=robots_text)) as base:
        result, _run = crawl(
            tmp_path,
            base,
            extra_config='user_agent = "Mozilla/5.0 (compatible; Googlebot/2.1)"\n'
            'robots_user_agent = "Googlebot"\n',
        )
    assert result.returncode == 0, result.stderr
    assert "/early/a" not in log and "/late/b" in log


def test_robots_txt_404_allows_everything(tmp_path: Path) -> None:
    log: list[str] = []
    with serve(site(log, web.Response(status=404, text="no"))) as base:
        result, run = crawl(tmp_path, base)
    assert result.returncode == 0, result.stderr
    assert set(PAGES) <= set(log)
    assert robots_row(run)["outcome"] == "allow_all"
    assert not {f["rule_id"] for f in audit(tmp_path, run)} & {"SEO-ROBOTS-001", "SEO-ROBOTS-002"}


def test_relative_and_javascript_sitemap_lines_keep_the_other_sitemaps(tmp_path: Path) -> None:
    log: list[str] = []

    def robots_text(host: str) -> str:
        return (
            "Sitemap: javascript:alert(1)\n"
            "Sitemap: /maps/relative.xml\n"
            f"Sitemap: http://{host}/maps/absolute.xml\n"
            "User-agent: *\nDisallow: /early/\n"
        )

    with serve(site(log, robots_text=robots_text)) as base:
        result, run = crawl(tmp_path, base)
    assert result.returncode == 0, result.stderr
    sitemaps = set(pd.read_parquet(run / "sitemaps.parquet").sitemap)
    assert sitemaps == {base + "/maps/relative.xml", base + "/maps/absolute.xml"}
    assert {"/public/relative", "/public/absolute"} <= set(log) and "/early/a" not in log
    issues = robots_row(run)["issues"]
    assert [(i["line"], i["message"]) for i in issues] == [  # type: ignore[union-attr]
        (1, "Invalid sitemap URL"),
        (2, "Invalid sitemap URL"),
    ]
    findings = [f for f in audit(tmp_path, run) if f["rule_id"] == "SEO-ROBOTS-002"]
    assert sorted(f["evidence"] for f in findings) == [
        "line 1: Sitemap: javascript:alert(1)",
        "line 2: Sitemap: /maps/relative.xml",
    ]
