"""``searchops report``: the weekly HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from searchops.console import stdout


@click.group()
def report() -> None:
    """Reports built from the workspace.

    \b
    Example:
      searchops report weekly --out weekly.html
    """


@report.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("weekly-report.html"),
    show_default=True,
    help="HTML file to write.",
)
@click.option(
    "--weeks",
    type=click.IntRange(2, 104),
    help="Weeks of history in the trends (default: [report] weeks, 12).",
)
@click.pass_obj
def weekly(obj: Any, out: Path, weeks: int | None) -> None:
    """Write the weekly report: one self-contained HTML file.

    It reads only the workspace: health scores and findings from `searchops
    audit`, Core Web Vitals from `searchops vitals`, spend and revenue from
    `searchops sem`, bids and coverage from `searchops bid` and `searchops
    coverage`. Sections without data say so. The file has inline CSS and SVG,
    runs no script and loads nothing from the network, so it can be mailed,
    attached to a CI run or printed. Prints the path written.

    \b
    Examples:
      searchops report weekly
      searchops report weekly --out reports/2026-11-16.html --weeks 8
      searchops --workspace ci.duckdb report weekly --out weekly.html
    """
    from reports.weekly import write_report

    settings = obj.settings().settings
    with obj.open_workspace(read_only=True) as ws:
        path = write_report(ws, out, settings=settings, weeks=weeks)
    stdout.print(str(path), markup=False)
