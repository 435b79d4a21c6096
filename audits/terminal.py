"""What ``searchops audit`` and ``searchops rules`` print on a terminal (or a log).

No table cell holds a URL, a rule ID or a slug: a table squeezed into 100 columns
folds them mid-word and they can no longer be copied. Findings print as one block
per rule, one URL per line (never wrapped: see :mod:`searchops.console`); the rule
list prints two lines per rule, its summary cut to the width.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from searchops.console import clean_text

if TYPE_CHECKING:
    import pandas as pd

    from audits.engine import AuditResult

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "notice": "cyan"}


def summary_line(result: AuditResult) -> str:
    stats = result.stats
    text = f"{stats['findings']} findings ({stats['errors']} errors, {stats['warnings']} warnings, {stats['notices']} notices)"
    if result.baseline is not None:
        text += f"; {stats['new']} new, {stats['fixed']} fixed, {stats['persisting']} persisting"
    return text


def _grouped(result: AuditResult, examples: int) -> list[dict[str, Any]]:
    """One row per rule with findings: counts by change and example URLs."""
    slugs = dict(zip(result.rules["rule_id"], result.rules["slug"], strict=True))
    return [
        {
            "rule_id": group.rule_id,
            "severity": group.severity,
            "slug": slugs.get(group.rule_id, ""),
            "count": group.count,
            "new": group.new,
            "examples": group.examples,
            "message": group.rows["message"].iloc[0],
        }
        for group in result.rule_groups("open", rows=1, examples=examples)
    ]


def _rule_block(row: dict[str, Any], examples: int, with_baseline: bool) -> Text:
    severity = row["severity"]
    head = Text.assemble(
        (f"{severity:<8}", SEVERITY_STYLE[severity]),
        (f"{row['rule_id']} ", "bold"),
        (clean_text(row["slug"], limit=80), "dim"),
        f"  {row['count']:,} finding(s)",
        f", {row['new']:,} new" if with_baseline else "",
    )
    lines = [head, Text("        " + clean_text(row["message"], limit=160))]
    shown = row["examples"][:examples]
    lines += [Text("        " + clean_text(url, limit=400)) for url in shown]
    if row["count"] > len(shown):
        lines.append(Text(f"        … and {row['count'] - len(shown):,} more", style="dim"))
    return Text("\n").join(lines)


def _scores_table(result: AuditResult) -> Table:
    table = Table(title="Health score per family (0-100)", title_justify="left")
    for name in ("family", "score", "findings", "pages affected"):
        table.add_column(name, justify="left" if name == "family" else "right", no_wrap=True)
    for score in result.scores.to_dict("records"):
        affected = score.get("affected")
        table.add_row(
            str(score["family"]),
            f"{score['score']:.1f}",
            f"{score['findings']:,}",
            "" if affected is None else f"{affected:,}",
        )
    return table


def _skipped_lines(result: AuditResult) -> Iterator[Text]:
    """One short line per reason: the count and the families; the IDs are in --format json."""
    skipped = result.rules[result.rules["status"] == "skipped"]
    for reason, group in skipped.groupby("reason"):
        families = ", ".join(sorted(set(group["family"])))
        yield Text(
            f"skipped {len(group)} rule{'s' if len(group) != 1 else ''} ({families}): "
            f"{clean_text(reason, limit=160)}",
            style="dim",
        )


def audit_tables(result: AuditResult, examples: int) -> Iterator[RenderableType]:
    """The findings per rule, the health scores, skipped rules and the one-line summary."""
    rows = _grouped(result, examples)
    yield Text(f"Audit of {clean_text(result.run.name)}", style="bold")
    if not rows:
        yield Text("No findings.")
    for row in rows:
        yield _rule_block(row, examples, result.baseline is not None)
    for note in result.notes:
        yield Text(clean_text(note, limit=400), style="yellow")
    yield _scores_table(result)
    yield from _skipped_lines(result)
    yield Text(summary_line(result))


_DETAIL = (("why", "why"), ("anti-pattern", "anti_pattern"), ("fix", "fix"), ("source", "source"))


def rules_lines(
    table: pd.DataFrame, width: int, *, sources: bool = False, detail: bool = False
) -> Iterator[Text]:
    """Two lines per rule: ID, severity, family and slug; then the summary cut to ``width``;
    with ``sources``, a third: the rule's source, whole (its links must stay copyable); with
    ``detail``, the why, anti-pattern, fix and source in full."""
    more = "" if detail else "; why and fix: searchops rules --detail or ID"
    yield Text(f"{len(table)} audit rule{'s' if len(table) != 1 else ''}{more}", style="bold")
    for rule in table.to_dict("records"):
        severity = str(rule["severity"])
        yield Text.assemble(
            (f"{rule['id']:<20}", "bold"),
            (f"{severity:<8}", SEVERITY_STYLE[severity]),
            f"{rule['family']:<16}",
            clean_text(rule["slug"], limit=80),
        )
        summary = " ".join(str(rule["summary"]).split())
        room = max(width - 5, 20)
        if len(summary) > room:
            summary = summary[: room - 1] + "…"
        yield Text("    " + clean_text(summary, limit=room), style="dim")
        if detail:
            for label, key in _DETAIL:
                value = " ".join(str(rule.get(key) or "").split())
                if value:
                    yield Text.assemble((f"    {label}: ", "bold"), clean_text(value, limit=2000))
        elif sources and rule.get("source"):
            yield Text("    source: " + clean_text(str(rule["source"]), limit=1000), style="dim")
