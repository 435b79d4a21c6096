"""Week- and Month-segmented Google Ads keyword reports through `sem import` and `sem roi`
(issue 18 item 6): a row keeps its period (its days, marked WEEK / MONTH), clipped to the
report's date range, and the models read per-day rates from it (a week of 70 clicks is 10
clicks/day, not 70 and not 10 / 7)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from searchops.workspace import Workspace
from sem import tables

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exports"
BY_WEEK = FIXTURES / "google-en-keywords-by-week.csv"
BY_MONTH_FR = FIXTURES / "google-fr-ca-keywords-by-month.csv"


def searchops(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from searchops.cli import main

    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def _daily(ws: str):
    with Workspace(Path(ws), read_only=True) as w:
        kw = tables.read(w, "sem_keywords").set_index("criterion_id")["keyword"]
        daily = tables.read(w, "sem_keyword_daily")
    daily["keyword"] = daily["criterion_id"].map(kw)
    return daily


def _roi_rows(capsys, ws: str) -> dict[str, dict[str, str]]:
    code, out, err = searchops(capsys, "--workspace", ws, "sem", "roi", "--level", "keyword",
                               "--format", "csv")  # fmt: skip
    assert code == 0, err
    return {r["keyword"]: r for r in csv.DictReader(io.StringIO(out))}


def test_a_week_segmented_report_keeps_its_weeks_and_gives_per_day_rates(tmp_path, capsys):
    ws = str(tmp_path / "ws.duckdb")
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(BY_WEEK))
    assert code == 0, err
    daily = _daily(ws)
    assert set(daily["period"]) == {"WEEK"}
    trail = daily[daily["keyword"] == "trail tent"]
    # four Monday-to-Sunday weeks, every day of each, the week's totals exactly
    assert len(trail) == 28 and str(trail["date"].min().date()) == "2026-10-19"
    assert trail["clicks"].sum() == 280 and trail["impressions"].sum() == 8320
    assert trail["cost"].sum() == pytest.approx(275.74)
    assert trail["conversions_value"].sum() == pytest.approx(1514.88)
    # whole clicks, as even as the days allow; money follows the clicks (CPC is the week's)
    week = trail[trail["date"] < "2026-10-26"]
    assert sorted(week["clicks"]) == [10] * 7
    sale = daily[daily["keyword"] == "tent sale"]
    assert sale["clicks"].sum() == 12 and set(sale["clicks"]) <= {0, 1}
    assert (sale["cost"][sale["clicks"] == 0] == 0).all()
    rows = _roi_rows(capsys, ws)
    assert 8.5 < float(rows["trail tent"]["clicks_per_day"]) < 11.5  # 280 clicks / 28 days
    assert float(rows["tent sale"]["clicks_per_day"]) < 1.0  # 12 / 28


def test_a_french_month_segmented_report_is_clipped_to_its_date_range(tmp_path, capsys):
    ws = str(tmp_path / "ws.duckdb")
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(BY_MONTH_FR))
    assert code == 0, err
    daily = _daily(ws)
    assert set(daily["period"]) == {"MONTH"}
    by_month = daily.groupby(daily["date"].dt.month).agg(
        days=("date", "size"), clicks=("clicks", "sum"), cost=("cost", "sum")
    )
    # September 30 days, October 31, November only to the 15th (the report ends there):
    # 150 clicks over 15 days, not over the month's 30
    assert by_month["days"].to_dict() == {9: 30, 10: 31, 11: 15}
    assert by_month["clicks"].to_dict() == {9: 300, 10: 310, 11: 150}
    assert by_month["cost"].sum() == pytest.approx(744.80)
    rows = _roi_rows(capsys, ws)
    assert 9.0 < float(rows["tente de randonnée"]["clicks_per_day"]) < 11.0


def test_a_week_running_past_the_report_end_counts_only_its_days_in_range(tmp_path, capsys):
    text = BY_WEEK.read_text(encoding="utf-8-sig")
    path = tmp_path / "week.csv"
    path.write_text(text.replace("November 15, 2026", "November 11, 2026"), encoding="utf-8-sig")
    ws = str(tmp_path / "ws.duckdb")
    assert searchops(capsys, "--workspace", ws, "sem", "import", str(path))[0] == 0
    daily = _daily(ws)
    last = daily[(daily["keyword"] == "trail tent") & (daily["date"] >= "2026-11-09")]
    assert len(last) == 3 and last["clicks"].sum() == 70


def test_a_week_not_starting_on_monday_is_refused_with_the_row(tmp_path, capsys):
    text = BY_WEEK.read_text(encoding="utf-8-sig")
    path = tmp_path / "week.csv"
    path.write_text(text.replace("2026-11-02,", "2026-11-03,", 1), encoding="utf-8-sig")
    code, _, err = searchops(capsys, "--workspace", str(tmp_path / "ws.duckdb"), "sem",
                             "import", str(path))  # fmt: skip
    assert code == 2
    assert "row 8, column 'Week': week '2026-11-03' does not start on a Monday" in err
