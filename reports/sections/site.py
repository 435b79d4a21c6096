"""Site sections: health scores per audit family, new and fixed findings, Core Web Vitals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from reports.config import ReportConfig
from reports.sections.common import (
    SEVERITIES,
    Missing,
    Trend,
    clip,
    columns,
    latest_run_per_week,
    require,
    span,
)


@dataclass(frozen=True)
class Health:
    weeks: list[date]
    families: list[Trend]  # score 0-100 per audit family
    overall: Trend  # mean of the families' scores


@dataclass(frozen=True)
class RuleChange:
    rule_id: str
    family: str
    severity: str
    count: int
    message: str
    examples: list[str]


@dataclass(frozen=True)
class Findings:
    week: date
    baseline_week: date | None
    new: list[RuleChange]
    fixed: list[RuleChange]
    new_total: int
    fixed_total: int
    new_errors: int
    open_total: int
    weeks: list[date]
    open_by_severity: list[Trend]  # open findings per severity per week


@dataclass(frozen=True)
class TemplateSample:
    """One template's lab sample in the latest week and the one before, and the verdict of
    the statistical regression rule (SEO-VITALS-013) of the latest week's audit."""

    pages: int  # pages measured (with a rating) in the latest week
    passing: int
    previous_pages: int | None
    previous_passing: int | None
    # "confirmed": the rule flagged the template; "not confirmed": the audit compared it with
    # a measured baseline and found no change beyond lab noise; "untested": no such audit.
    verdict: str
    evidence: list[str]  # the rule's messages for the template (metric, medians, change)


REGRESSION_RULE = "SEO-VITALS-013"


@dataclass(frozen=True)
class Vitals:
    weeks: list[date]
    templates: list[Trend]  # share of measured pages passing all Core Web Vitals (0-1)
    p75: dict[
        str, dict[str, tuple[float, str | None]]
    ]  # latest: template -> metric -> (p75, rating)
    p75_columns: list[tuple[str, str]]  # (metric, label) measured in the latest week
    pages: int = 0  # pages measured in the latest week
    loads: int = 0  # loads per page (the largest count of one metric), latest week
    profile: str | None = None  # device/network emulation, when the vitals stage recorded it
    samples: dict[str, TemplateSample] = field(default_factory=dict)  # by template name


def load_health(con: duckdb.DuckDBPyConnection, weeks: list[date], cfg: ReportConfig):
    absent = Missing("No audit health scores in this workspace yet (run searchops audit).")
    if problem := require(con, "health_scores", {"run_id", "family", "score"}, absent):
        return problem
    by_week = latest_run_per_week(con, "health_scores", weeks)
    if not by_week:
        return absent
    shown = span(weeks, by_week)
    rows = con.execute(
        "SELECT run_id, family, avg(score) FROM health_scores WHERE run_id IN "
        "(SELECT unnest(?)) GROUP BY ALL",
        [list(by_week.values())],
    ).fetchall()
    # One decimal: what the report shows, so every change it states is the difference of the
    # two scores it states (the summary and the Health tile read the same numbers).
    score = {(run_id, family): round(float(value), 1) for run_id, family, value in rows}

    def trend(family: str) -> Trend:
        return Trend(
            family, [score.get((by_week[w], family)) if w in by_week else None for w in shown]
        )

    families = [trend(f) for f in sorted({f for _, f in score} - {"overall"})]
    if any(f == "overall" for _, f in score):  # the audit's family-weighted whole
        return Health(shown, families, trend("overall"))
    means = []
    for i in range(len(shown)):
        vals = [v for t in families if (v := t.values[i]) is not None]
        means.append(round(sum(vals) / len(vals), 1) if vals else None)
    return Health(shown, families, Trend("overall", means))


def _open_filter(cols: set[str]) -> str:
    # A baseline comparison may store fixed findings beside the open ones.
    return "coalesce(change, '') <> 'fixed'" if "change" in cols else "true"


def _rule_changes(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any], cfg: ReportConfig
) -> tuple[list[RuleChange], int, int]:
    """Per rule: count and example URLs; plus the total and the error count over all rules."""
    rows = con.execute(
        f"""
        WITH f AS ({sql})
        SELECT rule_id, any_value(family), any_value(severity), count(*) AS n,
               min(message), min(url, ?)
        FROM f GROUP BY rule_id
        ORDER BY CASE any_value(severity) WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
                 n DESC, rule_id
        """,
        [*params, max(cfg.example_urls, 1)],
    ).fetchall()
    total = sum(int(r[3]) for r in rows)
    errors = sum(int(r[3]) for r in rows if r[2] == "error")
    top = [
        RuleChange(
            rule_id=clip(rule, 40),
            family=clip(family, 40),
            severity=clip(severity, 12),
            count=int(n),
            message=clip(message, cfg.text_limit),
            examples=[clip(u, cfg.text_limit) for u in (urls or [])][: cfg.example_urls],
        )
        for rule, family, severity, n, message, urls in rows[: cfg.top_rules]
    ]
    return top, total, errors


