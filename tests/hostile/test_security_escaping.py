"""searchops.escaping: every kind of sequence a terminal acts on, every formula start."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from searchops.escaping import (
    spreadsheet_cell,
    terminal_document,
    terminal_json,
    terminal_text,
    write_csv,
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b]52;c;ZXZpbA==\x07b", "ab"),  # OSC 52 clipboard write, BEL-terminated
        ("a\x1b]0;title\x1b\\b", "ab"),  # OSC 0 window title, ST-terminated
        ("\x1b]8;;http://evil.example/\x07link\x1b]8;;\x07", "link"),  # OSC 8 hyperlink
        ("a\u009d0;title\u009cb", "ab"),  # 8-bit OSC ... ST
        ("a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),  # DCS (sixel)
        ("a\x1b_payload\x1b\\b", "ab"),  # APC
        ("\x1b[31mred\x1b[0m", "red"),  # CSI SGR
        ("a\u009b2Jb", "ab"),  # 8-bit CSI: erase display
        ("a\x1b(Bb", "ab"),  # bare ESC sequence
        ("a\x1b]52;c;unterminated", "a"),  # an OSC never closed
        ("\u202egnp.exe\u202c", "gnp.exe"),  # bidi override
        ("\u2067x\u2069", "x"),  # bidi isolate
        ("a\x07b\x08c\rd", "a b c d"),  # other controls
        ("a\nb\tc", "a b c"),
        ("Montréal ÉTÉ — 10 %", "Montréal ÉTÉ — 10 %"),  # text stays text
    ],
)
def test_terminal_text(raw: str, shown: str) -> None:
    assert terminal_text(raw) == shown


def test_terminal_document_keeps_lines_and_tabs() -> None:
    assert terminal_document("a\tb\n\x1b]52;c;x\x07c\r\n") == "a\tb\nc \n"


def test_terminal_json_is_lossless() -> None:
    value = {"t": "\x1b]52;c;x\x07 \u009b31m \u202e \x7f é"}
    text = terminal_json(json.dumps(value, ensure_ascii=False))
    assert json.loads(text) == value
    assert not any(c in text for c in "\x1b\x07\u009b\u202e\x7f") and "é" in text


@pytest.mark.parametrize(
    "raw",
    ["=1+1", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1", "\r=1",
     "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(1)", '=HYPERLINK("http://evil.example","x")'],
)  # fmt: skip
def test_formula_cells_are_shown_as_text(raw: str) -> None:
    assert spreadsheet_cell(raw).startswith("'")


@pytest.mark.parametrize("value", ["-0.50", "+3", "1.5e3", 12, -4.5, None, "dome tent", "a=b"])
def test_numbers_and_text_stay_as_they_are(value: object) -> None:
    assert spreadsheet_cell(value) == value


def test_write_csv_keeps_numeric_columns_numeric() -> None:
    frame = pd.DataFrame({"kw": ["=1+1", "ok"], "bid": [-1.25, 2.0], "id": [1, 2]})
    back = pd.read_csv(__import__("io").StringIO(write_csv(frame)))
    assert back["kw"].tolist() == ["'=1+1", "ok"]
    assert back["bid"].tolist() == [-1.25, 2.0] and back["id"].tolist() == [1, 2]
