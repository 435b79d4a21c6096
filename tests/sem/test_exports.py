"""Report-export imports: real console layouts written here, and malformed files."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from searchops.errors import SearchopsError
from searchops.workspace import Workspace
from sem import exports, tables

NNBSP, NBSP = "\u202f", "\u00a0"

GOOGLE_EN_ROWS = [
    ["Search keyword report"],
    ["November 1, 2026 - November 2, 2026"],
    ["Day", "Keyword status", "Keyword", "Match type", "Campaign", "Ad group", "Max. CPC",
     "Final URL", "Currency code", "Clicks", "Impr.", "CTR", "Avg. CPC", "Cost", "Conversions",
     "Conv. value"],
    ["2026-11-01", "Enabled", "trail tent", "Exact match", "Search | tents", "Summit tent",
     "1.25", "https://shop.example/en-ca/p/summit-tent-1", "CAD", "12", "340", "3.53%", "0.98",
     "11.76", "1.00", "1,249.99"],
    ["2026-11-01", "Paused", '"tent sale"', "Phrase match", "Search | tents", "Summit tent",
     "0.80", "https://shop.example/en-ca/p/summit-tent-1", "CAD", "3", "1,204", "0.25%", "0.70",
     "2.10", "0.00", "0.00"],
    ["2026-11-02", "Enabled", "trail tent", "Exact match", "Search | tents", "Summit tent",
     "1.25", "https://shop.example/en-ca/p/summit-tent-1", "CAD", "8", "290", "2.76%", "1.01",
     "8.08", "--", "--"],
    ["Total: Account", "", "", "", "", "", "", "", "CAD", "23", "1,834", "1.25%", "0.96",
     "21.94", "1.00", "1,249.99"],
    ["Total: Search", "", "", "", "", "", "", "", "CAD", "23", "1,834", "1.25%", "0.96",
     "21.94", "1.00", "1,249.99"],
]  # fmt: skip

GOOGLE_FR_ROWS = [
    ["Rapport sur les mots clés du Réseau de Recherche"],
    ["1 nov. 2026 - 2 nov. 2026"],
    ["Jour", "État du mot clé", "Mot clé", "Type de correspondance", "Campagne",
     "Groupe d'annonces", "CPC max.", "URL finale", "Clics", "Impr.", "CTR", "Coût",
     "Conversions", "Valeur de conv."],
    ["1 nov. 2026", "Activé", "tente de randonnée", "Expression exacte", "Recherche | tentes",
     "Tente Summit", f"1,25{NBSP}$", "https://shop.example/fr-ca/p/tente-summit-1", "9",
     f"1{NNBSP}204", f"12,5{NBSP}%", f"1{NNBSP}234,56{NBSP}$", "2,00", f"2{NNBSP}499,98{NBSP}$"],
    ["2 nov. 2026", "Activé", "tente de randonnée", "Expression exacte", "Recherche | tentes",
     "Tente Summit", f"1,25{NBSP}$", "https://shop.example/fr-ca/p/tente-summit-1", "4", "310",
     f"1,3{NBSP}%", f"4,80{NBSP}$", "0,00", f"0,00{NBSP}$"],
    ["Total : compte", "", "", "", "", "", "", "", "13", f"1{NNBSP}514", "", f"1{NNBSP}239,36 $",
     "2,00", f"2{NNBSP}499,98 $"],
]  # fmt: skip

MICROSOFT_ROWS = [
    ["Report Name: Keyword Performance"],
    ["Report Time: 11/1/2026 - 11/2/2026"],
    ["Time Zone: (GMT-05:00) Eastern Time (US & Canada)"],
    ["Last Completed Available Day: 11/22/2026 3:10:00 AM (GMT)"],
    ["Report Aggregation: Daily"],
    ["Report Filter: "],
    ["Potential Incomplete Data: false"],
    ["Rows: 2"],
    [],
    ["TimePeriod", "AccountName", "CampaignName", "CampaignId", "AdGroupName", "AdGroupId",
     "Keyword", "KeywordId", "BidMatchType", "KeywordStatus", "CurrentMaxCpc", "FinalUrl",
     "Impressions", "Clicks", "Ctr", "Spend", "Conversions", "Revenue"],
    ["11/1/2026", "Boreal", "Search - tents", "501", "Summit tent", "9001", "trail tent",
     "77001", "Exact", "Active", "1.10", "https://shop.example/en-ca/p/summit-tent-1", "400",
     "10", "2.50%", "9.50", "1", "310.00"],
    ["11/2/2026", "Boreal", "Search - tents", "501", "Summit tent", "9001", "trail tent",
     "77001", "Exact", "Active", "1.10", "https://shop.example/en-ca/p/summit-tent-1", "380",
     "7", "1.84%", "6.65", "0", "0.00"],
    [],
    ["©2026 Microsoft Corporation. All rights reserved. "],
]  # fmt: skip

SHOPPING_ROWS = [
    ["Shopping - Item ID report"],
    ["Day", "Item ID", "Product title", "Campaign", "Ad group", "Clicks", "Impr.",
     "Cost (micros)", "Conversions", "Conv. value"],
    ["2026-11-01", "4292166", "Summit tent", "Shopping | tents", "All tents", "5", "210",
     "4250000", "1", "349.99"],
    ["2026-11-02", "4292166", "Summit tent", "Shopping | tents", "All tents", "2", "190",
     "1730000", "0", "0"],
]  # fmt: skip


def write_delimited(path: Path, rows: list[list[str]], encoding: str, sep: str) -> Path:
    text = "\r\n".join(sep.join(cell for cell in row) for row in rows) + "\r\n"
    if encoding == "utf-16":
        path.write_bytes(text.encode("utf-16"))  # with BOM, as Google's "CSV for Excel"
    else:
        path.write_bytes(text.encode(encoding))
    return path


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def test_google_utf16_tab_export_with_preamble_and_totals(tmp_path):
    path = write_delimited(tmp_path / "keywords.csv", GOOGLE_EN_ROWS, "utf-16", "\t")
    with Workspace(tmp_path / "ws.duckdb") as ws:
        _, counts = exports.import_file(ws, path)
        assert counts == {"sem_keywords": 2, "sem_keyword_daily": 3}
        daily = tables.read(ws, "sem_keyword_daily").sort_values(["date", "cost"])
        kw = tables.read(ws, "sem_keywords").set_index("keyword")
    assert daily["impressions"].tolist() == [1204, 340, 290]
    assert daily["cost"].sum() == pytest.approx(21.94)
    assert daily["conversions_value"].sum() == pytest.approx(1249.99)
    assert (
        kw.loc["trail tent", "match_type"] == "EXACT" and kw.loc["tent sale", "status"] == "PAUSED"
    )
    assert kw.loc["trail tent", "cpc_bid"] == 1.25
    assert kw["source"].unique().tolist() == ["google-export:keywords"]


def test_google_french_export_with_fr_ca_numbers(tmp_path):
    path = write_csv(tmp_path / "mots-cles.csv", GOOGLE_FR_ROWS, "utf-8-sig")
    parsed = exports.parse_export(path)
    assert parsed.platform == "google" and parsed.french
    frame = parsed.frame
    assert frame["impressions"].tolist() == [1204, 310]
    assert frame["cost"].tolist() == pytest.approx([1234.56, 4.80])
    assert frame["conversions_value"].tolist() == pytest.approx([2499.98, 0.0])
    assert frame["cpc_bid"].tolist() == [1.25, 1.25]
    assert frame["date"].tolist() == [pd.Timestamp(2026, 11, 1), pd.Timestamp(2026, 11, 2)]
    assert frame["match_type"].unique().tolist() == ["PHRASE"]  # "Expression exacte"


def test_microsoft_export_with_report_header_and_footer(tmp_path):
    path = write_csv(tmp_path / "KeywordPerformance.csv", MICROSOFT_ROWS)
    with Workspace(tmp_path / "ws.duckdb") as ws:
        exports.import_file(ws, path)
        daily = tables.read(ws, "sem_keyword_daily")
        kw = tables.read(ws, "sem_keywords")
    assert daily["source"].unique().tolist() == ["microsoft-export:KeywordPerformance"]
    assert daily["criterion_id"].unique().tolist() == [77001]
    assert daily["cost"].sum() == pytest.approx(16.15)
    assert daily["conversions_value"].sum() == pytest.approx(310.0)
    assert kw["status"].tolist() == ["ENABLED"] and kw["cpc_bid"].tolist() == [1.10]


def test_xlsx_shopping_export_with_micros(tmp_path):
    book = Workbook()
    for row in SHOPPING_ROWS:
        book.active.append(row)
    path = tmp_path / "items.xlsx"
    book.save(path)
    with Workspace(tmp_path / "ws.duckdb") as ws:
        _, counts = exports.import_file(ws, path, platform="google")
        # a table's rows come in no set order (DuckDB without ORDER BY): by day
        shopping = tables.read(ws, "sem_shopping_daily").sort_values("date")
    assert counts["sem_shopping_daily"] == 2
    assert shopping["cost"].tolist() == pytest.approx([4.25, 1.73])
    assert shopping["item_id"].unique().tolist() == ["4292166"]


def test_reimport_replaces_rows(tmp_path):
    path = write_delimited(tmp_path / "keywords.tsv", GOOGLE_EN_ROWS, "utf-16", "\t")
    with Workspace(tmp_path / "ws.duckdb") as ws:
        exports.import_file(ws, path)
        exports.import_file(ws, path)
        assert len(tables.read(ws, "sem_keyword_daily")) == 3
        assert len(tables.read(ws, "sem_keywords")) == 2


def _broken(rows, column, value=None, drop=False):
    header = rows[2] if rows is GOOGLE_EN_ROWS else rows[1]
    i = header.index(column)
    out = [list(r) for r in rows]
    for r in out:
        if len(r) > i and (r is not out[0]):
            if drop:
                del r[i]
            elif value is not None and r[i] not in (column, "") and not r[0].startswith("Total"):
                r[i] = value
    return out


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (_broken(GOOGLE_EN_ROWS, "Cost", drop=True), r"missing column\(s\): 'Cost' \(fr 'Coût'\)"),
        (
            _broken(GOOGLE_EN_ROWS, "Match type", value="Exact-ish match"),
            r"row 4, column 'Match type': cannot read 'Exact-ish match' as a "
            r"match type \(Exact match, Phrase match",
        ),
        (
            _broken(GOOGLE_EN_ROWS, "Keyword", value="[trail tent]"),
            r"row 5: keyword '\[trail tent\]' is written as exact match but column 'Match type' "
            r"says 'Phrase match'",
        ),
        (
            _broken(GOOGLE_EN_ROWS, "Clicks", value="twelve"),
            r"row 4, column 'Clicks': cannot read 'twelve' as a number",
        ),
        (
            _broken(GOOGLE_EN_ROWS, "Day", value="32/13/2026"),
            r"row 4, column 'Day': cannot read '32/13/2026' as a date",
        ),
    ],
)
def test_malformed_files_fail_clearly_and_change_nothing(tmp_path, rows, message):
    good = write_delimited(tmp_path / "good.csv", GOOGLE_EN_ROWS, "utf-16", "\t")
    with Workspace(tmp_path / "ws.duckdb") as ws:
        exports.import_file(ws, good)
        before = tables.read(ws, "sem_keyword_daily")
        runs = len(ws.runs())
        bad = write_delimited(tmp_path / "good.csv", rows, "utf-16", "\t")  # same source
        with pytest.raises(SearchopsError, match=message):
            exports.import_file(ws, bad)
        pd.testing.assert_frame_equal(tables.read(ws, "sem_keyword_daily"), before)
        assert len(ws.runs()) == runs


def test_wrong_encoding_and_garbage_are_refused(tmp_path):
    rows = [[cell.replace(NNBSP, " ") for cell in row] for row in GOOGLE_FR_ROWS[2:4]]
    latin = write_csv(tmp_path / "latin1.csv", rows, "cp1252")
    with pytest.raises(SearchopsError, match=r"not valid UTF-8 at byte .*wrong encoding"):
        exports.parse_export(latin)
    junk = tmp_path / "junk.csv"
    junk.write_text("hello,world\n1,2\n")
    with pytest.raises(SearchopsError, match="no table header found"):
        exports.parse_export(junk)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a zip")
    with pytest.raises(SearchopsError, match="not a readable XLSX"):
        exports.parse_export(fake)


@pytest.mark.parametrize(
    ("text", "french", "value"),
    [("1,234.56", False, 1234.56), ("$1,234.56", False, 1234.56), (f"1{NNBSP}234,56{NBSP}$", True, 1234.56),
     ("12.5%", False, 0.125), (f"12,5{NBSP}%", True, 0.125), ("1,234", False, 1234.0), ("1,5", True, 1.5),
     ("CA$7.00", False, 7.0), ("--", False, float("nan"))],
)  # fmt: skip
def test_numbers(text, french, value):
    got = exports.parse_number(text, french)
    assert got == pytest.approx(value, nan_ok=True)


def test_slashed_dates_follow_the_column_and_the_language():
    assert exports.parse_date("11/2/2026") == pd.Timestamp(2026, 11, 2)  # Microsoft M/D
    assert exports.parse_date("01/11/2026", day_first=True) == pd.Timestamp(2026, 11, 1)
    assert exports._day_first(["11/12/2026", "11/13/2026"], french=True) is False
    assert exports._day_first(["13/11/2026", "01/11/2026"], french=False) is True
    assert exports._day_first(["01/11/2026", "02/11/2026"], french=True) is True


# ------------------------------------------------------------------ real-world files, via the CLI

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exports"


def searchops(capsys, *args: str) -> tuple[int, str]:
    """Run the real CLI entry point in-process: (exit code, stderr)."""
    from searchops.cli import main

    with pytest.raises(SystemExit) as exited:
        main(list(args))
    return int(exited.value.code or 0), capsys.readouterr().err


def imported(ws_file: Path) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    with Workspace(ws_file, read_only=True) as ws:
        return (
            tables.read(ws, "sem_keywords"),
            tables.read(ws, "sem_keyword_daily"),
            len(ws.runs()),
        )


# file -> (keyword -> (match type, status)), daily rows, cost, conversion value, skipped columns
EXPECTED = {
    "google-en-keywords-default.csv": (
        {"trail tent": ("EXACT", "ENABLED"), "tent sale": ("PHRASE", "PAUSED"),
         "camping tent": ("BROAD", "ENABLED")},
        0, None, None, ["Status", "Status reasons", "Search lost IS (rank)", "First page bid est."],
    ),
    "google-en-keywords-by-day.csv": (
        {"trail tent": ("EXACT", "ENABLED"), "tent sale": ("PHRASE", "ENABLED"),
         "camping tent": ("BROAD", "ENABLED")},
        4, 24.44, 1249.99, ["Status", "Status reasons", "Search lost IS (rank)", "First page bid est."],
    ),
    "google-en-keywords-by-day-device.csv": (
        {"trail tent": ("EXACT", "ENABLED")}, 1, 11.76, 1249.99, [],
    ),
    "google-fr-ca-keywords-by-day.csv": (
        {"tente de randonnée": ("EXACT", "ENABLED"), "tente légère": ("PHRASE", "ENABLED"),
         "sac de couchage": ("BROAD", "PAUSED")},
        3, 1240.46, 2589.97, ["État", "Motifs de l'état", "Part d'impr. sur le Réseau de Recherche"],
    ),
    "google-fr-fr-keywords-excel.csv": (
        {"tente randonnée": ("EXACT", "ENABLED"), "tente légère": ("PHRASE", "ENABLED"),
         "tente 4 places": ("BROAD", "ENABLED")},
        3, 1027.33, 1049.97, ["État"],
    ),
    "microsoft-keyword-performance.csv": (
        {"trail tent": ("EXACT", "ENABLED"), "tent sale": ("PHRASE", "PAUSED"),
         "camping tent": ("BROAD", "ENABLED")},
        3, 14.05, 310.0, ["AdRelevance"],
    ),
    "microsoft-ui-keywords.csv": (
        {"down sleeping bag": ("EXACT", "ENABLED"), "sleeping bag -20": ("PHRASE", "ENABLED")},
        3, 33.89, 439.98, ["Top impr. share"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_world_exports_import_through_the_cli(tmp_path, capsys, name):
    kinds, daily_rows, cost, value, skipped = EXPECTED[name]
    ws_file = tmp_path / "ws.duckdb"
    code, err = searchops(
        capsys, "--workspace", str(ws_file), "sem", "import", str(FIXTURES / name)
    )
    assert code == 0, err
    keywords, daily, runs = imported(ws_file)
    got = {r.keyword: (r.match_type, r.status) for r in keywords.itertuples()}
    assert got == kinds
    assert len(daily) == daily_rows and runs == 1
    if daily_rows:
        assert daily["cost"].sum() == pytest.approx(cost)
        assert daily["conversions_value"].sum() == pytest.approx(value)
        assert not daily.duplicated(["date", "criterion_id"]).any()
    warnings = [line for line in err.splitlines() if "does not import" in line]
    if skipped:
        assert len(warnings) == 1  # one warning naming every skipped column
        assert warnings[0].endswith(", ".join(repr(s) for s in skipped))
    else:
        assert warnings == []


def test_default_google_export_says_why_metrics_were_not_imported(tmp_path, capsys):
    ws_file = tmp_path / "ws.duckdb"
    path = FIXTURES / "google-en-keywords-default.csv"
    code, err = searchops(capsys, "--workspace", str(ws_file), "sem", "import", str(path))
    assert code == 0, err
    assert "no 'Day' (fr 'Jour') column: imported the keywords only" in err
    keywords, _, _ = imported(ws_file)
    assert keywords.set_index("keyword")["cpc_bid"].to_dict() == {
        "trail tent": 1.25, "tent sale": 0.80, "camping tent": 0.55,
    }  # fmt: skip


def test_fr_ca_cells_are_read_exactly(tmp_path, capsys):
    ws_file = tmp_path / "ws.duckdb"
    path = FIXTURES / "google-fr-ca-keywords-by-day.csv"
    assert searchops(capsys, "--workspace", str(ws_file), "sem", "import", str(path))[0] == 0
    keywords, daily, _ = imported(ws_file)
    by_kw = daily.merge(keywords[["criterion_id", "keyword"]], on="criterion_id").set_index(
        "keyword"
    )
    row = by_kw.loc["tente de randonnée"]
    assert (row["impressions"], row["cost"], row["conversions_value"]) == (1204, 1234.56, 2499.98)
    assert by_kw.loc["tente légère", "conversions_value"] == 0.0  # " --"
    assert keywords.set_index("keyword").loc["tente légère", "final_url"] is pd.NA


def _variant(name: str, old: str, new: str, tmp_path: Path) -> Path:
    """A copy of fixture ``name`` (same file name, so the same source) with one cell changed."""
    raw = (FIXTURES / name).read_bytes()
    encoding = "utf-16" if raw.startswith(b"\xff\xfe") else "utf-8-sig"
    text = raw.decode(encoding)
    assert old in text
    path = tmp_path / "bad" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(text.replace(old, new, 1).encode(encoding))
    return path


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("google-fr-ca-keywords-by-day.csv", "\tCoût\t", "\tMontant\t",
         r"missing column\(s\): 'Cost' \(fr 'Coût'\)"),
        ("google-fr-ca-keywords-by-day.csv", "Requête large", "Requete lrage",
         r"row 6, column 'Type de correspondance': cannot read 'Requete lrage' as a match type"),
        ("google-en-keywords-by-day.csv", ",8.08,", ",8.08 approx,",
         r"row 6, column 'Cost': cannot read '8.08 approx' as a number"),
        ("microsoft-ui-keywords.csv", "11/13/2026,Boreal,Search - sleeping bags,Synthetic",
         "11/31/2026,Boreal,Search - sleeping bags,Synthetic",
         r"row 9, column 'Gregorian date': cannot read '11/31/2026' as a date"),
    ],
)  # fmt: skip
def test_bad_file_is_refused_whole_and_changes_nothing(tmp_path, capsys, name, old, new, message):
    ws_file = tmp_path / "ws.duckdb"
    assert (
        searchops(capsys, "--workspace", str(ws_file), "sem", "import", str(FIXTURES / name))[0]
        == 0
    )
    before = imported(ws_file)
    bad = _variant(name, old, new, tmp_path)
    code, err = searchops(capsys, "--workspace", str(ws_file), "sem", "import", str(bad))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("searchops: error: ")
    assert re.search(message, lines[0]), lines[0]
    after = imported(ws_file)
    pd.testing.assert_frame_equal(after[0], before[0])
    pd.testing.assert_frame_equal(after[1], before[1])
    assert after[2] == before[2]
