"""``searchops audit`` and ``searchops rules``."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

import audits
from audits.engine import AuditResult
from reports import ci
from searchops.console import safe_text, stderr, stdout

FORMATS = ("table", "json", "csv", "junit", "github", "markdown")
_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "notice": "cyan"}


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
    type=click.Choice(FORMATS),
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
    text = render(result, fmt, examples=examples)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        stderr.print(f"wrote {safe_text(out)}: {summary_line(result)}")
    elif fmt == "table":
        print_table(result, examples)
    else:
        click.echo(text, nl=not text.endswith("\n"))
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        ci.append_step_summary(Path(summary_file), ci.markdown(result, examples=examples))
    return result.exit_code(threshold)


def summary_line(result: AuditResult) -> str:
    stats = result.stats
    text = f"{stats['findings']} findings ({stats['errors']} errors, {stats['warnings']} warnings, {stats['notices']} notices)"
    if result.baseline is not None:
        text += f"; {stats['new']} new, {stats['fixed']} fixed, {stats['persisting']} persisting"
    return text


def render(result: AuditResult, fmt: str, examples: int) -> str:
    if fmt == "json":
        return as_json(result)
    if fmt == "csv":
        return str(result.findings.to_csv(index=False))
    if fmt == "junit":
        return ci.junit_xml(result)
    if fmt == "github":
        return ci.github_annotations(result)
    if fmt == "markdown":
        return ci.markdown(result, examples=examples)
    return plain_table(result, examples)


def as_json(result: AuditResult) -> str:
    def records(df: pd.DataFrame) -> list[dict[str, Any]]:
        return json.loads(df.to_json(orient="records"))  # type: ignore[no-any-return]

    return json.dumps(
        {
            "run": str(result.run),
            "baseline": str(result.baseline) if result.baseline else None,
            "stats": result.stats,
            "scores": records(result.scores),
            "rules": records(result.rules),
            "findings": records(result.findings),
        },
        indent=2,
        ensure_ascii=False,
    )


def _grouped(result: AuditResult) -> list[dict[str, Any]]:
    """One row per rule with findings: counts by change and example URLs."""
    found = result.open_findings()
    slugs = dict(zip(result.rules["rule_id"], result.rules["slug"], strict=True))
    rows = []
    for rule_id, group in found.groupby("rule_id", sort=False):
        rows.append(
            {
                "rule_id": rule_id,
                "severity": group["severity"].iloc[0],
                "slug": slugs.get(str(rule_id), ""),
                "count": len(group),
                "new": int((group["change"] == "new").sum()),
                "examples": list(group["url"].head(50).drop_duplicates()),
                "message": group["message"].iloc[0],
            }
        )
    return rows


def _rich_table(result: AuditResult, examples: int) -> Table:
    table = Table(title=f"Audit of {safe_text(result.run.name)}", show_lines=False)
    table.add_column("rule")
    table.add_column("severity")
    table.add_column("count", justify="right")
    if result.baseline is not None:
        table.add_column("new", justify="right")
    table.add_column("example URLs", overflow="fold")
    for row in _grouped(result):
        cells = [
            f"{row['rule_id']}\n[dim]{safe_text(row['slug'])}[/dim]",
            f"[{_SEVERITY_STYLE[row['severity']]}]{row['severity']}[/]",
            str(row["count"]),
        ]
        if result.baseline is not None:
            cells.append(str(row["new"]))
        cells.append("\n".join(safe_text(u, limit=120) for u in row["examples"][:examples]))
        table.add_row(*cells)
    return table


def _scores_table(result: AuditResult) -> Table:
    table = Table(title="Health score per family (0-100)")
    for name in ("family", "score", "findings"):
        table.add_column(name, justify="left" if name == "family" else "right")
    for score in result.scores.to_dict("records"):
        table.add_row(str(score["family"]), f"{score['score']:.1f}", str(score["findings"]))
    return table


def print_table(result: AuditResult, examples: int) -> None:
    if result.open_findings().empty:
        stdout.print("No findings.")
    else:
        stdout.print(_rich_table(result, examples))
    stdout.print(_scores_table(result))
    skipped = result.rules[result.rules["status"] == "skipped"]
    for reason, group in skipped.groupby("reason"):
        ids = ", ".join(group["rule_id"])
        stdout.print(f"[dim]skipped {len(group)} rule(s), {safe_text(reason)}: {ids}[/dim]")
    stdout.print(summary_line(result))


def plain_table(result: AuditResult, examples: int) -> str:
    """The table for a file (--out): the same content, no colours."""
    console = Console(record=True, width=160, color_system=None, file=io.StringIO())
    console.print(_rich_table(result, examples))
    console.print(_scores_table(result))
    console.print(summary_line(result))
    return console.export_text()


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def rules(fmt: str) -> None:
    """List the audit rules: ID, slug, family, severity and what each checks.

    \b
    Examples:
      searchops rules
      searchops rules --format json | jq '.[] | select(.family == "hreflang")'
    """
    table = audits.rules_table()
    if fmt == "json":
        click.echo(json.dumps(table.to_dict(orient="records"), indent=2))
        return
    view = Table(title=f"{len(table)} audit rules")
    for name in ("id", "slug", "family", "severity", "summary"):
        view.add_column(name, no_wrap=name != "summary", overflow="fold")
    for rule in table.to_dict("records"):
        style = _SEVERITY_STYLE[str(rule["severity"])]
        view.add_row(
            rule["id"],
            rule["slug"],
            rule["family"],
            f"[{style}]{rule['severity']}[/]",
            safe_text(rule["summary"]),
        )
    stdout.print(view)
