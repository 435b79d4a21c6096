"""`sem import` streams a file in chunks (issue 19: a 1 GB export passed 4 GB of RSS): the
chunking changes nothing in what is imported, and a bad row in a late chunk changes nothing
in the workspace. Peak memory itself is measured by benchmarks/sem_import.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from searchops.workspace import Workspace
from sem import exports, tables

HEADER = ["Day", "Keyword", "Match type", "Campaign", "Ad group", "Max. CPC", "Clicks",
          "Impr.", "Cost", "Conversions", "Conv. value"]  # fmt: skip


def report(path: Path, days: list[str], keywords: int = 7, bad: str | None = None) -> Path:
    """A Google keyword report by Day (fr-FR Excel: semicolons, D/M/YYYY, decimal commas),
    rows ordered by day: the first chunks see only ambiguous dates (01/10 .. 12/10)."""
    lines = ["Rapport sur les mots clés", "1 oct. 2026 - 20 oct. 2026", ";".join(HEADER)]
    for d, day in enumerate(days):
        for k in range(keywords):
            match = ["Exact match", "Phrase match", "Broad match"][k % 3]
            word = {0: f"[tent {k}]", 1: f'"""tent {k}"""'}.get(k % 3, f"tent {k}")
            clicks = (d * 7 + k) % 11
            lines.append(";".join([day, word, match, "Search | tents", f"Group {k % 2}",
                                   "1,25", str(clicks), f"1 {200 + k}", f"{clicks * 0.9:.2f}".replace(".", ","),
                                   "1,00" if k == 3 else "0,00", "80,00" if k == 3 else "0,00"]))  # fmt: skip
    if bad:
        lines[-2] = bad
    lines.append("Total : compte;;;;;;;;;;")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


# before the suite's pinned today (2026-11-16): a later day would be refused as in the future
DAYS = [f"{d:02d}/10/2026" for d in range(1, 21)]


def test_chunked_import_equals_one_chunk_and_dates_use_the_whole_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = report(tmp_path / "mots-cles.csv", DAYS)
    results = []
    for size in (1_000_000, 5):  # one chunk; then 5 rows at a time (28 chunks)
        monkeypatch.setattr(exports, "CHUNK_ROWS", size)
        with Workspace(tmp_path / f"ws{size}.duckdb") as ws:
            _, counts = exports.import_file(ws, path)
            kw = tables.read(ws, "sem_keywords").drop(columns="pull_id")
            daily = tables.read(ws, "sem_keyword_daily").drop(columns="pull_id")
        assert counts == {"sem_keywords": 7, "sem_keyword_daily": 140}
        results.append(
            (kw.sort_values("criterion_id"), daily.sort_values(["date", "criterion_id"]))
        )
    for one, many in zip(results[0], results[1], strict=True):
        pd.testing.assert_frame_equal(one.reset_index(drop=True), many.reset_index(drop=True))
    daily = results[1][1]
    # 13/10 appears only after the first chunks: the column is day-first throughout
    assert daily["date"].min() == pd.Timestamp(2026, 10, 1)
    assert daily["date"].max() == pd.Timestamp(2026, 10, 20)
    assert daily["cost"].sum() == pytest.approx(
        sum((d * 7 + k) % 11 * 0.9 for d in range(20) for k in range(7))
    )
    assert daily["conversions_value"].sum() == pytest.approx(80.0 * 20)


def test_a_bad_row_in_a_late_chunk_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from searchops.cli import main

    monkeypatch.setattr(exports, "CHUNK_ROWS", 4)
    ws_file = tmp_path / "ws.duckdb"
    good = report(tmp_path / "mots-cles.csv", DAYS[:10])
    with pytest.raises(SystemExit) as done:
        main(["--workspace", str(ws_file), "sem", "import", str(good)])
    assert done.value.code in (0, None)
    with Workspace(ws_file, read_only=True) as ws:
        before = tables.read(ws, "sem_keyword_daily")
    bad_row = "20/10/2026;tent 9;Broad match;Search | tents;Group 1;1,25;3;1 209;beaucoup;0,00;0,00"
    bad = report(tmp_path / "mots-cles.csv", DAYS, bad=bad_row)  # same source, more days
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["--workspace", str(ws_file), "sem", "import", str(bad)])
    assert done.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "row 142, column 'Cost': cannot read 'beaucoup' as a number" in err[0]
    with Workspace(ws_file, read_only=True) as ws:
        after = tables.read(ws, "sem_keyword_daily")
    pd.testing.assert_frame_equal(after, before)
