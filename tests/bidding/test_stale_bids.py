"""A keyword's current bid when the daily report stops showing it (issue 18): Google's keyword
report by Day has no row on a day without impressions, so a bid changed since is not in it.
Through the CLI, on the Google Ads UI's downloads (a keyword report by Day, a keyword list
without the Day segment, whose bids are those of the report's last day):

* a keyword last seen more than ``[bidding] stale_bid_days`` before the data's end, with no
  newer keyword list, is held (``CURRENT_BID_STALE``), its bid shown as unknown and the bid
  and day it was last seen named: a move from it could land outside the step cap of the
  real bid;
* a keyword list imported after the report gives the current bid, and the keyword moves
  from it; imported before the report, the list's bid is kept where the report's last row
  is older than the list.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exports"
TENTS = FIXTURES / "google-en-tents-keywords-by-day.csv"  # 2026-10-18 .. 2026-11-14
QUIET = "[backpacking tent]"  # no impressions from 2026-11-05: last seen 2026-11-04 at 1.26


def searchops(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from searchops.cli import main

    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def _daily(tmp_path: Path) -> Path:
    rows = list(csv.reader(TENTS.read_text(encoding="utf-8-sig").splitlines()))
    kept = [r for r in rows if not (len(r) > 2 and r[2] == QUIET and r[0] >= "2026-11-05")]
    path = tmp_path / "Search keyword report by day.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(kept)
    return path


def _keyword_list(tmp_path: Path, bid: str) -> Path:
    """The keyword list as the Google Ads UI downloads it without the Day segment: the bids
    of its range's last day."""
    path = tmp_path / "Search keyword report.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Search keyword report"])
        w.writerow(["October 18, 2026 - November 14, 2026"])
        w.writerow(["Keyword status", "Keyword", "Match type", "Campaign", "Ad group",
                    "Max. CPC", "Currency code", "Clicks", "Impr.", "Cost"])  # fmt: skip
        w.writerow(["Enabled", QUIET, "Exact match", "Search | tents", "Backpacking tents",
                    bid, "CAD", "300", "4,100", "310.20"])  # fmt: skip
    return path


def _recommend(capsys, ws: str, out: Path) -> tuple[dict, dict, str]:
    code, stdout, err = searchops(capsys, "--workspace", ws, "bid", "recommend",
                                  "--out", str(out))  # fmt: skip
    assert code == 0, err
    payload = json.loads((out / "recommendations.json").read_text(encoding="utf-8"))
    rows = {(r["keyword"], r["match_type"]): r for r in payload["recommendations"]}
    return payload["summary"], rows[("backpacking tent", "EXACT")], stdout


def _import(capsys, ws: str, path: Path) -> None:
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(path),
                             "--source", "google:shop")  # fmt: skip
    assert code == 0, err


def test_a_bid_not_seen_lately_is_held_and_said_unknown(tmp_path, capsys):
    ws = str(tmp_path / "ws.duckdb")
    _import(capsys, ws, _daily(tmp_path))
    summary, row, stdout = _recommend(capsys, ws, tmp_path / "bids")
    assert row["action"] == "hold" and row["reasons"] == "CURRENT_BID_STALE"
    assert row["current_bid"] is None and row["new_bid"] is None
    assert "last seen at 1.26 CAD on 2026-11-04, 10 days before" in row["reason"]
    assert "import a keyword list with Max CPC" in row["reason"]
    assert summary["stale_current_bid"] == 1 and summary["holds"]["CURRENT_BID_STALE"] == 1
    assert "1 keywords whose current bid was not seen lately" in " ".join(stdout.split())
    # the others still move (from the bids their last rows, on the report's last day, show)
    moved = json.loads((tmp_path / "bids" / "recommendations.json").read_text())
    assert any(r["action"] == "set_bid" for r in moved["recommendations"])
    editor = (tmp_path / "bids" / "bids-editor.csv").read_text(encoding="utf-8")
    assert "backpacking tent" not in editor


@pytest.mark.parametrize("list_first", [False, True])
def test_a_keyword_list_gives_the_current_bid_whichever_file_comes_first(
    tmp_path, capsys, list_first
):
    ws = str(tmp_path / "ws.duckdb")
    files = [_daily(tmp_path), _keyword_list(tmp_path, "0.95")]
    for path in reversed(files) if list_first else files:
        _import(capsys, ws, path)
    _, row, _ = _recommend(capsys, ws, tmp_path / "bids")
    # the list's bid (2026-11-14), not the report's last row's (1.26 on 2026-11-04)
    assert row["current_bid"] == 0.95
    assert "CURRENT_BID_STALE" not in row["reasons"]
    if row["action"] == "set_bid":
        assert abs(row["new_bid"] / 0.95 - 1) <= 0.2 + 0.005 / 0.95