def load_findings(con: duckdb.DuckDBPyConnection, weeks: list[date], cfg: ReportConfig):
    absent = Missing("No audit findings in this workspace yet (run searchops audit).")
    needed = {"run_id", "rule_id", "family", "severity", "url", "message", "fingerprint"}
    if problem := require(con, "findings", needed, absent):
        return problem
    cols = columns(con, "findings") or set()
    by_week = latest_run_per_week(con, "findings", weeks)
    if not by_week:
        return absent
    shown = span(weeks, by_week)
    current_week = max(by_week)
    earlier = [w for w in by_week if w < current_week]
    baseline_week = max(earlier) if earlier else None
    current = by_week[current_week]
    is_open = _open_filter(cols)
    cur_sql = f"SELECT * FROM findings WHERE run_id = ? AND {is_open}"
    if baseline_week is not None:
        # New and fixed by fingerprint against the previous week's audit: the same
        # answer as the audit's own `change` column, and right even without one.
        base = by_week[baseline_week]
        base_sql = f"SELECT * FROM findings WHERE run_id = ? AND {is_open}"
        new_sql = f"SELECT * FROM ({cur_sql}) WHERE fingerprint NOT IN (SELECT fingerprint FROM ({base_sql}))"
        fixed_sql = f"SELECT * FROM ({base_sql}) WHERE fingerprint NOT IN (SELECT fingerprint FROM ({cur_sql}))"
        new, new_total, new_errors = _rule_changes(con, new_sql, [current, base], cfg)
        fixed, fixed_total, _ = _rule_changes(con, fixed_sql, [base, current], cfg)
    elif "change" in cols:
        by_change = "SELECT * FROM findings WHERE run_id = ? AND change = ?"
        new, new_total, new_errors = _rule_changes(con, by_change, [current, "new"], cfg)
        fixed, fixed_total, _ = _rule_changes(con, by_change, [current, "fixed"], cfg)
    else:
        new, new_total, new_errors, fixed, fixed_total = [], 0, 0, [], 0
    counts = con.execute(
        f"SELECT run_id, severity, count(*) FROM findings WHERE run_id IN (SELECT unnest(?)) "
        f"AND {is_open} GROUP BY ALL",
        [list(by_week.values())],
    ).fetchall()
    per = {(run_id, sev): int(n) for run_id, sev, n in counts}
    trends = [
        Trend(sev, [float(per.get((by_week[w], sev), 0)) if w in by_week else None for w in shown])
        for sev in SEVERITIES
    ]
    open_total = sum(n for (run_id, _), n in per.items() if run_id == current)
    return Findings(
        week=current_week,
        baseline_week=baseline_week,
        new=new,
        fixed=fixed,
        new_total=new_total,
        fixed_total=fixed_total,
        new_errors=new_errors,
        open_total=open_total,
        weeks=shown,
        open_by_severity=trends,
    )


