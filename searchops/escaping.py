"""Untrusted text made safe for where it is shown: a terminal and a spreadsheet.

Everything a crawled page, a feed or an export contains is untrusted (DESIGN.md, Trust
boundaries). Every text output of searchops that can reach a terminal (tables, CSV, JSON
and Markdown on stdout, log lines, progress, error messages) passes through
:func:`terminal_text` (one value), :func:`terminal_document` (a whole multi-line output) or
:func:`terminal_json` (a JSON document, losslessly); every CSV cell through
:func:`spreadsheet_cell` (:func:`safe_csv_frame` / :func:`write_csv` for a DataFrame).

Terminal: ECMA-48 escape and control sequences are removed whole (OSC such as 52 clipboard
writes, 0 window titles and 8 hyperlinks; DCS, SOS, PM, APC strings; CSI; any other ESC
sequence), in their 7-bit (``ESC ]``) and 8-bit C1 (``U+009D``) forms, and whatever control
character is left (C0, DEL, C1) becomes a space. Unicode bidirectional embeddings,
overrides and isolates are removed (they reorder what the reader sees, "Trojan Source",
CVE-2021-42574); the marks LRM/RLM are kept (they only affect the neighbouring
characters and real right-to-left text needs them).

Spreadsheet (OWASP, "CSV Injection"): a text cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return, or their full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20),
after any leading blanks, is prefixed with a single quote so that Excel, LibreOffice and Google Sheets show it as
text; numbers (and text that is exactly a number, such as ``-0.50``) stay numbers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

# OSC, DCS, SOS, PM and APC open a control string that runs to ST (ESC \ or U+009C) or, in
# practice (xterm), BEL. Its body is matched only while it is printable: whatever control
# character cuts it short is dealt with below, so an unterminated string never swallows the
# rest of the output.
_CONTROL_STRING = (
    r"(?:\x1b[\]P X^_]|[\x90\x98\x9d\x9e\x9f])[^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\|\x9c)?"
)
_CSI = r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
_OTHER_ESCAPE = r"\x1b[\x20-\x2f]*[\x30-\x7e]?"
_SEQUENCE = re.compile(f"{_CONTROL_STRING}|{_CSI}|{_OTHER_ESCAPE}")
_BIDI_FORMATTING = re.compile("[\u202a-\u202e\u2066-\u2069]")
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")  # one line: newline and tab too
_CONTROL_DOCUMENT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps \t and \n
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(value: object) -> str:
    """One value on one line: no escape sequence, no control character, no bidi override."""
    text = _SEQUENCE.sub("", str(value))
    return _CONTROL_LINE.sub(" ", _BIDI_FORMATTING.sub("", text))


def terminal_document(text: str) -> str:
    """A whole output (CSV, Markdown, a table as text, a log record): as :func:`terminal_text`
    but its lines and tabs are kept."""
    text = _SEQUENCE.sub("", text)
    return _CONTROL_DOCUMENT.sub(" ", _BIDI_FORMATTING.sub("", text))


def terminal_json(text: str) -> str:
    """A JSON document safe on a terminal and still equal, once parsed, to what it was: the
    characters a terminal would act on are written as ``\\uXXXX`` escapes (``json`` already
    escapes C0; DEL, C1 and the bidi formatting characters it writes raw). Outside strings
    JSON has no such characters, so every one of them is inside a string."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` for a terminal (see :func:`terminal_json`)."""
    return terminal_json(json.dumps(value, **kwargs))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell no spreadsheet evaluates as a formula, and no terminal acts on; anything
    that is not text (numbers, dates, missing values) unchanged."""
    if not isinstance(value, str):
        return value
    text = terminal_document(value)
    # Leading blanks too: some spreadsheets trim them before reading a formula (and a
    # carriage return has just become a space).
    start = text.lstrip(" \t")
    if start.startswith(_FORMULA_START) and not _NUMBER.fullmatch(start):
        return "'" + text
    return text


def safe_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell made safe by :func:`spreadsheet_cell` (and column names)."""
    from pandas.api.types import is_string_dtype

    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(spreadsheet_cell)
    safe.columns = [spreadsheet_cell(str(c)) for c in safe.columns]
    return safe


def write_csv(frame: pd.DataFrame, target: Path | IO[str] | None = None) -> str | None:
    """The one way searchops writes a CSV: every cell through :func:`spreadsheet_cell`. With
    no ``target``, the CSV text is returned."""
    result: str | None = safe_csv_frame(frame).to_csv(target, index=False)
    return result
