"""`searchops ai-access` end to end: a local site whose robots.txt and WAF treat bots apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
from aiohttp import web

from tests.crawler.sites import html, serve

SEARCHOPS = str(Path(sys.executable).parent / "searchops")
ROBOTS = """User-agent: GPTBot
Disallow: /

User-agent: PerplexityBot
Disallow: /p/

User-agent: *
Allow: /
"""
WAF_REFUSES = ("OAI-SearchBot", "ClaudeBot")  # a CDN rule answering 403 to these agents


def _site(seen: list[str]) -> web.Application:
    @web.middleware
    async def waf(request: web.Request, handler: object) -> web.StreamResponse:
        agent = request.headers.get("User-Agent", "")
        seen.append(f"{request.path} {agent}")
        if any(bot in agent for bot in WAF_REFUSES):
            return web.Response(status=403, text="Access denied")
        return await handler(request)  # type: ignore[operator]

    async def robots(request: web.Request) -> web.Response:
        return web.Response(text=ROBOTS)

    async def llms(request: web.Request) -> web.Response:
        return web.Response(text="# Example store\n> Outdoor gear\n")

    async def page(request: web.Request) -> web.Response:
        return html("<h1>Page</h1>", "<title>Page</title>")

    app = web.Application(middlewares=[waf])
    app.router.add_get("/robots.txt", robots)
    app.router.add_get("/llms.txt", llms)
    app.router.add_get("/{tail:.*}", page)
    return app


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SEARCHOPS, "--workspace", str(tmp_path / "ws.duckdb"), "ai-access", *args],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip


def test_ai_access_reports_robots_server_answers_and_policy_per_crawler(tmp_path: Path) -> None:
    seen: list[str] = []
    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\ntraining = "block"\n[crawler_policy]\nClaudeBot = "allow"\n')
    with serve(_site(seen)) as base:
        urls = [base + "/", base + "/p/tent-1"]
        default = _run(tmp_path, *urls, "--format", "json")
        strict = _run(tmp_path, *urls, "--policy", str(policy), "--format", "json")
        table = _run(tmp_path, base + "/", "--fail-on", "never")
        bad = _run(tmp_path, base + "/", "--policy", str(tmp_path / "missing.toml"))
    assert default.returncode == 1, default.stderr  # OAI-SearchBot and PerplexityBot fail
    rows = {r["crawler"]: r for r in json.loads(default.stdout)}
    assert len(rows) == 14  # 13 crawlers and the llms.txt line
    assert rows["Googlebot"]["verdict"] == "ok" and rows["Bingbot"]["verdict"] == "ok"
    oai = rows["OAI-SearchBot"]
    assert (oai["verdict"], oai["severity"], oai["robots"]) == ("fail", "warning", "allowed")
    assert oai["server"] == "refused: 403 (a browser gets 200)"
    perplexity = rows["PerplexityBot"]
    assert perplexity["verdict"] == "fail" and perplexity["robots"] == "disallowed for 1 of 2 URLs"
    assert rows["ChatGPT-User"]["verdict"] == "ok"  # user-triggered fetches: allowed, and served
    for training in ("GPTBot", "ClaudeBot", "CCBot", "Google-Extended", "Applebot-Extended"):
        assert rows[training]["verdict"] == "info"  # the owner's choice by default
    assert rows["GPTBot"]["robots"] == "disallowed"
    assert rows["Google-Extended"]["server"] == "not fetched (robots.txt token only)"
    assert (
        rows["llms.txt"]["server"].startswith("present (") and rows["llms.txt"]["verdict"] == "info"
    )
    # every crawler with a User-Agent fetched both URLs under its documented header
    assert sum(1 for line in seen if line.startswith("/p/tent-1 ") and "GPTBot/1.3" in line) >= 1
    assert not any("Google-Extended" in line for line in seen)

    strict_rows = {r["crawler"]: r for r in json.loads(strict.stdout)}
    assert strict_rows["GPTBot"]["verdict"] == "ok"  # blocked by robots.txt, as wanted
    assert strict_rows["CCBot"]["verdict"] == "fail"  # robots.txt lets it in
    assert strict_rows["ClaudeBot"]["policy"] == "allow"  # the per-crawler override
    assert strict_rows["ClaudeBot"]["verdict"] == "fail" and "refused: 403" in strict_rows[
        "ClaudeBot"
    ]["message"].replace("the server ", "")

    assert table.returncode == 0, table.stderr  # --fail-on never
    assert "OAI-SearchBot" in table.stdout and "crawler(s) against the policy" in table.stderr
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "cannot read the policy" in bad.stderr

    with duckdb.connect(str(tmp_path / "ws.duckdb"), read_only=True) as con:
        checks = con.execute(
            "SELECT count(DISTINCT checked_at), count(*) FROM ai_access"
        ).fetchone()
    assert checks == (3, 42)

    # the weekly report reads the newest check: the crawlers against the policy, and llms.txt
    report = subprocess.run(
        [SEARCHOPS, "--workspace", str(tmp_path / "ws.duckdb"), "report", "weekly",
         "--out", str(tmp_path / "weekly.html")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "weekly.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="ai_access">') :]
    section = section[: section.index("</section>")]
    assert "OAI-SearchBot" in section and "refused: 403 (a browser gets 200)" in section
    assert "Googlebot" not in section  # served as the policy says: not a problem line
    assert "llms.txt (information only" in section and "present (" in section
