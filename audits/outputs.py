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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from audits import ci
from searchops.escaping import terminal_document, terminal_json, write_csv

if TYPE_CHECKING:
    from audits.engine import AuditResult


def as_json(result: AuditResult, *, examples: int) -> str:
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
    if result.findings.empty:
        return head
    # The findings one record at a time, as json.dumps(indent=2) lays them out in the
    # document: a list of every finding as dicts (418,155 at 100,000 demo pages) took
    # ~1.5 GB on top of the audit's peak, and the audit of such a crawl over its 2 GB.
    columns = list(result.findings.columns)
    findings = ",\n".join(
        textwrap.indent(json.dumps(dict(zip(columns, row, strict=True)), indent=2,
                                   ensure_ascii=False), "    ")
        for row in result.findings.astype(object)
        .where(result.findings.notna(), None)
        .itertuples(index=False, name=None)
    )  # fmt: skip
    return head.replace('\n  "findings": []\n}', f'\n  "findings": [\n{findings}\n  ]\n}}')


def as_csv(result: AuditResult, *, examples: int) -> str:
    return str(write_csv(result.findings))


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


def render(result: AuditResult, fmt: str, *, examples: int) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"no audit output format {fmt!r} (known: {', '.join(FORMATS)})")
    text = FORMATS[fmt](result, examples=examples)
    # Whatever the format escaped by its own rules, nothing in it may act on a terminal
    # (the output goes to stdout, or to a file someone will `cat`).
    return terminal_json(text) if fmt == "json" else terminal_document(text)
