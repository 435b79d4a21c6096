"""Hostile pages: each is recorded in pages.parquet and judged by a rule, never dropped."""

from __future__ import annotations

import gzip
from pathlib import Path

from tests.hostile.crawling import crawl, findings, pages, rule_urls
from tests.hostile.server import HostileServer, Reply

HOME = Reply.html("<h1>Home</h1><a href='/hostile'>x</a>", "<title>Home</title>")


def test_jsonld_nested_past_the_parsers_recursion_limit_is_a_finding(tmp_path: Path) -> None:
    deep = '{"@context":"https://schema.org","@type":"Thing","x":' + "[" * 1200 + "]" * 1200 + "}"
    server = HostileServer().route("/", HOME)
    server.route(
        "/hostile",
        Reply.html(
            "<h1>Deep</h1>",
            f"<title>Deep</title><script type='application/ld+json'>{deep}</script>"
            '<script type=\'application/ld+json\'>{"@type":"Organization","name":"ok"}</script>',
        ),
    )
    result, run = crawl(server, tmp_path)
    assert result.returncode == 0, result.stderr
    row = pages(run).set_index("url").loc[server.base + "/hostile"]
    assert row["fetch_state"] == "fetched" and row["title"] == "Deep"
    assert "nested deeper than" in row["structured_data_errors"][0]
    assert "Organization" in row["structured_data"]  # the other block is kept
    assert "extraction worker lost" not in (run / "crawl.log").read_text()
    found = rule_urls(findings(run, tmp_path), "SEO-SCHEMA-001")
    assert server.base + "/hostile" in found


def test_a_page_the_spider_cannot_process_is_an_error_row_and_counted(tmp_path: Path) -> None:
    server = HostileServer().route("/", HOME)
    server.route("/hostile", Reply(status=301, headers={"Location": "http://[::1/x"}))
    result, run = crawl(server, tmp_path)
    assert result.returncode == 0, result.stderr
    row = pages(run).set_index("url").loc[server.base + "/hostile"]
    assert row["fetch_state"] == "error" and row["status"] == 301
    assert row["error"].startswith("extraction failed: ValueError")
    assert "1 errors" in result.stderr or "1 error" in result.stderr
    assert server.base + "/hostile" in rule_urls(findings(run, tmp_path), "SEO-LINKS-012")


def test_over_the_cap_bombs_and_lying_content_lengths_are_findings(tmp_path: Path) -> None:
    (tmp_path / "searchops.toml").write_text("[crawl]\nmax_bytes = 200000\n")
    links = "".join(f"<a href='/p{i}'>p</a>" for i in range(30))
    page = f"<html><head><title>T</title></head><body><h1>T</h1>{links}</body></html>".encode()
    server = HostileServer()
    server.route(
        "/",
        Reply.html("".join(f"<a href='/{p}'>{p}</a>" for p in ("big", "bomb", "short", "long"))),
    )
    server.route("/big", Reply(body=b"<html><body>" + b"a" * 300_000))
    server.route(
        "/bomb", Reply(body=gzip.compress(b" " * 5_000_000), headers={"Content-Encoding": "gzip"})
    )
    server.route("/short", Reply(body=page, content_length=120))  # declares less than the page
    server.route("/long", Reply(body=page, content_length=len(page) + 500))  # sends less
    result, run = crawl(server, tmp_path, "--max-pages", "5")
    assert result.returncode == 0, result.stderr
    rows = pages(run).set_index("url")
    url = {name: f"{server.base}/{name}" for name in ("big", "bomb", "short", "long")}
    assert (
        rows.loc[url["big"], "fetch_state"] == rows.loc[url["bomb"], "fetch_state"] == "too_large"
    )
    assert rows.loc[url["short"], "truncated"] and rows.loc[url["long"], "truncated"]
    assert rows.loc[url["long"], "bytes"] == len(page)  # what arrived is kept
    assert "4 errors" in result.stderr
    found = findings(run, tmp_path)
    too_large = rule_urls(found, "SEO-LINKS-013")
    assert set(too_large) == {url["big"], url["bomb"]}
    assert "compression bomb" in too_large[url["bomb"]]
    assert set(rule_urls(found, "SEO-CONTENT-008")) == {url["short"], url["long"]}


def test_custom_session_parameters_are_traps(tmp_path: Path) -> None:
    (tmp_path / "searchops.toml").write_text(
        '[crawl]\nskip_params = ["sessionid", "jsessionid", "token"]\n'
    )
    server = HostileServer()
    links = (
        "<a href='/c?token=a1'>a</a><a href='/c;jsessionid=F00'>b</a><a href='/c?sessionid=9'>c</a>"
    )
    server.route("/", Reply.html(f"<h1>Home</h1>{links}<a href='/c'>c</a>", "<title>Home</title>"))
    server.route("/c", Reply.html("<h1>C</h1>", "<title>C</title>"))
    result, run = crawl(server, tmp_path)
    assert result.returncode == 0, result.stderr
    rows = pages(run).set_index("url")
    traps = {url.removeprefix(server.base) for url in rows.index[rows["trap"] == "session-id"]}
    assert traps == {"/c?token=a1", "/c;jsessionid=F00", "/c?sessionid=9"}
    assert not any(";" in path or "=" in path for path in server.paths()), server.paths()
    assert len(rule_urls(findings(run, tmp_path), "SEO-LINKS-011")) == 3
