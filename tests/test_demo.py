"""``searchops demo``: the two simulated weeks, output folder safety, and the real pipeline."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from demo.pipeline import MARKER, demo_weeks, prepare_out
from searchops import clock
from searchops.cli import main
from searchops.errors import SearchopsError
from tests.reports.test_weekly import summary_numbers_not_in_their_section


def test_demo_weeks_are_the_two_last_complete_weeks() -> None:
    first, second = demo_weeks(date(2026, 11, 22))  # a Sunday
    assert (first.monday, second.monday) == (date(2026, 11, 2), date(2026, 11, 9))
    assert second.sunday == date(2026, 11, 15) and second.sunday < date(2026, 11, 16)
    first, second = demo_weeks(date(2026, 11, 23))  # the next Monday moves both on
    assert (first.monday, second.monday) == (date(2026, 11, 9), date(2026, 11, 16))
    assert first.monday.weekday() == 0 and second.monday - first.monday == timedelta(weeks=1)


def test_prepare_out_clears_only_its_own_folder(tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(SearchopsError, match="not a demo output folder"):
        prepare_out(foreign)
    assert (foreign / "thesis.tex").read_text() == "precious"

    out = tmp_path / "demo"
    prepare_out(out)
    (out / "runs").mkdir()
    (out / "searchops.duckdb").write_text("old")
    prepare_out(out)
    assert sorted(p.name for p in out.iterdir()) == [MARKER]


@pytest.mark.slow
def test_demo_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--out", str(out), "--products", "80", "--keywords", "300"])
    captured = capsys.readouterr()
    assert exc.value.code == 0, captured.err[-2000:]
    report = Path(captured.out.strip().splitlines()[-1])
    assert report == (out / "weekly-report.html").resolve() and report.is_file()
    html = report.read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    week1, week2 = demo_weeks(clock.today())  # the demo's "today": pinned for the suite
    assert f"Week of {week2.monday.isoformat()}, compared with the week of {week1.monday}" in text
    for section in (
        "summary",
        "health",
        "findings",
        "vitals",
        "sem",
        "bids",
        "coverage",
        "products",
    ):
        assert f'<section id="{section}"' in html
    assert 'class="missing"' not in html  # every stage wrote its tables
    # the demo Merchant account was imported, pulled and checked: the products section has it
    assert "Products Google may disapprove" in text
    assert (out / "merchant" / "manifest-week2.json").is_file()
    # week 2 of the demo site fixes some defects, adds others, and slows the product template
    assert re.search(r"[\d,]+ site problems? were fixed since the week of", text)
    assert re.search(r"[\d,]+ new site problems? appeared since the week of", text)
    assert "the share of product pages passing fell" in text
    # ... and the health score says so (it read 99, +0.0, with a page-share score)
    assert "Health scores fell: vitals" in text
    # the headline revenue is lag-adjusted (week 2 is pulled days after it ended), pass rates
    # say how many pages they rest on, and the summary repeats its sections' numbers
    assert "Revenue (lag-adjusted)" in text and "reported so far" in text
    assert re.search(r"product pages passing fell from \d+% to \d+% \(\d+ of \d+ pages", text)
    assert summary_numbers_not_in_their_section(html) == []
    assert (out / "runs" / "crawl-week1" / "crawl.json").is_file()
    assert (out / "runs" / "crawl-week2" / "findings.parquet").is_file()
