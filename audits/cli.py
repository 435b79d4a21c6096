"""``searchops audit`` and ``searchops rules``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

import audits
from audits import ci
from audits.outputs import FORMATS, render_chunks
from audits.terminal import audit_tables, rules_lines, summary_line
from searchops.console import clean_text, safe_text, stderr, stdout
from searchops.escaping import json_dumps


@click.command()
@click.argument("run", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--baseline",
    metavar="RUN|last",
    help="Earlier run folder to compare with, or 'last' (the workspace's previous crawl).",
)
@click.option(
    "--rules",
    "rule_patterns",
    metavar="IDS",
    help="Only these rules: IDs, globs (SEO-META-*), slugs or families, comma-separated.",
)
@click.option("--skip-rules", metavar="IDS", help="Rules not to run (same syntax as --rules).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "never"]),
    help="Exit 1 when findings at or above this severity exist (only new ones with --baseline). Default: [audit] fail_on.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the output to FILE instead of stdout.",
)
@click.pass_obj
def audit(
    obj: Any,
    run: Path,
    baseline: str | None,
    rule_patterns: str | None,
    skip_rules: str | None,
    fmt: str,
    fail_on: str | None,
    out: Path | None,
) -> int:
    """Audit the run folder RUN and report findings; compare with a baseline run.

    Findings are written to RUN/findings.parquet and to the workspace (tables
    findings and health_scores). With --baseline, each finding is new, persisting
    or fixed, and --fail-on counts only the new ones. When $GITHUB_STEP_SUMMARY is
    set, a Markdown summary is appended to it.

    Exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or runtime error.

    \b
    Examples:
      searchops audit runs/crawl-20260105T0300Z
      searchops audit runs/crawl-new --baseline runs/crawl-old --fail-on error
      searchops audit runs/crawl-new --baseline last --format junit --out audit.xml
      searchops audit runs/crawl-new --rules hreflang,SEO-META-001 --format json
      searchops audit runs/crawl-new --skip-rules content --format github
    """
    overrides = {"audit": {"fail_on": fail_on}} if fail_on else None
    settings = obj.settings(overrides).settings
    with obj.open_workspace() as workspace:
        result = audits.audit(
            run,
            baseline=baseline,
            rules=rule_patterns,
            skip_rules=skip_rules,
            settings=settings,
            workspace=workspace,
        )
    if baseline == "last" and result.baseline is None:
        stderr.print("no earlier crawl in the workspace: audited without a baseline")
    threshold = settings.audit.fail_on
    examples = settings.audit.max_examples
    if out is not None:
        with out.open("w", encoding="utf-8") as fh:  # piece by piece: json/csv stream findings
            fh.writelines(render_chunks(result, fmt, examples=examples))
        stderr.print(f"wrote {safe_text(out)}: {summary_line(result)}")
    elif fmt == "table":
        for renderable in audit_tables(result, examples):
            stdout.print(renderable)
    else:
        for note in result.notes:
            stderr.print(clean_text(note, limit=400), markup=False)
        last = ""
        for piece in render_chunks(result, fmt, examples=examples):
            if piece:
                click.echo(piece, nl=False)
                last = piece
        if not last.endswith("\n"):
            click.echo("")
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        ci.append_step_summary(Path(summary_file), ci.markdown(result, examples=examples))
    return result.exit_code(threshold)


@click.command()
@click.argument("selection", nargs=-1)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--sources",
    is_flag=True,
    help="Add each rule's source (the dated page it follows, links whole) on a third line.",
)
@click.option(
    "--detail",
    is_flag=True,
    help="Each rule's why, anti-pattern, fix and source too (the default when IDs are given).",
)
def rules(selection: tuple[str, ...], fmt: str, sources: bool, detail: bool) -> None:
    """List the audit rules: ID, slug, family, severity and what each checks; with --detail
    (or rule IDs / families) also why it matters, the anti-pattern, the fix and the source.

    \b
    Examples:
      searchops rules
      searchops rules --sources            # with the dated page each rule follows
      searchops rules SEO-INDEX-008          # one rule, in full
      searchops rules hreflang --detail      # a family, in full
      searchops rules --format json | jq '.[] | select(.family == "hreflang")'
    """
    table = audits.rules_table()
    if selection:
        wanted = {s.lower() for s in selection}
        keep = table["id"].str.lower().isin(wanted) | table["family"].str.lower().isin(wanted)
        keep |= table["slug"].str.lower().isin(wanted)
        if not keep.any():
            raise click.BadParameter(
                f"no rule or family {', '.join(selection)} (searchops rules lists them)",
                param_hint="SELECTION",
            )
        table = table[keep]
    if fmt == "json":
        click.echo(json_dumps(table.to_dict(orient="records"), indent=2))
        return
    for line in rules_lines(table, stdout.width, sources=sources, detail=detail or bool(selection)):
        stdout.print(line)
