"""CI outputs of an audit: JUnit XML, GitHub workflow annotations, a Markdown summary.

Every string that came from a crawled page (URLs, titles, evidence) is untrusted:
each format escapes it by its own rules, and no control or escape sequence gets through
(:mod:`searchops.escaping`).
What counts: the rule's open findings, only the new ones when the audit had a baseline.
The audit stage owns these formats (they render an :class:`~audits.engine.AuditResult`);
:mod:`audits.outputs` is the registry ``searchops audit --format`` picks them from.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from searchops.escaping import terminal_document, terminal_text

if TYPE_CHECKING:
    from audits.engine import AuditResult

# XML 1.0 forbids these even as character references.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
MAX_LISTED = 200  # URLs listed per JUnit failure / per annotation, to keep CI logs readable


def counted(result: AuditResult) -> pd.DataFrame:
    found = result.open_findings()
    return found[found["change"] == "new"] if result.baseline is not None else found


def _xml_text(value: object) -> str:
    return _XML_FORBIDDEN.sub("\ufffd", terminal_document(str(value)))


def junit_xml(result: AuditResult) -> str:
    """One ``testcase`` per rule run: failed when it has (new) findings, listing their URLs."""
    by_rule = {group.rule_id: group for group in result.rule_groups("counted", rows=MAX_LISTED)}
    rules = result.rules
    failures = sum(
        1 for r in rules.to_dict("records") if r["status"] == "ran" and r["rule_id"] in by_rule
    )
    skipped = int((rules["status"] == "skipped").sum())
    seconds = f"{rules['seconds'].sum():.3f}"
    suites = ET.Element(
        "testsuites",
        name="searchops audit",
        tests=str(len(rules)),
        failures=str(failures),
        time=seconds,
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=_xml_text(f"searchops audit {result.run.name}"),
        tests=str(len(rules)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
        time=seconds,
    )
    for rule in rules.to_dict("records"):
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"searchops.audit.{rule['family']}",
            name=f"{rule['rule_id']} {rule['slug']}",
            time=f"{rule['seconds']:.3f}",
        )
        if rule["status"] == "skipped":
            ET.SubElement(case, "skipped", message=_xml_text(rule["reason"]))
            continue
        group = by_rule.get(rule["rule_id"])
        if group is None:
            continue
        new = " new" if result.baseline is not None else ""
        failure = ET.SubElement(
            case,
            "failure",
            type=str(rule["severity"]),
            message=_xml_text(
                f"{group.count}{new} {rule['severity']} finding(s): {group.rows['message'].iloc[0]}"
            ),
        )
        lines = [_finding_line(f) for f in group.rows.itertuples()]
        if group.count > MAX_LISTED:
            lines.append(f"... and {group.count - MAX_LISTED} more")
        failure.text = _xml_text("\n".join(lines))
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def _present(value: object) -> bool:
    """A value worth printing: pandas gives NaN (truthy) for a missing related URL."""
    return isinstance(value, str) and value != ""


def _finding_line(finding: object) -> str:
    url, message, evidence = (getattr(finding, name) for name in ("url", "message", "evidence"))
    related = getattr(finding, "related_url", None)
    text = f"{url}: {message}"
    if _present(evidence):
        text += f" [{evidence}]"
    if _present(related):
        text += f" -> {related}"
    return terminal_text(text)


def escape_data(text: str) -> str:
    """Workflow-command message escaping (actions/toolkit ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Workflow-command property escaping (actions/toolkit ``escapeProperty``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(result: AuditResult, max_listed: int = 20) -> str:
    """One ``::error|warning|notice`` command per rule with (new) findings.

    Grouped per rule because GitHub shows only a handful of annotations per step;
    each lists up to ``max_listed`` URLs in its message. No ``file=``: a finding belongs
    to a page URL, not to a file of the repository (GitHub would try to open
    findings.parquet, a binary, as source).
    """
    commands = []
    for group in result.rule_groups("counted", rows=max_listed):
        new = " new" if result.baseline is not None else ""
        title = escape_property(f"{group.rule_id}: {group.count}{new} finding(s)")
        lines = [_finding_line(f) for f in group.rows.itertuples()]
        if group.count > max_listed:
            lines.append(f"... and {group.count - max_listed} more (see findings.parquet)")
        message = escape_data("\n".join(lines))
        commands.append(f"::{group.severity} title={title}::{message}")
    return "\n".join(commands) + ("\n" if commands else "")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>&])")
_MD_REPLACE = {"<": "&lt;", ">": "&gt;", "&": "&amp;", "`": "&#96;", "|": "\\|"}


def md_escape(value: object, limit: int = 160) -> str:
    """Untrusted text for a Markdown table cell: no markup, no HTML, one line."""
    text = terminal_text(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _MD_SPECIAL.sub(lambda m: _MD_REPLACE.get(m.group(1), "\\" + m.group(1)), text)


def markdown(result: AuditResult, *, examples: int = 3) -> str:
    """A summary for a pull request or ``$GITHUB_STEP_SUMMARY``: scores, then rules with findings."""
    stats = result.stats
    lines = [f"## SEO audit of {md_escape(result.run.name)}", ""]
    headline = f"**{stats.get('findings', 0)} findings**: {stats.get('errors', 0)} errors, {stats.get('warnings', 0)} warnings, {stats.get('notices', 0)} notices"
    if result.baseline is not None:
        headline += f" · {stats.get('new', 0)} new, {stats.get('fixed', 0)} fixed, {stats.get('persisting', 0)} persisting (baseline {md_escape(result.baseline.name)})"
    lines += [headline, ""]
    lines += [f"> Note: {md_escape(note, limit=400)}" for note in result.notes]
    lines += (
        ["", "| family | score |", "|---|---:|"]
        if result.notes
        else ["| family | score |", "|---|---:|"]
    )
    lines += [f"| {md_escape(s.family)} | {s.score:.1f} |" for s in result.scores.itertuples()]
    groups = result.rule_groups("open", examples=examples)
    if not groups:
        lines += ["", "No findings."]
        return "\n".join(lines) + "\n"
    with_baseline = result.baseline is not None
    lines += [
        "",
        "| rule | severity | findings |" + (" new |" if with_baseline else "") + " examples |",
    ]
    lines += ["|---|---|---:|" + ("---:|" if with_baseline else "") + "---|"]
    slugs = dict(zip(result.rules["rule_id"], result.rules["slug"], strict=True))
    for group in groups:
        urls = "<br>".join(md_escape(u) for u in group.examples)
        new = f" {group.new} |" if with_baseline else ""
        lines.append(
            f"| {group.rule_id} {md_escape(slugs.get(group.rule_id, ''))} | {group.severity} | {group.count} |{new} {urls} |"
        )
    if with_baseline:
        row = result.sql(
            "SELECT count(*), count(DISTINCT rule_id) FROM findings WHERE change = 'fixed'"
        ).fetchone()
        fixed, fixed_rules = row if row else (0, 0)
        if fixed:
            lines += [
                "",
                f"Fixed since the baseline: {fixed} finding(s) in {fixed_rules} rule(s).",
            ]
    return "\n".join(lines) + "\n"


def append_step_summary(path: Path, text: str) -> None:
    """Append to ``$GITHUB_STEP_SUMMARY`` (other steps write there too: never truncate)."""
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text + "\n")
