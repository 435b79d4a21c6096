"""The weekly report rendered from workspace tables: content, degradation, escaping, size."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from reports.weekly import CONTENT_SECURITY_POLICY, write_report
from searchops.cli import main
from searchops.workspace import Workspace
from tests.reports import synthetic

SECTIONS = ("summary", "health", "findings", "vitals", "sem", "bids", "coverage")


@pytest.fixture(scope="module")
def full_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("weekly")
    ws = synthetic.build(tmp / "ws.duckdb", pages=400, weeks=3)
    return write_report(ws, tmp / "weekly.html").read_text(encoding="utf-8")


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_every_section_is_present_with_data(full_report: str) -> None:
    for section in SECTIONS:
        assert f'<section id="{section}"' in full_report
    assert 'class="missing"' not in full_report
    assert full_report.count("<svg") >= 8  # line charts, frontier, bars, sparklines


def test_summary_states_the_deltas_in_numbers(full_report: str) -> None:
    text = text_of(full_report)
    # week 3 vs week 2 in the synthetic data: nothing new in findings, product template steady
    assert "Week of 2026-11-23, compared with the week of 2026-11-16" in text
    assert "trends over 3 weeks" in text
    assert "Health scores rose in 6 audit families" in text
    assert "Overall health 75 +5.0 points" in text  # the audit's weighted overall row
    assert (
        "Review and apply 34 bid changes (17 up, 17 down): expected profit +$84.00 "
        "(90% interval +$20.00 to +$90.00) over 7 days, with spend -$14.00." in text
    )
    assert "12 ad targets" in text and "$1,860" in text
    assert (
        "Add paid coverage for 30 in-stock products expected to pay off (of 30 without ads): "
        "expected profit +$1,575" in text
    )


def test_findings_deltas_against_the_previous_week(tmp_path: Path) -> None:
    ws = synthetic.build(tmp_path / "ws.duckdb", pages=480, weeks=2)
    text = text_of(write_report(ws, tmp_path / "r.html").read_text(encoding="utf-8"))
    # week 1: titles missing on every 8th page (60); week 2: every 16th (30) -> 30 fixed;
    # week 2 adds price-0 offers on every 24th page -> 20 new errors.
    assert (
        "30 findings were fixed since the week of Nov 09; the most in SEO-META-001 (30 pages)"
        in text
    )
    assert "20 new findings appeared since the week of Nov 09, 20 of them errors" in text
    assert "Core Web Vitals pass rate of product pages fell from 95% to 30%" in text
    assert "https://shop.example.ca/en-ca/p/0" in text  # an example URL of a new finding


def test_empty_workspace_renders_every_section_as_missing(tmp_path: Path) -> None:
    Workspace(tmp_path / "empty.duckdb").close()
    html = write_report(tmp_path / "empty.duckdb", tmp_path / "r.html").read_text()
    assert html.count('class="missing"') == 7
    assert "No SEM data in this workspace yet" in html
    assert "No runs registered in this workspace yet" in html


def test_a_table_without_the_needed_columns_is_named(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws.duckdb") as ws:
        ws.append_df(
            "sem_keyword_daily", pd.DataFrame({"date": [datetime(2026, 1, 5)], "cost": [1.0]})
        )
    html = write_report(tmp_path / "ws.duckdb", tmp_path / "r.html").read_text()
    assert (
        "Table sem_keyword_daily lacks the columns clicks, conversions, conversions_value" in html
    )


def test_untrusted_text_is_escaped_and_only_http_urls_are_links(tmp_path: Path) -> None:
    payload = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    with Workspace(tmp_path / "ws.duckdb") as ws:
        ws.register_run("r1", "crawl", week=datetime(2026, 11, 16))
        ws.append_df(
            "findings",
            pd.DataFrame(
                {
                    "run_id": "r1",
                    "rule_id": "SEO-META-002",
                    "family": "meta",
                    "severity": "error",
                    "url": ["javascript:alert(3)", f"https://x.test/{payload}"],
                    "message": f"Title too long: {payload}",
                    "evidence": payload,
                    "fingerprint": ["a", "b"],
                    "change": "new",
                }
            ),
        )
    html = write_report(tmp_path / "ws.duckdb", tmp_path / "r.html").read_text()
    assert "<script" not in html and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert "javascript:alert(3)" in html  # shown as text


def test_self_contained_with_a_strict_policy(full_report: str) -> None:
    assert (
        f'http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY.replace(chr(39), "&#39;")}"'
        in full_report
    )
    assert (
        "script-src" not in CONTENT_SECURITY_POLICY
        and "default-src 'none'" in CONTENT_SECURITY_POLICY
    )
    assert "<script" not in full_report
    assert not re.search(r'\ssrc=|<link (?![^>]*href="data:)|@import|url\(', full_report)
    assert "@media print" in full_report and "@media (max-width" in full_report


def test_a_200000_page_site_stays_under_2_mb(tmp_path: Path) -> None:
    ws = synthetic.build(tmp_path / "big.duckdb", pages=200_000, weeks=12, keywords=2_000)
    out = write_report(ws, tmp_path / "big.html")
    html = out.read_text()
    assert out.stat().st_size < 2_000_000
    # aggregates, not rows: the 100,000 pages of one rule are counted, a few are shown
    assert "100,000" in html
    assert len(re.findall(r"https://shop\.example\.ca/en-ca/p/\d+", html)) < 200
    assert "trends over 12 weeks" in text_of(html)


def test_cli_writes_the_report_and_prints_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = synthetic.build(tmp_path / "ws.duckdb", pages=80, weeks=2)
    out = tmp_path / "out" / "weekly.html"
    with pytest.raises(SystemExit) as exc:
        main(["--workspace", str(ws), "report", "weekly", "--out", str(out), "--weeks", "4"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(out)
    assert "Weekly search report" in out.read_text()


def test_cli_without_a_workspace_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--workspace", str(tmp_path / "none.duckdb"), "report", "weekly"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("searchops: error:") and "no workspace here yet" in err
    assert len(err.splitlines()) == 1
