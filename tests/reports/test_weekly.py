"""The weekly report rendered from workspace tables: content, degradation, escaping, size."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import lxml.html
import pandas as pd
import pytest

from reports.weekly import CONTENT_SECURITY_POLICY, write_report
from searchops.cli import main
from searchops.workspace import Workspace
from tests.reports import synthetic

SECTIONS = (
    "summary", "health", "findings", "vitals", "sem", "bids", "coverage", "products", "ai_access",
)  # fmt: skip


@pytest.fixture(scope="module")
def full_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("weekly")
    ws = synthetic.build(tmp / "ws.duckdb", pages=400, weeks=3)
    return write_report(ws, tmp / "weekly.html").read_text(encoding="utf-8")


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# Amounts, counts, shares and scores as the report writes them: $1,234  12.5  35%  1,204
NUMBER = re.compile(r"\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?")


def summary_numbers_not_in_their_section(html: str) -> list[tuple[str, str, str]]:
    """(section, number, sentence) for each number of an executive-summary sentence that its
    section does not show, written the same way (signs aside: "fell by $5" reads "-$5")."""
    doc = lxml.html.fromstring(html)
    missing = []
    for item in doc.xpath('//section[@id="summary"]//li[@data-section]'):
        section = item.get("data-section")
        sentence = " ".join(item.itertext()).replace("out of 100", "")
        (body,) = doc.xpath(f'//section[@id="{section}"]')
        shown = set(NUMBER.findall(" ".join(body.itertext())))
        missing += [(section, n, sentence) for n in NUMBER.findall(sentence) if n not in shown]
    return missing


def test_every_summary_number_is_its_sections_number(full_report: str, tmp_path: Path) -> None:
    assert 'data-section="health"' in full_report and 'data-section="coverage"' in full_report
    assert summary_numbers_not_in_their_section(full_report) == []
    leadership = write_report(_leadership_workspace(tmp_path / "ws.duckdb"), tmp_path / "r.html")
    assert summary_numbers_not_in_their_section(leadership.read_text(encoding="utf-8")) == []
    # The check bites: a summary number the section does not show is reported.
    doctored = full_report.replace("(+5.0 points)", "(+5 points)", 1)
    assert summary_numbers_not_in_their_section(doctored)[0][:2] == ("health", "5")


def test_windows_are_stated_next_to_every_amount(full_report: str) -> None:
    text = text_of(full_report)
    # coverage: spend of the run's last 28 days, expected to go on as long; bids: 7 days ahead
    assert "($725 of spend at stake over the next 28 days)" in text
    assert "spend at stake over the next 28 days" in text.split("Catalog coverage:")[1]
    assert "over the next 7 days" in text.split("Executive summary")[1].split("Site health")[0]


def test_severities_have_one_colour_in_badges_and_charts(full_report: str) -> None:
    from reports.svg import SEVERITY_COLOURS

    chart = full_report[full_report.index("Open findings by severity") :]
    chart = chart[: chart.index("</svg>")]
    for severity, colour in SEVERITY_COLOURS.items():
        assert f"--sev-{severity}: {colour};" in full_report
        assert f".sev-{severity} {{ background: " in full_report
        assert re.search(rf"\.sev-{severity} {{[^}}]*color: var\(--sev-{severity}\)", full_report)
    legend = re.findall(r'fill="(#[0-9A-Fa-f]{6})"/><text[^>]*>(\w+)<', chart)
    assert dict((name, colour) for colour, name in legend) == SEVERITY_COLOURS
    assert f'stroke="{SEVERITY_COLOURS["error"]}"' in chart


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
    assert "Overall site health rose from 70.0 to 75.0 out of 100 (+5.0 points)." in text
    assert "Health scores rose: " in text and "structured data 83.0 to 88.0" in text
    assert "Overall health 75.0 +5.0 points" in text  # the audit's weighted overall row
    assert (
        "Review and apply 34 bid changes (17 up, 17 down): expected profit +$84.00 "
        "(likely between +$20.00 and +$90.00) over the next 7 days, with conversion value "
        "(revenue) +$171 and spend -$14.00." in text
    )
    assert (
        "Pause until back in stock: 4 ad targets land on a product out of stock "
        "($725 of spend at stake over the next 28 days)." in text
    )
    assert "Paid search revenue rose by $240 (4%) to $6,240 in the week of Nov 23" in text
    assert (
        # 23 of the 30 products expected to earn at least [report] material_amount ($25)
        "Add paid coverage for 23 in-stock products expected to pay off (of 30 without ads): "
        "expected profit +$1,471 over the next 28 days" in text
    )


def test_findings_deltas_against_the_previous_week(tmp_path: Path) -> None:
    ws = synthetic.build(tmp_path / "ws.duckdb", pages=480, weeks=2)
    text = text_of(write_report(ws, tmp_path / "r.html").read_text(encoding="utf-8"))
    # week 1: titles missing on every 8th page (60); week 2: every 16th (30) -> 30 fixed;
    # week 2 adds price-0 offers on every 24th page -> 20 new errors.
    assert (
        "30 site problems were fixed since the week of Nov 09; the most: “Title is missing” "
        "(30 pages)" in text
    )
    assert "20 new site problems appeared since the week of Nov 09, 20 of them errors" in text
    assert "the share of product pages passing fell from 95% to 30%" in text
    assert "https://shop.example.ca/en-ca/p/0" in text  # an example URL of a new finding


def test_empty_workspace_renders_every_section_as_missing(tmp_path: Path) -> None:
    Workspace(tmp_path / "empty.duckdb").close()
    html = write_report(tmp_path / "empty.duckdb", tmp_path / "r.html").read_text()
    assert html.count('class="missing"') == 9
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
        # An imported keyword and a crawled URL reach the wasted-spend chart (label, tooltip).
        ws.register_run("cov", "coverage", week=datetime(2026, 11, 16), stats={"horizon_days": 28})
        ws.append_df(
            "coverage_waste",
            pd.DataFrame(
                {
                    "run_id": "cov",
                    "url": [f"https://x.test/{payload}", "javascript:alert(4)"],
                    "reason": ["out_of_stock", f"x{payload}"],
                    "channel": "keyword",
                    "keyword": [payload, f"=HYPERLINK({payload})"],
                    "spend_at_stake": [10.0, 5.0],
                }
            ),
        )
    html = write_report(tmp_path / "ws.duckdb", tmp_path / "r.html").read_text()
    assert "Spend on ads landing" in html  # the chart with the hostile labels was drawn
    assert "<script" not in html and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert "javascript:alert(3)" in html  # shown as text
    assert (
        f'http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}'
        in html.replace("&#39;", "'")
    )


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
    # aggregates, not rows: the open findings (100,000 of one rule) are counted, a few shown
    with Workspace(ws, read_only=True) as workspace:
        (open_now,) = workspace.con.execute(  # type: ignore[misc]
            "SELECT count(*) FROM findings WHERE run_id = 'crawl-w12'"
        ).fetchone()
    assert open_now > 100_000 and f">{open_now:,}<" in html
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


def _leadership_workspace(path: Path) -> Path:
    """The demo's week-2 story in small: revenue down 11%, bids that trade revenue for
    profit, an out-of-stock keyword, unprofitable and immaterial opportunities."""
    synthetic.build(path, pages=200, weeks=2, keywords=20)
    with Workspace(path) as ws:
        con = ws.con
        # Revenue of the last full week down (every conversion worth 30% less).
        con.execute(
            "UPDATE sem_keyword_daily SET conversions_value = conversions_value * 0.7 "
            "WHERE date >= DATE '2026-11-16'"
        )
        con.execute(
            "UPDATE bid_recommendations SET d_value = -2837.5, d_profit = 60, d_cost = -2900, "
            "reasons = 'LOWER_MARGINAL_RETURN;STEP_CAP' WHERE keyword = 'red shoes 1'"
        )
        con.execute(
            "UPDATE bid_recommendations SET reasons = 'LOWER_MARGINAL_RETURN;NO_INCREASE_OUT_OF_STOCK', "
            "d_profit = 30 WHERE keyword = 'red shoes 4'"
        )
        con.execute("UPDATE bid_recommendations SET d_profit = 0.22 WHERE keyword = 'red shoes 7'")
        con.execute(
            "UPDATE coverage_opportunities SET profit = -50 - profit WHERE name <> 'Product 0'"
        )
        con.execute(
            "INSERT INTO coverage_opportunities SELECT run_id, 'Tiny', url || '-tiny', category, "
            "price, 0.22, 0, 1 FROM coverage_opportunities WHERE name = 'Product 0'"
        )
        con.execute(
            "UPDATE coverage_waste SET url = replace(url, '/en-ca/p/', "
            "'/en-ca/catalogue/camping-and-hiking/tents/ultralight-')"
        )
    return path


def test_leadership_reads_every_number_in_words_and_only_what_pays(tmp_path: Path) -> None:
    ws = _leadership_workspace(tmp_path / "ws.duckdb")
    html = write_report(ws, tmp_path / "r.html").read_text(encoding="utf-8")
    text = text_of(html)
    summary = text[text.index("Executive summary") : text.index("Site health by audit family")]
    # The revenue drop and the bids' value change are said, with what to do.
    assert re.search(r"Paid search revenue fell by \$[\d,.]+ \(\d\d%\)", summary), summary
    assert "Find where the $" in summary
    assert "conversion value (revenue) -$" in summary and "Revenue goes down by $" in summary
    # Out of stock: pause, in the summary and in the bid table.
    assert "Pause the 1 keyword advertising out-of-stock products" in summary
    assert "Pause (product out of stock)" in text
    # No rule IDs, config keys or reason codes for leadership.
    for code in ("SEO-", "LOWER_MARGINAL_RETURN", "STEP_CAP", "[vitals", "[report", "_"):
        assert code not in summary, code
    assert "LOWER_MARGINAL_RETURN" not in text and "SEO-META-001" not in text
    assert "[vitals.thresholds]" not in text
    # Only opportunities that pay, and only material ones: one product is left.
    coverage = text[text.index("Top opportunities") : text.index("Wasted spend")]
    assert "Product 0" in coverage and "Product 1 " not in coverage and "Tiny" not in coverage
    assert "-$" not in coverage.split("Expected profit", 1)[1].split("Product 0")[0]
    bids = text[text.index("Largest expected changes") : text.index("Catalog coverage")]
    assert "red shoes 7 " not in bids  # worth +$0.22: not a decision for leadership
    # Wasted-spend chart: one distinct label per ad target, the landing page in its tooltip.
    start = html.index("Spend on ads landing")
    chart = html[start : html.index("</svg>", start)]
    labels = re.findall(r'text-anchor="end" font-size="12" fill="#333">([^<]*)<', chart)
    assert len(labels) == 10 and len(set(labels)) == 10 and "gone 0" in labels
    assert "gone 0 → https://shop.example.ca/en-ca/catalogue/camping-and-hiking/tents/" in chart
    # Vitals: how it was measured.
    assert "with the mobile profile" in text and "60 pages this week, 3 loads each" in text


def test_no_profitable_product_says_so_and_lists_none(tmp_path: Path) -> None:
    ws = synthetic.build(tmp_path / "ws.duckdb", pages=100, weeks=2, keywords=10)
    with Workspace(ws) as workspace:
        workspace.con.execute("UPDATE coverage_opportunities SET profit = -profit")
    text = text_of(write_report(ws, tmp_path / "r.html").read_text(encoding="utf-8"))
    assert "30 none expected to pay off with ads" in text
    assert "Top opportunities" not in text and "Add paid coverage" not in text
