"""Core Web Vitals in the weekly report: how many pages a pass rate rests on, and a template
regression only where the audit's statistical regression rule (SEO-VITALS-013) found one."""

from __future__ import annotations

from datetime import datetime
from html import unescape
from pathlib import Path

import pandas as pd

from reports.weekly import write_report
from searchops.workspace import Workspace
from tests.reports.test_weekly import summary_numbers_not_in_their_section, text_of

WEEKS = (datetime(2026, 11, 23), datetime(2026, 11, 30))
SITE = "https://shop.example.ca"
RULE_MESSAGE = (
    "Template 'product': LCP median 408 ms -> 2,788 ms (+2,380 ms, +583%) since the baseline"
)


def _week(ws: Workspace, week: int, product_lcp: float, regression_found: bool | None) -> None:
    """3 pages x 2 loads per template, as the demo measures; ``regression_found`` None: the
    week's audit had no baseline (the rule could not run)."""
    run = f"crawl-w{week}"
    ws.register_run(run, "crawl", week=WEEKS[week - 1])
    rows = []
    for template in ("home", "product"):
        for i in range(3):
            lcp = product_lcp if template == "product" else 900.0
            url = f"{SITE}/{template}/{i}"
            rows += [
                (template, url, "lcp_ms", lcp, "good" if lcp <= 2500 else "poor"),
                (template, url, "cls", 0.0, "good"),
            ]
    pages = pd.DataFrame(rows, columns=["template", "url", "metric", "p75", "rating"])
    pages = pages.assign(run_id=run, p50=pages["p75"], iqr=0.0, n=2, profile="desktop")
    ws.replace_rows("vitals_pages", pages, "run_id", run)
    per_template = pages.groupby(["template", "metric"], as_index=False)["p75"].max()
    per_template = per_template.assign(run_id=run, p50=0.0, iqr=0.0, n=6, rating="good")
    ws.replace_rows("vitals_templates", per_template, "run_id", run)
    audit = f"audit-{run}"
    ws.register_run(audit, "audit", week=WEEKS[week - 1])
    found = pd.DataFrame(
        {
            "run_id": audit,
            "baseline_run_id": pd.Series(
                [None if regression_found is None else "crawl-w1"] * 2, dtype="string"
            ),
            "rule_id": ["SEO-META-001", "SEO-VITALS-013"],
            "family": ["meta", "vitals"],
            "severity": "error",
            "url": [f"{SITE}/home/0", f"{SITE}/product/0"],
            "message": ["Title is missing", RULE_MESSAGE],
            "evidence": "",
            "fingerprint": ["a", "b"],
            "change": pd.Series([None, None], dtype="string"),
        }
    )
    ws.replace_rows("findings", found.head(2 if regression_found else 1), "run_id", audit)


def _report(path: Path, regression_found: bool | None) -> str:
    with Workspace(path / "ws.duckdb") as ws:
        _week(ws, 1, product_lcp=1500.0, regression_found=None)
        _week(ws, 2, product_lcp=2700.0, regression_found=regression_found)
    return write_report(path / "ws.duckdb", path / "r.html").read_text(encoding="utf-8")


def _summary(html: str) -> str:
    text = unescape(text_of(html))
    return text[text.index("Executive summary") : text.index("Site health by audit family")]


def test_a_pass_rate_drop_the_rule_does_not_confirm_is_no_regression(tmp_path: Path) -> None:
    html = _report(tmp_path, regression_found=False)
    summary = _summary(html)
    assert (
        "the share of product pages passing fell from 100% to 0% (0 of 3 pages measured, "
        "3 of 3 the week before): with 3 pages measured this is not a confirmed regression "
        "(the statistical regression test over every load finds no slowdown beyond lab noise)"
    ) in summary
    assert "Find what slowed" not in summary and "got slower" not in summary
    assert "have more of them measured" in summary
    vitals = text_of(html).split("Core Web Vitals by template")[1]
    assert "0% (0 of 3 pages)" in vitals and "no slowdown beyond lab noise" in vitals
    assert summary_numbers_not_in_their_section(html) == []


def test_a_regression_the_rule_found_is_said_with_its_numbers(tmp_path: Path) -> None:
    html = _report(tmp_path, regression_found=True)
    summary = _summary(html)
    assert (
        "(0 of 3 pages measured, 3 of 3 the week before); the statistical regression test "
        "confirms the product template got slower: LCP median 408 ms -> 2,788 ms "
        "(+2,380 ms, +583%)."
    ) in summary
    assert "Find what slowed the product pages" in summary
    assert summary_numbers_not_in_their_section(html) == []


def test_without_an_audit_against_a_baseline_nothing_is_confirmed(tmp_path: Path) -> None:
    html = _report(tmp_path, regression_found=None)
    summary = _summary(html)
    assert "the audit has not compared it with an earlier measurement" in summary
    assert "not tested (no audit against an earlier measurement)" in text_of(html)
