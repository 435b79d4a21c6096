"""Hostile pages: each is recorded in pages.parquet and judged by a rule, never dropped."""

from __future__ import annotations

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
