"""`bid recommend` on the files managers really have (issue 18 item 6), through the CLI:
keywords without a Max CPC or without conversion columns are held with the reason stated in
every output (table, review.txt, recommendations.json, bids-editor.csv), never moved, never
"+nan"; the account's currency is carried to every output; Customer ID is never a label."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exports"
LIST_FR = FIXTURES / "google-fr-keywords-list-eur.csv"
DAILY_EN = FIXTURES / "google-en-keywords-by-day-no-bid-no-conversions.csv"
TENTS = FIXTURES / "google-en-tents-keywords-by-day.csv"


def searchops(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from searchops.cli import main

    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def _outputs(out: Path) -> tuple[dict, list[dict[str, str]], str]:
    payload = json.loads((out / "recommendations.json").read_text(encoding="utf-8"))
    with (out / "bids-editor.csv").open(encoding="utf-8", newline="") as fh:
        editor = list(csv.DictReader(fh))
    return payload, editor, (out / "review.txt").read_text(encoding="utf-8")


def test_no_max_cpc_and_no_conversions_recommend_no_change_and_say_why(tmp_path, capsys):
    ws, out = str(tmp_path / "ws.duckdb"), tmp_path / "bids"
    assert searchops(capsys, "--workspace", ws, "sem", "import", str(DAILY_EN))[0] == 0
    code, stdout, err = searchops(capsys, "--workspace", ws, "bid", "recommend",
                                  "--out", str(out))  # fmt: skip
    # nothing can be recommended from these files: a job must not read it as success
    assert code == 2
    assert "error: no bid change recommended: none of the 2 keywords can be moved" in err
    payload, editor, review = _outputs(out)
    s = payload["summary"]
    assert s["no_current_bid"] == 2 and s["no_conversion_data"] == 2 and s["held"] == 2
    assert s["currency"] == "EUR" and s["d_profit"] == 0.0
    assert s["fixed_spend_per_day"] > 0  # the spend goes on at today's level
    for row in payload["recommendations"]:
        assert row["action"] == "hold" and row["current_bid"] is None
        assert row["reasons"] == "NO_CURRENT_BID;NO_CONVERSION_DATA"
        assert row["reason"].startswith("no bid change recommended: no Max CPC known")
        assert "EUR" in row["reason"] and "with no response to bids" in row["reason"]
    assert editor == []  # nothing to upload
    for text in (stdout, review):
        assert "no bid change recommended" in text and "EUR" in text
        assert "nan" not in text.lower().replace("financ", "")
    assert "$" not in stdout + review


def test_bids_from_the_list_but_no_conversions_hold_every_keyword_for_that_reason(tmp_path, capsys):
    ws, out = str(tmp_path / "ws.duckdb"), tmp_path / "bids"
    for path in (LIST_FR, DAILY_EN):
        code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(path),
                                 "--source", "google:boreal-eu")  # fmt: skip
        assert code == 0, err
    code, _, err = searchops(capsys, "--workspace", ws, "bid", "recommend", "--out", str(out))
    # the paused keyword is not recommended on; the two enabled ones have the list's bids
    assert code == 2 and "(0 without a Max CPC, 2 without conversion data); import a " in err
    payload, editor, _ = _outputs(out)
    rows = {r["keyword"]: r for r in payload["recommendations"]}
    assert {r["reasons"] for r in rows.values()} == {"NO_CONVERSION_DATA"}
    # the bids are known (the list's): shown, not moved; never "interval nanx its mean"
    assert rows["trail tent"]["current_bid"] == 1.25 and rows["trail tent"]["change"] == 0.0
    assert all("nan" not in r["reason"] for r in rows.values())
    assert editor == []


def test_keywords_without_a_bid_are_held_while_the_others_move(tmp_path, capsys):
    """A daily report whose Max CPC is blank (--) for one keyword: that keyword is held with
    its reason, the others are recommended as usual; the Editor file carries the currency and
    no Customer ID the file did not give (never the --source label)."""
    lines = TENTS.read_text(encoding="utf-8-sig").splitlines()
    rows = list(csv.reader(lines))
    header = rows[2]
    bid, keyword = header.index("Max. CPC"), header.index("Keyword")
    for row in rows[3:]:
        if len(row) > bid and row[keyword] == "ultralight tent":
            row[bid] = "--"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path = tmp_path / "tents.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    ws, out = str(tmp_path / "ws.duckdb"), tmp_path / "bids"
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(path),
                             "--source", "google:shop")  # fmt: skip
    assert code == 0, err
    code, stdout, err = searchops(capsys, "--workspace", ws, "bid", "recommend",
                                  "--out", str(out))  # fmt: skip
    assert code == 0, err
    payload, editor, review = _outputs(out)
    rows_by = {(r["keyword"], r["match_type"]): r for r in payload["recommendations"]}
    held = rows_by[("ultralight tent", "BROAD")]
    assert held["action"] == "hold" and held["reasons"] == "NO_CURRENT_BID"
    assert held["new_bid"] is None and held["d_profit"] == 0.0
    assert payload["summary"]["no_current_bid"] == 1 and payload["summary"]["currency"] == "CAD"
    moved = [r for r in payload["recommendations"] if r["action"] == "set_bid"]
    assert moved and all(r["reasons"] != "NO_CURRENT_BID" for r in moved)
    assert len(editor) == len(moved) and "ultralight tent" not in {e["Keyword"] for e in editor}
    assert {e["Currency"] for e in editor} == {"CAD"}
    assert {r["currency"] for r in payload["recommendations"]} == {"CAD"}
    assert {e["Customer ID"] for e in editor} == {""}  # not "google:shop"
    assert "(CAD)" in stdout and "1 keywords without a Max CPC" in review
    assert payload["summary"]["d_profit"] == pytest.approx(sum(r["d_profit"] for r in moved))


def test_keywords_without_a_bid_keep_the_account_volume_factor_of_the_others(tmp_path, capsys):
    """The account-wide volume factor (``account_log_sd``: the whole account's clicks move
    together, so keyword errors do not cancel in a total) is the same whether or not some
    keywords lack a Max CPC: the movable keywords' totals, intervals and budget check carry
    it on both paths. A Google Ads keyword report by Day over 9 weeks (written in the format
    of the UI's download), one keyword's Max CPC blank."""
    from datetime import date

    import pandas as pd

    from demo import auction_sim

    sim = auction_sim.make("volatile", keywords=30, days=63, seed=3, until=date(2026, 11, 15))
    rows = sim.report_rows()
    full = auction_sim.write_google_keyword_report(
        rows, tmp_path / "full.csv", sim.dates[0], sim.until
    )
    blank = rows.assign(cpc_bid=rows["cpc_bid"].where(rows["row"] != rows["row"].iloc[0]))
    mixed = auction_sim.write_google_keyword_report(
        blank, tmp_path / "mixed.csv", sim.dates[0], sim.until
    )
    mixed.write_text(mixed.read_text(encoding="utf-8-sig").replace(",nan,", ",--,"), "utf-8-sig")
    summaries = []
    for path in (full, mixed):
        ws, out = str(tmp_path / f"{path.stem}.duckdb"), tmp_path / path.stem
        code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(path),
                                 "--source", "sim")  # fmt: skip
        assert code == 0, err
        code, _, err = searchops(capsys, "--workspace", ws, "bid", "recommend", "--budget",
                                 "50", "--out", str(out))  # fmt: skip
        assert code == 0, err
        summaries.append(_outputs(out)[0]["summary"])
    whole, part = summaries
    assert part["no_current_bid"] == 1 and whole.get("no_current_bid", 0) == 0
    assert whole["account_log_sd"] > 0.05  # a drifting account: the factor is not nil
    assert part["account_log_sd"] == pytest.approx(whole["account_log_sd"])
    assert pd.notna(part["budget_check"]["confidence"])
