"""Crawled and imported text never acts on a terminal or a spreadsheet.

A hostile site puts OSC 52 (clipboard write), OSC 0 (window title), OSC 8 (hyperlink), 8-bit
C1 sequences and a bidi override into a title, an hreflang value and a link, and a formula
into JSON-LD; a hostile Google Ads export puts formulas and escapes into campaign, ad group
and keyword names. Every output a user reads or opens is checked (searchops.escaping).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from tests.hostile.server import HostileServer, Reply, cli

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"
OSC0 = "\x1b]0;pwned title\x1b\\"
OSC8 = "\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07"
C1 = "\u009d52;c;ZXZpbA==\u009c\u009b31m"
BIDI = "\u202egnp.exe\u202c"
FORMULA = "=cmd|' /C calc'!A0"
# What a terminal acts on: C0 but tab/newline, DEL, C1, bidi embeddings/overrides/isolates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"


def _site() -> HostileServer:
    product = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "@SUM(1+1)*cmd|' /C calc'!A0",
        "offers": {"@type": "Offer", "price": "12.00", "priceCurrency": FORMULA},
    }
    head = (
        f"<title>{OSC52}{OSC0} A hostile title that goes on well past sixty characters "
        f"of text {C1}{BIDI}</title><link rel='alternate' hreflang='{OSC8}en' href='/a'>"
        f"<script type='application/ld+json'>{json.dumps(product)}</script>"
    )
    server = HostileServer()
    server.route(
        "/", Reply.html(f"<h1>{OSC8}</h1><a href='/a'>a</a><a href='/b{OSC0}'>b</a>", head)
    )
    server.route("/a", Reply.html("<h1>a</h1>", f"<title>{FORMULA}</title>"))
    return server


def _formula_cells(text: str) -> list[str]:
    return [
        cell
        for row in csv.reader(io.StringIO(text))
        for cell in row
        if cell.startswith(FORMULA_START) and not re.fullmatch(r"[+-]?[\d.]+", cell)
    ]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("terminal")
    with _site().running() as base:
        done = cli("crawl", base + "/", "--render", "never", "--out", str(tmp / "run"), cwd=tmp)
    assert done.returncode == 0, done.stderr
    assert not UNSAFE.search(done.stdout + done.stderr)
    return tmp / "run"


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown", "github", "junit", "table"])
def test_audit_output_carries_no_terminal_sequence(hostile_run: Path, fmt: str) -> None:
    result = cli(
        "audit", str(hostile_run), "--format", fmt, "--fail-on", "never", cwd=hostile_run.parent
    )
    assert result.returncode == 0, result.stderr
    assert not UNSAFE.search(result.stdout), repr(UNSAFE.findall(result.stdout))
    assert not UNSAFE.search(result.stderr)
    if fmt != "json":  # the OSC 0 sequence is removed whole (JSON keeps it, escaped)
        assert "pwned title" not in result.stdout
    if fmt == "csv":
        assert "'" + FORMULA in result.stdout  # the JSON-LD priceCurrency, shown as text
        assert _formula_cells(result.stdout) == []
    if fmt == "json":  # lossless: the escapes are JSON escapes, the value is intact
        evidence = [f["evidence"] for f in json.loads(result.stdout)["findings"]]
        assert any(OSC52 in str(e) and BIDI in str(e) for e in evidence)


def test_audit_out_file_is_as_safe_as_stdout(hostile_run: Path) -> None:
    out = hostile_run.parent / "findings.csv"
    cli(
        "audit",
        str(hostile_run),
        "--format",
        "csv",
        "--out",
        str(out),
        "--fail-on",
        "never",
        cwd=hostile_run.parent,
    )
    text = out.read_text(encoding="utf-8")
    assert not UNSAFE.search(text) and _formula_cells(text) == []


def test_the_crawl_log_has_no_terminal_sequence(hostile_run: Path) -> None:
    log = (hostile_run / "crawl.log").read_text(encoding="utf-8", errors="replace")
    assert not UNSAFE.search(log)


def _hostile_export(path: Path) -> Path:
    names = {
        "Search | tents": '=HYPERLINK("http://evil.example","camp")',
        "Dome tents": "@SUM(1+1)*cmd|' /C calc'!A0",
        "Backpacking tents": "+cmd|' /C calc'!A0 " + OSC52,
        "camping tent": "-2+3+cmd|' /C calc'!A0",
        "ultralight tent": f"ultralight {OSC0}tent {C1}",
    }
    lines = (EXPORTS / "google-en-tents-keywords-by-day.csv").read_text("utf-8-sig").splitlines()
    out = io.StringIO()
    out.write("\n".join(lines[:2]) + "\n")
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(lines[2:]):
        writer.writerow([names.get(cell, cell) for cell in row])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_imported_names_reach_no_terminal_or_spreadsheet(tmp_path: Path) -> None:
    export = _hostile_export(tmp_path / "keywords.csv")
    assert cli("sem", "import", str(export), cwd=tmp_path).returncode == 0
    roi_csv = cli("sem", "roi", "--level", "keyword", "--format", "csv", cwd=tmp_path)
    roi_json = cli("sem", "roi", "--level", "keyword", "--format", "json", cwd=tmp_path)
    roi_table = cli("sem", "roi", "--level", "keyword", cwd=tmp_path)
    # the exact strategy moves all five keywords of this small export (the default, posterior,
    # moves only those its draws support): every hostile name reaches the Editor file
    bids = cli(
        "bid", "recommend", "--strategy", "exact", "--out", str(tmp_path / "bids"), cwd=tmp_path
    )
    assert bids.returncode == 0, bids.stderr
    editor = (tmp_path / "bids" / "bids-editor.csv").read_text(encoding="utf-8")
    review = (tmp_path / "bids" / "review.txt").read_text(encoding="utf-8")
    for text in (
        roi_csv.stdout,
        roi_json.stdout,
        roi_table.stdout,
        bids.stdout,
        bids.stderr,
        editor,
        review,
    ):
        assert not UNSAFE.search(text), repr(UNSAFE.findall(text))
    for text in (roi_csv.stdout, editor):
        assert _formula_cells(text) == []
    rows = list(csv.DictReader(io.StringIO(editor)))
    assert len(rows) == 5
    assert {r["Campaign"] for r in rows} == {"'" + '=HYPERLINK("http://evil.example","camp")'}
    assert "'-2+3+cmd|' /C calc'!A0" in {r["Keyword"] for r in rows}
    # Numbers stay numbers: the bids and ids are plain digits Editor and `bid apply` read.
    assert all(re.fullmatch(r"\d+\.\d\d", r["Max CPC"]) for r in rows)
    assert all(r["Keyword ID"].isdigit() and r["Ad group ID"].isdigit() for r in rows)
    assert any(
        r["keyword"] == "-2+3+cmd|' /C calc'!A0" for r in json.loads(roi_json.stdout)["rows"]
    )
