"""The output formats of ``searchops audit --format``: one registry, name -> renderer.

Every renderer turns an :class:`~audits.engine.AuditResult` into text: ``table`` (what
``--out`` writes for the terminal table, without colours), ``json`` and ``csv`` for
notebooks and spreadsheets (every cell made safe for a spreadsheet:
:func:`searchops.escaping.write_csv`), and the CI formats of :mod:`audits.ci` (``junit``,
``github``, ``markdown``). The audit stage owns all of them, so it depends on no later
stage; the weekly report (``reports``) reads the workspace, never these renderers. A new
format is one function and one entry in :data:`FORMATS`: the CLI's ``--format`` choices
are this registry's keys.
"""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd

from audits import ci
from searchops.escaping import safe_csv_frame, terminal_document, terminal_json, write_csv

if TYPE_CHECKING:
    from audits.engine import AuditResult


# Findings read from the findings file this many rows at a time by the streamed formats
BATCH_ROWS = 10_000
_NO_FINDINGS = '\n  "findings": []\n}'


def _finding_frames(result: AuditResult) -> Iterator[pd.DataFrame]:
    """The findings in report order, a DataFrame of at most :data:`BATCH_ROWS` rows at a
    time, read from the findings file (the DataFrame ``result.findings`` when a caller
    already read it, or when the result has no file). Each batch has the dtypes the whole
    file read at once has (every column is text), so it renders the same."""
    path = getattr(result, "findings_file", None)
    if path is None or getattr(result, "_findings", None) is not None:
        frame = result.findings
        for start in range(0, len(frame), BATCH_ROWS):
            yield frame.iloc[start : start + BATCH_ROWS]
        return
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as file:
        for batch in file.iter_batches(batch_size=BATCH_ROWS):
            yield batch.to_pandas()


def _finding_columns(result: AuditResult) -> list[str]:
    path = getattr(result, "findings_file", None)
    if path is None or getattr(result, "_findings", None) is not None:
        return list(result.findings.columns)
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


def json_chunks(result: AuditResult, *, examples: int) -> Iterator[str]:
    """The JSON document in pieces: the findings streamed from the findings file, each as
    ``json.dumps(indent=2)`` lays it out inside the document. Holding every finding at
    once (418,155 at 100,000 demo pages: a DataFrame, then the text) took ~0.7 GB on top
    of the audit's peak; a million-page crawl's findings would not fit in its 2 GB."""

    def records(df: pd.DataFrame) -> list[dict[str, Any]]:
        return json.loads(df.to_json(orient="records"))  # type: ignore[no-any-return]

    head = json.dumps(
        {
            "run": str(result.run),
            "baseline": str(result.baseline) if result.baseline else None,
            "stats": result.stats,
            "notes": result.notes,
            "scores": records(result.scores),
            "rules": records(result.rules),
            "findings": [],
        },
        indent=2,
        ensure_ascii=False,
    )
    assert head.endswith(_NO_FINDINGS)  # text values are escaped: no raw newline in them
    opened = False
    for frame in _finding_frames(result):
        if frame.empty:
            continue
        columns = list(frame.columns)
        text = ",\n".join(
            textwrap.indent(json.dumps(dict(zip(columns, row, strict=True)), indent=2,
                                       ensure_ascii=False), "    ")
            for row in frame.astype(object).where(frame.notna(), None)
            .itertuples(index=False, name=None)
        )  # fmt: skip
        yield (head[: -len(_NO_FINDINGS)] + '\n  "findings": [\n' if not opened else ",\n") + text
        opened = True
    yield "\n  ]\n}" if opened else head


def csv_chunks(result: AuditResult, *, examples: int) -> Iterator[str]:
    """The CSV in pieces (the header, then the rows of each batch of the findings file):
    the text one ``write_csv`` of every finding gives, without holding them all."""
    header = True
    for frame in _finding_frames(result):
        if frame.empty:
            continue
        yield str(safe_csv_frame(frame).to_csv(index=False, header=header))
        header = False
    if header:  # no findings: the header alone
        yield str(write_csv(pd.DataFrame(columns=_finding_columns(result))))


def as_json(result: AuditResult, *, examples: int) -> str:
    return "".join(json_chunks(result, examples=examples))


def as_csv(result: AuditResult, *, examples: int) -> str:
    return "".join(csv_chunks(result, examples=examples))


def as_table(result: AuditResult, *, examples: int) -> str:
    """The terminal table for a file: the same content, no colours, no width limit."""
    from rich.console import Console

    from audits.terminal import audit_tables

    console = Console(record=True, width=200, color_system=None, file=io.StringIO())
    for renderable in audit_tables(result, examples):
        console.print(renderable)
    return console.export_text()


Renderer = Callable[..., str]

FORMATS: dict[str, Renderer] = {
    "table": as_table,
    "json": as_json,
    "csv": as_csv,
    "junit": lambda result, *, examples: ci.junit_xml(result),
    "github": lambda result, *, examples: ci.github_annotations(result),
    "markdown": ci.markdown,
}


# Formats written piece by piece (their findings streamed from the findings file)
STREAMED: dict[str, Callable[..., Iterator[str]]] = {"json": json_chunks, "csv": csv_chunks}


def render_chunks(result: AuditResult, fmt: str, *, examples: int) -> Iterator[str]:
    """The output of ``fmt`` in pieces whose concatenation is :func:`render`'s text: the
    streamed formats never hold every finding, nor the whole text."""
    if fmt not in FORMATS:
        raise ValueError(f"no audit output format {fmt!r} (known: {', '.join(FORMATS)})")
    pieces = (
        STREAMED[fmt](result, examples=examples)
        if fmt in STREAMED
        else iter([FORMATS[fmt](result, examples=examples)])
    )
    # Whatever the format escaped by its own rules, nothing in it may act on a terminal
    # (the output goes to stdout, or to a file someone will `cat`). Both filters work
    # within a piece: json's replaces single characters; every CSV cell (the only place
    # an escape sequence could be) already went through terminal_document.
    safe = terminal_json if fmt == "json" else terminal_document
    for piece in pieces:
        yield safe(piece)


def render(result: AuditResult, fmt: str, *, examples: int) -> str:
    return "".join(render_chunks(result, fmt, examples=examples))
