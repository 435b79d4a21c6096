"""`searchops merchant import`: feeds written from Google's product data specification
(tab-separated, RSS 2.0 and Atom with the g: namespace, en and fr), and hostile files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

FEEDS = Path(__file__).parents[1] / "fixtures" / "merchant"
SEARCHOPS = str(Path(sys.executable).parent / "searchops")


def run(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SEARCHOPS, "--workspace", str(ws), "merchant", "import", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def items(ws: Path) -> dict[tuple[str, str], dict]:
    con = duckdb.connect(str(ws), read_only=True)
    cursor = con.execute("SELECT * FROM merchant_items")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    con.close()
    return {(r["offer_id"], r["language"]): r for r in rows}


def test_tab_separated_rss_and_atom_feeds_in_english_and_french(tmp_path):
    ws = tmp_path / "ws.duckdb"
    done = run(ws, str(FEEDS / "products_en.txt"), "--language", "en")
    assert done.returncode == 0, done.stderr
    assert "4 items" in done.stderr and "availability unknown 1" in done.stderr
    assert "price missing 1" in done.stderr
    assert run(ws, str(FEEDS / "products_fr.xml")).returncode == 0
    assert run(ws, str(FEEDS / "products_atom.xml")).returncode == 0
    got = items(ws)
    green = got[("TENT-4P-GRN", "en")]
    assert (green["price"], green["price_currency"]) == (349.99, "CAD")
    assert green["sale_price"] == 299.99 and green["additional_images"] == 2
    assert green["gtin"] == "00012345678905" and green["item_group_id"] == "TENT-4P"
    assert got[("TENT-4P-BLU", "en")]["availability"] == "in_stock"  # "in stock" as written
    assert got[("TENT-4P-BLU", "en")]["price"] == 1299.0
    stove = got[("STOVE-1", "en")]
    assert stove["availability"] is None and "availability 'available' unknown" in stove["issues"]
    # French: the channel's <language>, a decimal comma and a thin-space thousands separator
    vert = got[("TENT-4P-GRN", "fr")]
    assert vert["price"] == 349.99 and vert["title"].startswith("Tente dôme")
    assert vert["link"].endswith("/fr/p/tente-dome-4-personnes-verte")
    assert vert["other_attributes"] == 1  # g:shipping, kept out
    assert got[("LANTERN-1", "fr")]["price"] == 1039.99
    pack = got[("PACK-40", "en")]  # Atom: xml:lang, <link href>, <summary>
    assert pack["link"].endswith("portage-40l-backpack") and pack["availability"] == "preorder"
    assert pack["description"] == "A 40-litre trekking pack."


def test_a_feed_is_a_snapshot_reimport_replaces_its_items(tmp_path):
    ws = tmp_path / "ws.duckdb"
    assert run(ws, str(FEEDS / "products_en.txt"), "--language", "en").returncode == 0
    smaller = tmp_path / "products_en.txt"
    lines = (FEEDS / "products_en.txt").read_text().splitlines()
    smaller.write_text("\n".join(lines[:2]) + "\n")
    assert run(ws, str(smaller), "--language", "en").returncode == 0
    assert [k for k in items(ws)] == [("TENT-4P-GRN", "en")]


HOSTILE = {
    "billion-laughs.xml": (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>&lol2;</g:id>'
        "</item></channel></rss>",
        "forbidden",
    ),
    "xxe.xml": (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>&x;</g:id>'
        "</item></channel></rss>",
        "forbidden",
    ),
    "truncated.xml": (
        '<rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>A</g:id>',
        "not well-formed",
    ),
    "page.xml": ("<html><body>not a feed</body></html>", "RSS 2.0"),
    "no-id.txt": ("title\tprice\nTent\t10.00 CAD\n", "no 'id' column"),
    "duplicates.txt": ("id\ttitle\nA\tTent\nA\tTent again\n", "repeats id 'A'"),
    "ragged.txt": ("id\ttitle\nA\tTent\textra\tcells\n", "line 2 has 4 fields"),
    "latin1.txt": ("id\ttitle\nA\tTente \xe0 d\xf4me\n".encode("latin-1"), "not UTF-8"),
    "empty.txt": ("", "empty file"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_bad_file_is_one_line_and_changes_nothing(tmp_path, name):
    ws = tmp_path / "ws.duckdb"
    assert run(ws, str(FEEDS / "products_en.txt"), "--language", "en").returncode == 0
    before = items(ws)
    content, message = HOSTILE[name]
    bad = tmp_path / name
    bad.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    done = run(ws, str(bad), "--source", "products_en", "--language", "en")
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "nothing was imported" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert items(ws).keys() == before.keys()


def test_formulas_and_control_characters_stay_data_and_never_reach_the_terminal(tmp_path):
    ws = tmp_path / "ws.duckdb"
    feed = tmp_path / "evil.txt"
    feed.write_text(
        "id\ttitle\tlink\tprice\tavailability\n"
        "=cmd|' /C calc'!A0\t\x1b]52;c;ZXZpbA==\x07Tent\x1b[2J\thttps://x.example/p\t"
        "10.00 CAD\tin_stock\n",
        encoding="utf-8",
    )
    done = run(ws, str(feed), "--source", "\x1b]0;pwned\x07evil")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr
    (row,) = items(ws).values()
    assert row["offer_id"] == "=cmd|' /C calc'!A0"  # data, escaped where it is shown
    assert "\x1b" not in row["title"] and "Tent" in row["title"]


def test_utf16_tab_separated_feed(tmp_path):
    ws = tmp_path / "ws.duckdb"
    feed = tmp_path / "utf16.txt"
    feed.write_bytes(
        "id\ttitle\tprice\tavailability\nA\tTente à dôme\t12,50 CAD\tin_stock\n".encode("utf-16")
    )
    assert run(ws, str(feed), "--language", "fr").returncode == 0
    row = items(ws)[("A", "fr")]
    assert row["title"] == "Tente à dôme" and row["price"] == 12.5
