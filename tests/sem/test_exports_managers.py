"""`sem import` on the files managers really have (issue 18 item 6), through the CLI: a
keyword list then a daily report without Max CPC, no conversion columns, an EUR account,
Customer ID from the file or --customer-id, duplicate rows, negative costs, future days."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchops.workspace import Workspace
from sem import tables

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exports"
LIST_FR = FIXTURES / "google-fr-keywords-list-eur.csv"
DAILY_EN = FIXTURES / "google-en-keywords-by-day-no-bid-no-conversions.csv"
BY_DAY = FIXTURES / "google-en-keywords-by-day.csv"


def searchops(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from searchops.cli import main

    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_keyword_list_then_daily_report_merge_and_keep_the_bids(tmp_path, capsys):
    ws = str(tmp_path / "ws.duckdb")
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(LIST_FR),
                             "--source", "google:boreal-eu")  # fmt: skip
    assert code == 0, err
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(DAILY_EN),
                             "--source", "google:boreal-eu")  # fmt: skip
    assert code == 0, err
    assert "no 'Max. CPC' (fr 'CPC max.') column: the bids come from a keyword list" in err
    assert "no 'Conversions'" in err and "conversion rates and ROAS cannot be modelled" in err
    with Workspace(Path(ws), read_only=True) as w:
        kw = tables.read(w, "sem_keywords").set_index("keyword")
        daily = tables.read(w, "sem_keyword_daily")
    # the paused keyword without impressions, known only from the list, is still there
    assert sorted(kw.index) == ["camping tent", "tent sale", "trail tent"]
    assert kw.loc["camping tent", "status"] == "PAUSED"
    # bids from the list (the daily report has none), final URL kept, one account, EUR
    assert kw["cpc_bid"].to_dict() == {"trail tent": 1.25, "tent sale": 0.80, "camping tent": 0.55}
    assert kw.loc["trail tent", "final_url"] == "https://shop.example/en-ca/p/summit-tent-1"
    assert set(kw["customer_id"]) == {"1234567890"} and set(kw["currency"]) == {"EUR"}
    assert len(daily) == 3 and daily["cost"].sum() == pytest.approx(21.94)


def test_customer_id_is_never_the_source_label(tmp_path, capsys):
    ws = str(tmp_path / "ws.duckdb")
    assert searchops(capsys, "--workspace", ws, "sem", "import", str(BY_DAY),
                     "--source", "google:shop")[0] == 0  # fmt: skip
    with Workspace(Path(ws), read_only=True) as w:
        assert tables.read(w, "sem_keywords")["customer_id"].isna().all()
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(BY_DAY),
                             "--source", "google:shop", "--customer-id", "987-654-3210")  # fmt: skip
    assert code == 0, err
    with Workspace(Path(ws), read_only=True) as w:
        assert set(tables.read(w, "sem_keywords")["customer_id"]) == {"9876543210"}
        assert set(tables.read(w, "sem_keyword_daily")["customer_id"]) == {"9876543210"}
    # the file says 123-456-7890: a different --customer-id is refused
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(DAILY_EN),
                             "--customer-id", "987-654-3210")  # fmt: skip
    assert code == 2
    assert "row 4: customer id 1234567890, but --customer-id says 9876543210" in err


def test_currency_from_the_file_or_the_option(tmp_path, capsys):
    ws = str(tmp_path / "ws.duckdb")
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(DAILY_EN),
                             "--currency", "CAD")  # fmt: skip
    assert code == 2 and "currency EUR, but --currency says CAD" in err
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(BY_DAY),
                             "--currency", "CAD", "--source", "google:ca")  # fmt: skip
    assert code == 0, err
    with Workspace(Path(ws), read_only=True) as w:
        assert set(tables.read(w, "sem_keywords", source="google:ca")["currency"]) == {"CAD"}


def _with_rows(tmp_path: Path, extra: list[str]) -> Path:
    text = (FIXTURES / "google-en-keywords-by-day.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Total: Account"))
    path = tmp_path / "report.csv"
    path.write_text("\n".join(lines[:at] + extra + lines[at:]) + "\n", encoding="utf-8-sig")
    return path


@pytest.mark.parametrize(
    ("extra", "allow", "message"),
    [
        (None, "duplicates", r"rows 5 and 8 are identical .* --allow duplicates"),
        (
            "2026-11-03,Enabled,[trail tent],Exact match,Search | tents,Summit tent,Eligible,--,"
            "1.25,https://shop.example/en-ca/p/summit-tent-1,CAD,0,10,0%,0,-3.20,0,0,--,0.85",
            "negative-cost",
            r"row 8, column 'Cost': negative value -3.2; .* --allow negative-cost",
        ),
        (
            "2099-01-05,Enabled,[trail tent],Exact match,Search | tents,Summit tent,Eligible,--,"
            "1.25,https://shop.example/en-ca/p/summit-tent-1,CAD,1,10,10%,0.5,0.50,0,0,--,0.85",
            "future-dates",
            r"row 8, column 'Day': 2099-01-05 is in the future .* --allow future-dates",
        ),
    ],
)
def test_duplicates_negative_costs_and_future_days_are_refused_unless_allowed(
    tmp_path, capsys, extra, allow, message
):
    import re

    if extra is None:  # the report's first data row pasted again at the end
        lines = (FIXTURES / "google-en-keywords-by-day.csv").read_text(encoding="utf-8-sig")
        extra = lines.splitlines()[4]
    path = _with_rows(tmp_path, [extra])
    ws = str(tmp_path / "ws.duckdb")
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(path))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and re.search(message, err), err
    with Workspace(Path(ws), read_only=True) as w:
        assert not w.has_table("sem_keyword_daily") or tables.read(w, "sem_keyword_daily").empty
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(path),
                             "--allow", allow)  # fmt: skip
    assert code == 0, err
    with Workspace(Path(ws), read_only=True) as w:
        daily = tables.read(w, "sem_keyword_daily")
    assert len(daily) == 4 + (allow != "duplicates")


def test_the_future_is_after_searchops_clock_today_not_the_wall_clock(
    tmp_path, capsys, monkeypatch
):
    """A day is in the future after the pinned today (SEARCHOPS_TODAY) plus one day of slack
    for time zones: 2026-11-18 is refused on 2026-11-16 whatever the machine's calendar says,
    and imported on 2026-11-17."""
    row = (
        "2026-11-18,Enabled,[trail tent],Exact match,Search | tents,Summit tent,Eligible,--,"
        "1.25,https://shop.example/en-ca/p/summit-tent-1,CAD,1,10,10%,0.5,0.50,0,0,--,0.85"
    )
    path = _with_rows(tmp_path, [row])
    ws = str(tmp_path / "ws.duckdb")
    monkeypatch.setenv("SEARCHOPS_TODAY", "2026-11-16")
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(path))
    assert code == 2
    assert "2026-11-18 is in the future (today is 2026-11-16)" in err
    monkeypatch.setenv("SEARCHOPS_TODAY", "2026-11-17")
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(path))
    assert code == 0, err


def test_a_report_without_max_cpc_says_so_in_sem_roi_instead_of_zero(tmp_path, capsys, monkeypatch):
    """No Max CPC: clicks and cost forecast at today's level (the history's cost per click),
    flat in the bid, said on every row and level; no conversion columns: value, ROAS and
    profit unavailable, never 0 or nan."""
    import csv
    import io

    monkeypatch.setenv("COLUMNS", "160")  # a terminal wide enough for the whole table
    ws = str(tmp_path / "ws.duckdb")
    assert searchops(capsys, "--workspace", ws, "sem", "import", str(DAILY_EN))[0] == 0
    code, out, err = searchops(capsys, "--workspace", ws, "sem", "roi", "--level", "keyword")
    assert code == 0, err
    assert "2 of 2 keyword(s) have no Max CPC" in err and "no response to bids" in err
    assert "2 of 2 keyword(s) have no conversion data" in err
    assert out.count("no bid, no conv.") == 2 and "0.00" not in out
    assert "€" in out and "nan" not in out and "$" not in out
    for level in ("campaign", "ad_group"):
        code, out, _ = searchops(capsys, "--workspace", ws, "sem", "roi", "--level", level)
        assert code == 0 and "2 no bid, 2 no conv." in out and "0.00" not in out
        code, out, _ = searchops(capsys, "--workspace", ws, "sem", "roi", "--level", level,
                                 "--format", "csv")  # fmt: skip
        (row,) = csv.DictReader(io.StringIO(out))
        assert row["keywords_without_bid"] == "2" and row["keywords_without_conversions"] == "2"
        assert row["value_per_day"] == row["roas"] == row["profit_per_day"] == ""
        # 21.94 EUR over 2 days of history: about 11/day at today's level, not 0
        assert 5 < float(row["cost_per_day"]) < 20 and row["currency"] == "EUR"
    code, out, _ = searchops(capsys, "--workspace", ws, "sem", "roi", "--level", "keyword",
                             "--format", "json")  # fmt: skip
    payload = json.loads(out)
    assert payload["keywords_without_bid"] == 2 and len(payload["notes"]) == 2
    for row in payload["rows"]:
        assert row["bid_known"] is False and row["current_bid"] is None
        assert row["conversions_known"] is False and row["cvr"] is None
        assert row["marginal_roas"] is None and row["cost_per_day"] > 0