def load_vitals(con: duckdb.DuckDBPyConnection, weeks: list[date], cfg: ReportConfig):
    """Per template and week: the share of sampled pages passing every Core Web Vital.

    A page passes when each of its ``cwv_metrics`` that was measured and rated (its
    p75 over the repeated loads, in ``vitals_pages``) is rated good.
    """
    absent = Missing(
        "No Core Web Vitals measurements in this workspace yet (run searchops vitals)."
    )
    needed = {"run_id", "template", "metric", "p75", "rating"}
    if problem := require(con, "vitals_templates", needed, absent):
        return problem
    if problem := require(con, "vitals_pages", needed | {"url"}, absent):
        return problem
    by_week = latest_run_per_week(con, "vitals_pages", weeks)
    if not by_week:
        return absent
    shown = span(weeks, by_week)
    rows = con.execute(
        """
        WITH page AS (
            SELECT run_id, template, url, bool_and(rating = 'good') AS passed
            FROM vitals_pages
            WHERE run_id IN (SELECT unnest(?)) AND metric IN (SELECT unnest(?))
              AND rating IS NOT NULL
            GROUP BY ALL
        )
        SELECT run_id, template, avg(passed::INT), count(*), count(*) FILTER (passed)
        FROM page GROUP BY ALL
        """,
        [list(by_week.values()), cfg.cwv_metrics],
    ).fetchall()
    rate = {(run_id, template): float(share) for run_id, template, share, _, _ in rows}
    counts = {(run_id, template): (int(n), int(ok)) for run_id, template, _, n, ok in rows}
    templates = sorted({template for _, template in rate})
    trends = [
        Trend(clip(t, 40), [rate.get((by_week[w], t)) if w in by_week else None for w in shown])
        for t in templates
    ]
    latest = con.execute(
        "SELECT template, metric, p75, rating FROM vitals_templates WHERE run_id = ? "
        "AND metric IN (SELECT unnest(?)) ORDER BY template",
        [by_week[max(by_week)], list(P75_METRICS)],
    ).fetchall()
    p75: dict[str, dict[str, tuple[float, str | None]]] = {}
    for template, metric, value, rating in latest:
        p75.setdefault(clip(template, 40), {})[metric] = (float(value), rating)
    measured = {metric for cells in p75.values() for metric in cells}
    columns_shown = [(m, label) for m, label in P75_METRICS.items() if m in measured]
    has = columns(con, "vitals_pages") or set()
    loads = "max(n)" if "n" in has else "0"
    profile = "string_agg(DISTINCT profile, ', ')" if "profile" in has else "NULL"
    pages, n, used = con.execute(  # type: ignore[misc]
        f"SELECT count(DISTINCT url), {loads}, {profile} FROM vitals_pages WHERE run_id = ?",
        [by_week[max(by_week)]],
    ).fetchone()
    latest_week = max(by_week)
    earlier = [w for w in by_week if w < latest_week]
    before = by_week[max(earlier)] if earlier else None
    verdicts = _regression_verdicts(con, latest_week, by_week[latest_week], weeks)
    samples = {}
    for template in templates:
        now_n, now_ok = counts.get((by_week[latest_week], template), (0, 0))
        prev = counts.get((before, template)) if before else None
        verdict, evidence = verdicts.get(template, ("untested", []))
        samples[clip(template, 40)] = TemplateSample(
            pages=now_n,
            passing=now_ok,
            previous_pages=prev[0] if prev else None,
            previous_passing=prev[1] if prev else None,
            verdict=verdict,
            evidence=[clip(m, cfg.text_limit) for m in evidence],
        )
    return Vitals(
        shown,
        trends,
        p75,
        columns_shown,
        pages=int(pages or 0),
        loads=int(n or 0),
        profile=clip(used, 40) if used else None,
        samples=samples,
    )


def _regression_verdicts(
    con: duckdb.DuckDBPyConnection, week: date, vitals_run: str, weeks: list[date]
) -> dict[str, tuple[str, list[str]]]:
    """Template -> (verdict, messages) of the regression rule in the week's audit.

    The rule's finding names the template's first sampled page: mapped back to its template
    through the week's ``vitals_pages``. A template the audit compared (its baseline crawl was
    measured too) without a finding is "not confirmed"; without such an audit, "untested"."""
    have = columns(con, "findings") or set()
    if not {"run_id", "rule_id", "url", "message"} <= have:
        return {}
    audit = latest_run_per_week(con, "findings", weeks).get(week)
    if audit is None:
        return {}
    templates = dict(
        con.execute(
            "SELECT url, any_value(template) FROM vitals_pages WHERE run_id = ? GROUP BY 1",
            [vitals_run],
        ).fetchall()
    )
    out: dict[str, tuple[str, list[str]]] = {}
    if "baseline_run_id" in have:
        baseline = con.execute(
            "SELECT any_value(baseline_run_id) FROM findings WHERE run_id = ?", [audit]
        ).fetchone()
        if baseline and baseline[0]:
            measured = con.execute(
                "SELECT DISTINCT template FROM vitals_pages WHERE run_id = ?", [baseline[0]]
            ).fetchall()
            out = {str(t): ("not confirmed", []) for (t,) in measured}
    for url, message in con.execute(
        "SELECT url, message FROM findings WHERE run_id = ? AND rule_id = ? ORDER BY message",
        [audit, REGRESSION_RULE],
    ).fetchall():
        template = templates.get(url)
        if template is None:
            continue
        _, messages = out.get(str(template), ("", []))
        out[str(template)] = ("confirmed", [*messages, str(message)])
    return out


# Columns of the report's p75 table, in this order (the vitals stage's metric names).
P75_METRICS = {
    "lcp_ms": "LCP",
    "cls": "CLS",
    "inp_ms": "INP",
    "tbt_ms": "TBT",
    "fcp_ms": "FCP",
    "ttfb_ms": "TTFB",
}
