"""Hostile robots.txt: huge, a gzip bomb, cut short, redirect chains and redirects away.

Each is read the way Google documents (robots_txt#handling-http-result-codes, #file-format),
recorded in robots.parquet and, when it costs the site anything, reported by a rule; the
server's request log shows that nothing robots.txt did not allow was fetched.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd

from tests.hostile.crawling import crawl, findings, pages, rule_urls
from tests.hostile.server import HostileServer, Reply

HOME = Reply.html("<h1>Home</h1><a href='/early'>e</a><a href='/late'>l</a>", "<title>Home</title>")
PAGE = Reply.html("<h1>Page</h1>", "<title>Page</title>")


def robots_row(run: Path) -> dict[str, object]:
    rows = pd.read_parquet(run / "robots.parquet").to_dict("records")
    assert len(rows) == 1
    return rows[0]


def site() -> HostileServer:
    return HostileServer().route("/", HOME).route("/early", PAGE).route("/late", PAGE)


def test_a_50_mb_robots_txt_is_read_to_500_kib(tmp_path: Path) -> None:
    size = 50 * 1024 * 1024
    head = b"User-agent: *\nDisallow: /early\n"
    tail = b"Disallow: /late\n"
    body = head + b"#" * (size - len(head) - len(tail) - 1) + b"\n" + tail
    server = site().route("/robots.txt", Reply(body=body, content_type="text/plain"))
    result, run = crawl(server, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "/early" not in server.paths() and "/late" in server.paths()
    row = robots_row(run)
    assert row["outcome"] == "rules" and row["truncated"]
    assert (row["size"], row["bytes"]) == (size, 512000)
    assert server.base + "/robots.txt" in rule_urls(findings(run, tmp_path), "SEO-ROBOTS-003")


def test_a_gzip_bomb_robots_txt_blocks_the_site_without_inflating_it(tmp_path: Path) -> None:
    bomb = gzip.compress(b"#" * 100_000_000, compresslevel=9)  # 100 MB inflated, ~100 KB sent
    server = site().route(
        "/robots.txt",
        Reply(body=bomb, content_type="text/plain", headers={"Content-Encoding": "gzip"}),
    )
    (tmp_path / "searchops.toml").write_text("[crawl]\nmax_bytes = 2000000\n")
    result, run = crawl(server, tmp_path)
    # nothing could be read: the host counts as unreachable, the crawl says so on one line
    assert result.returncode == 2 and "robots.txt unreachable" in result.stderr, result.stderr
    assert [p for p in server.paths() if p != "/robots.txt"] == []
    row = robots_row(run)
    assert row["outcome"] == "disallow_all" and "DOWNLOAD_MAXSIZE" in str(row["error"])
    assert list(pages(run).fetch_state) == ["error"]


def test_a_robots_txt_cut_short_is_an_interrupted_connection(tmp_path: Path) -> None:
    # the rules after the cut are unknown: Google treats an interrupted connection as a
    # server error, so nothing is fetched (here /late would be allowed by what arrived)
    body = b"User-agent: *\nDisallow: /early\n" + b"Disallow: /late\n" * 100
    server = site().route("/robots.txt", Reply(body=body, content_type="text/plain", send_bytes=40))
    result, run = crawl(server, tmp_path)
    assert result.returncode == 0, result.stderr
    assert [p for p in server.paths() if p != "/robots.txt"] == []
    row = robots_row(run)
    assert row["outcome"] == "disallow_all" and "ended after 40 of" in str(row["reason"])
    assert set(pages(run).fetch_state) == {"blocked_robots"}
    assert server.base + "/robots.txt" in rule_urls(findings(run, tmp_path), "SEO-ROBOTS-001")


def test_robots_txt_redirects_followed_five_times_then_allow_all(tmp_path: Path) -> None:
    server = site()
    server.route("/robots.txt", Reply(status=301, headers={"Location": "/r1"}))
    for hop in range(1, 6):
        server.route(f"/r{hop}", Reply(status=301, headers={"Location": f"/r{hop + 1}"}))
    server.route("/r6", Reply(body=b"User-agent: *\nDisallow: /\n", content_type="text/plain"))
    result, run = crawl(server, tmp_path)
    assert result.returncode == 0, result.stderr
    # Google follows five hops, then treats robots.txt as not found: everything allowed
    assert "/r6" not in server.paths() and {"/early", "/late"} <= set(server.paths())
    row = robots_row(run)
    assert row["outcome"] == "allow_all" and len(row["redirect_chain"]) == 6  # type: ignore[arg-type]


def test_robots_txt_redirect_within_the_site_is_followed(tmp_path: Path) -> None:
    server = site()
    server.route("/robots.txt", Reply(status=301, headers={"Location": "/rules.txt"}))
    server.route(
        "/rules.txt", Reply(body=b"User-agent: *\nDisallow: /early\n", content_type="text/plain")
    )
    result, run = crawl(server, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "/early" not in server.paths() and "/late" in server.paths()
    row = robots_row(run)
    assert row["outcome"] == "rules" and row["final_url"] == server.base + "/rules.txt"


def test_robots_txt_redirect_out_of_scope_is_not_followed(tmp_path: Path) -> None:
    other = HostileServer().route("/robots.txt", Reply(body=b"User-agent: *\nAllow: /\n"))
    with other.running() as elsewhere:
        server = site().route(
            "/robots.txt", Reply(status=302, headers={"Location": elsewhere + "/robots.txt"})
        )
        result, run = crawl(server, tmp_path)
    assert other.paths() == []  # another origin: never contacted
    assert [p for p in server.paths() if p != "/robots.txt"] == []
    assert result.returncode == 0, result.stderr  # the site answered: blocked, not down
    assert robots_row(run)["outcome"] == "disallow_all"
    assert set(pages(run).fetch_state) == {"blocked_robots"}
    assert server.base + "/robots.txt" in rule_urls(findings(run, tmp_path), "SEO-ROBOTS-001")
