"""What a new user reads: findings that name what they judge, numbers as people write them."""

from __future__ import annotations

import re
from pathlib import Path

from tests.hostile.crawling import crawl, findings, rule_urls
from tests.hostile.server import HostileServer, Reply, cli


def test_findings_name_the_target_and_widths_are_whole_pixels(tmp_path: Path) -> None:
    server = HostileServer()
    server.route(
        "/",
        Reply.html(
            "<h1>Home</h1><a href='/new'>new</a>",
            "<title>Home</title><link rel='canonical' href='/old'>",
        ),
    )
    server.route("/old", Reply(status=301, headers={"Location": "/new"}))
    server.route("/new", Reply.html("<h1>New</h1>", "<title>New</title>"))
    result, run = crawl(server, tmp_path)
    assert result.returncode == 0, result.stderr
    found = findings(run, tmp_path)
    canonical = rule_urls(found, "SEO-INDEX-008")[server.base + "/"]
    assert f"{server.base}/old" in canonical and f"{server.base}/new" in canonical
    widths = [f["message"] for f in found if " px wide" in f["message"]]
    assert widths and not any(re.search(r"\d\.\d+ px wide", m) for m in widths), widths
    table = cli("audit", str(run), "--fail-on", "never", cwd=tmp_path)
    skipped = [line for line in table.stdout.splitlines() if line.startswith("skipped")]
    assert any(
        "no vitals measured for this run (searchops vitals --from RUN)" in line for line in skipped
    )
    assert not any("in this run" in line and "baseline" in line for line in skipped), skipped


def test_rules_show_the_why(tmp_path: Path) -> None:
    one = cli("rules", "SEO-INDEX-008", cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    for label in ("why:", "anti-pattern:", "fix:", "source: https://"):
        assert label in one.stdout, one.stdout
    listing = cli("rules", "--detail", cwd=tmp_path)
    count = int(listing.stdout.split()[0])
    assert listing.stdout.count("\n    why: ") == count
    assert "--detail" in cli("rules", cwd=tmp_path).stdout.splitlines()[0]
    unknown = cli("rules", "SEO-NOPE-001", cwd=tmp_path)
    assert unknown.returncode == 2 and "no rule or family" in unknown.stderr
