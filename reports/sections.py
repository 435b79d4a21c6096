"""Read the workspace tables into the report's sections: aggregates and top-N only.

Each ``load_*`` function is a pure function of the workspace tables. It returns
the section's data, or a :class:`Missing` saying why the section is empty (the
stage has not run in this workspace yet, or wrote a table without the columns the
report needs), so the report always renders. The heavy lifting (grouping
millions of findings, weekly sums of daily keyword rows) runs inside DuckDB;
only a few hundred numbers and strings ever reach Python.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from reports.config import ReportConfig


@dataclass(frozen=True)
class Missing:
    """Why a section has nothing to show; rendered as one sentence."""

    message: str


@dataclass(frozen=True)
class Trend:
    """One labelled weekly series: current and previous value and the whole trend."""

    name: str
    values: Sequence[float | None]

    @property
    def current(self) -> float | None:
        return self.values[-1] if self.values else None

    @property
    def previous(self) -> float | None:
        return self.values[-2] if len(self.values) > 1 else None

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


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
class Vitals:
    weeks: list[date]
    templates: list[Trend]  # share of measured pages passing all Core Web Vitals (0-1)
    p75: dict[
        str, dict[str, tuple[float, str | None]]
    ]  # latest: template -> metric -> (p75, rating)
    p75_columns: list[tuple[str, str]]  # (metric, label) measured in the latest week


@dataclass(frozen=True)
class Sem:
    weeks: list[date]
    spend: Trend
    revenue: Trend
    roas: Trend
    conversions: Trend
    clicks: Trend


@dataclass(frozen=True)
class Bids:
    run_id: str
    horizon_days: int | None  # the expected changes are totals over this many days
    interval_level: float | None  # of the d_*_lo / d_*_hi bounds
    keywords: int
    increases: int
    decreases: int
    delta: dict[str, float]  # expected change: d_clicks, d_cost, d_value, d_profit (+ _lo/_hi)
    top: list[dict[str, Any]]
    frontier: list[tuple[float, float]]  # (spend, value) along the optimal curve
    marks: list[tuple[str, float, float]] = field(default_factory=list)  # current, recommended


@dataclass(frozen=True)
class Coverage:
    opportunities: list[dict[str, Any]]
    opportunity_count: int
    profitable_count: int  # opportunities with a positive expected profit
    profitable_profit: float  # their expected profit, summed
    waste: list[dict[str, Any]]
    waste_count: int
    waste_spend: float


SEVERITIES = ("error", "warning", "notice")


def clip(value: object, limit: int) -> str:
    """Untrusted text cut to ``limit`` characters (escaping is the template's job)."""
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str] | None:
    """The table's columns, or None when the table does not exist."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return {r[0] for r in rows} or None


def _require(
    con: duckdb.DuckDBPyConnection, table: str, needed: set[str], absent: Missing
) -> Missing | None:
    have = columns(con, table)
    if have is None:
        return absent
    lacking = sorted(needed - have)
    if lacking:
        return Missing(f"Table {table} lacks the columns {', '.join(lacking)}.")
    if not con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]:  # type: ignore[index]
        return absent
    return None


# Runs that describe the site's week. Bid and coverage runs describe the day they ran, and
# SEM pulls the last day they cover: they join the axis only when nothing else is there.
SITE_KINDS = ("crawl", "audit", "vitals")


def report_weeks(con: duckdb.DuckDBPyConnection, weeks: int) -> list[date]:
    """The last ``weeks`` weeks with a registered crawl, audit or vitals run (else any run)."""
    if columns(con, "runs") is None:
        return []
    for kinds in (list(SITE_KINDS), None):
        rows = con.execute(
            "SELECT DISTINCT week FROM runs WHERE week IS NOT NULL "
            "AND (? IS NULL OR list_contains(?, kind)) ORDER BY week DESC LIMIT ?",
            [kinds, kinds, weeks],
        ).fetchall()
        if rows:
            return sorted(r[0] for r in rows)
    return []


def _span(weeks: list[date], by_week: dict[date, str]) -> list[date]:
    """The report's weeks from the first to the last one with this section's data."""
    return [w for w in weeks if min(by_week) <= w <= max(by_week)]


def _latest_run_per_week(
    con: duckdb.DuckDBPyConnection, table: str, weeks: list[date]
) -> dict[date, str]:
    """For each week, the newest run that has rows in ``table``."""
    if not weeks or columns(con, "runs") is None:
        return {}
    rows = con.execute(
        f"""
        SELECT week, run_id FROM runs
        WHERE week BETWEEN ? AND ? AND run_id IN (SELECT DISTINCT run_id FROM "{table}")
        QUALIFY row_number() OVER (PARTITION BY week ORDER BY started_at DESC, run_id DESC) = 1
        """,
        [weeks[0], weeks[-1]],
    ).fetchall()
    return {week: run_id for week, run_id in rows}


def load_health(con: duckdb.DuckDBPyConnection, weeks: list[date], cfg: ReportConfig):
    absent = Missing("No audit health scores in this workspace yet (run searchops audit).")
    if problem := _require(con, "health_scores", {"run_id", "family", "score"}, absent):
        return problem
    by_week = _latest_run_per_week(con, "health_scores", weeks)
    if not by_week:
        return absent
    shown = _span(weeks, by_week)
    rows = con.execute(
        "SELECT run_id, family, avg(score) FROM health_scores WHERE run_id IN "
        "(SELECT unnest(?)) GROUP BY ALL",
        [list(by_week.values())],
    ).fetchall()
    score = {(run_id, family): float(value) for run_id, family, value in rows}

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
        means.append(sum(vals) / len(vals) if vals else None)
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
    if problem := _require(con, "findings", needed, absent):
        return problem
    cols = columns(con, "findings") or set()
    by_week = _latest_run_per_week(con, "findings", weeks)
    if not by_week:
        return absent
    shown = _span(weeks, by_week)
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
    if problem := _require(con, "vitals_templates", needed, absent):
        return problem
    if problem := _require(con, "vitals_pages", needed | {"url"}, absent):
        return problem
    by_week = _latest_run_per_week(con, "vitals_pages", weeks)
    if not by_week:
        return absent
    shown = _span(weeks, by_week)
    rows = con.execute(
        """
        WITH page AS (
            SELECT run_id, template, url, bool_and(rating = 'good') AS passed
            FROM vitals_pages
            WHERE run_id IN (SELECT unnest(?)) AND metric IN (SELECT unnest(?))
              AND rating IS NOT NULL
            GROUP BY ALL
        )
        SELECT run_id, template, avg(passed::INT) FROM page GROUP BY ALL
        """,
        [list(by_week.values()), cfg.cwv_metrics],
    ).fetchall()
    rate = {(run_id, template): float(share) for run_id, template, share in rows}
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
    return Vitals(shown, trends, p75, columns_shown)


# Columns of the report's p75 table, in this order (the vitals stage's metric names).
P75_METRICS = {
    "lcp_ms": "LCP",
    "cls": "CLS",
    "inp_ms": "INP",
    "tbt_ms": "TBT",
    "fcp_ms": "FCP",
    "ttfb_ms": "TTFB",
}


def load_sem(con: duckdb.DuckDBPyConnection, weeks: list[date], cfg: ReportConfig):
    """Weekly totals of search keywords plus shopping items (``sem_*_daily``), all sources."""
    absent = Missing("No SEM data in this workspace yet (run searchops sem pull, import or demo).")
    needed = {"date", "clicks", "cost", "conversions", "conversions_value"}
    if problem := _require(con, "sem_keyword_daily", needed, absent):
        return problem
    metrics = "date, cost, conversions_value, conversions, clicks"
    daily = f"SELECT {metrics} FROM sem_keyword_daily"
    if not _require(con, "sem_shopping_daily", needed, absent):
        daily += f" UNION ALL SELECT {metrics} FROM sem_shopping_daily"
    rows = con.execute(
        f"""
        SELECT date_trunc('week', date)::DATE AS week, count(DISTINCT date) AS days,
               sum(cost), sum(conversions_value), sum(conversions), sum(clicks)
        FROM ({daily}) GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    # Partial weeks at either end of the history would read as a collapse in spend.
    full = [r for r in rows if r[1] == 7] or rows
    full = full[-cfg.weeks :]
    spend = [float(r[2] or 0) for r in full]
    revenue = [float(r[3] or 0) for r in full]
    return Sem(
        weeks=[r[0] for r in full],
        spend=Trend("spend", spend),
        revenue=Trend("revenue", revenue),
        roas=Trend("ROAS", [v / s if s else None for v, s in zip(revenue, spend, strict=True)]),
        conversions=Trend("conversions", [float(r[4] or 0) for r in full]),
        clicks=Trend("clicks", [float(r[5] or 0) for r in full]),
    )


_DELTAS = ("clicks", "cost", "value", "profit")


def _run_stats(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    row = con.execute("SELECT stats FROM runs WHERE run_id = ?", [run_id]).fetchone()
    try:
        stats = json.loads(row[0]) if row and row[0] else {}
    except (TypeError, ValueError):
        return {}
    return stats if isinstance(stats, dict) else {}


def load_bids(con: duckdb.DuckDBPyConnection, weeks: list[date], cfg: ReportConfig):
    """The newest ``bid recommend`` run: counts, expected totals, top changes, frontier."""
    absent = Missing("No bid recommendations in this workspace yet (run searchops bid recommend).")
    needed = {"run_id", "keyword", "current_bid", "new_bid", *(f"d_{d}" for d in _DELTAS)}
    if problem := _require(con, "bid_recommendations", needed, absent):
        return problem
    have = columns(con, "bid_recommendations") or set()
    order = "max(created_at) DESC, " if "created_at" in have else ""
    (run_id,) = con.execute(  # type: ignore[misc]
        f"SELECT run_id FROM bid_recommendations GROUP BY run_id ORDER BY {order}run_id DESC LIMIT 1"
    ).fetchone()
    sums = con.execute(
        f"""
        SELECT count(*), count(*) FILTER (new_bid > current_bid),
               count(*) FILTER (new_bid < current_bid),
               {", ".join(f"coalesce(sum(d_{d}), 0)" for d in _DELTAS)}
        FROM bid_recommendations WHERE run_id = ?
        """,
        [run_id],
    ).fetchone()
    assert sums is not None
    delta = {f"d_{d}": float(sums[3 + i]) for i, d in enumerate(_DELTAS)}
    # The run's own totals carry intervals from joint draws (per-keyword bounds do not add up).
    stats = _run_stats(con, run_id)
    delta.update({k: float(v) for k, v in stats.items() if k in _interval_keys() and v is not None})
    reasons = ", reasons" if "reasons" in have else ", NULL"
    top = con.execute(
        f"""
        SELECT keyword, current_bid, new_bid, d_profit, d_value, d_cost{reasons}
        FROM bid_recommendations WHERE run_id = ? AND new_bid <> current_bid
        ORDER BY abs(d_profit) DESC NULLS LAST, keyword LIMIT ?
        """,
        [run_id, cfg.top_items],
    ).fetchall()
    frontier: list[tuple[float, float]] = []
    marks: list[tuple[str, float, float]] = []
    if not _require(con, "bid_frontier", {"run_id", "cost", "value"}, absent):
        chosen = "chosen" if "chosen" in (columns(con, "bid_frontier") or set()) else "false"
        rows = con.execute(
            f"SELECT cost, value, {chosen} FROM bid_frontier WHERE run_id = ? ORDER BY cost",
            [run_id],
        ).fetchall()
        frontier = [(float(c), float(v)) for c, v, _ in rows]
        picked = [(float(c), float(v)) for c, v, is_chosen in rows if is_chosen]
        if picked:
            # Where the account is now = the recommendation minus its expected change.
            cost, value = picked[0]
            marks = [
                ("current bids", cost - delta["d_cost"], value - delta["d_value"]),
                ("recommended", cost, value),
            ]
    horizon, level = stats.get("horizon_days"), stats.get("interval_level")
    return Bids(
        run_id=run_id,
        horizon_days=int(horizon) if isinstance(horizon, int | float) else None,
        interval_level=float(level) if isinstance(level, int | float) else None,
        keywords=int(sums[0]),
        increases=int(sums[1]),
        decreases=int(sums[2]),
        delta=delta,
        top=[
            {
                "keyword": clip(k, cfg.text_limit),
                "current_bid": float(cur),
                "new_bid": float(new),
                "profit": float(p or 0),
                "value": float(v or 0),
                "cost": float(c or 0),
                "reasons": clip((r or "").replace(";", ", "), 80),
            }
            for k, cur, new, p, v, c, r in top
        ],
        frontier=frontier,
        marks=marks,
    )


def _interval_keys() -> set[str]:
    return {f"d_{d}{s}" for d in _DELTAS for s in ("", "_lo", "_hi")}


def _newest_run(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The run id in ``table`` registered last (run ids are timestamped: the largest wins a tie)."""
    row = con.execute(
        f"""
        SELECT t.run_id FROM (SELECT DISTINCT run_id FROM "{table}") t
        LEFT JOIN runs r USING (run_id)
        ORDER BY r.started_at DESC NULLS LAST, t.run_id DESC LIMIT 1
        """
    ).fetchone()
    assert row is not None
    return str(row[0])


def load_coverage(con: duckdb.DuckDBPyConnection, weeks: list[date], cfg: ReportConfig):
    """The newest ``searchops coverage`` run: uncovered products and wasted paid coverage."""
    absent = Missing("No catalog coverage analysis in this workspace yet (run searchops coverage).")
    opp_needed = {"run_id", "name", "url", "category", "price", "profit", "profit_lo", "profit_hi"}
    waste_needed = {"run_id", "url", "reason", "channel", "keyword", "spend_at_stake"}
    opp_missing = _require(con, "coverage_opportunities", opp_needed, absent)
    waste_missing = _require(con, "coverage_waste", waste_needed, absent)
    if opp_missing and waste_missing:
        return opp_missing if opp_missing is not absent else waste_missing
    opportunities: list[dict[str, Any]] = []
    opp_count, profitable, profit = 0, 0, 0.0
    if not opp_missing:
        run_id = _newest_run(con, "coverage_opportunities")
        n, n_pos, total = con.execute(
            "SELECT count(*), count(*) FILTER (profit > 0), "
            "coalesce(sum(profit) FILTER (profit > 0), 0) "
            "FROM coverage_opportunities WHERE run_id = ?",
            [run_id],
        ).fetchone()  # type: ignore[misc]
        opp_count, profitable, profit = int(n), int(n_pos), float(total)
        opportunities = [
            {
                "name": clip(name, cfg.text_limit),
                "url": clip(url, cfg.text_limit),
                "category": clip(category, 60),
                "price": float(price) if price is not None else None,
                "profit": float(p or 0),
                "profit_lo": float(lo or 0),
                "profit_hi": float(hi or 0),
            }
            for name, url, category, price, p, lo, hi in con.execute(
                "SELECT name, url, category, price, profit, profit_lo, profit_hi "
                "FROM coverage_opportunities WHERE run_id = ? "
                "ORDER BY profit DESC NULLS LAST, url LIMIT ?",
                [run_id, cfg.top_items],
            ).fetchall()
        ]
    waste: list[dict[str, Any]] = []
    waste_count, waste_spend = 0, 0.0
    if not waste_missing:
        run_id = _newest_run(con, "coverage_waste")
        n, total = con.execute(
            "SELECT count(*), coalesce(sum(spend_at_stake), 0) FROM coverage_waste WHERE run_id = ?",
            [run_id],
        ).fetchone()  # type: ignore[misc]
        waste_count, waste_spend = int(n), float(total)
        waste = [
            {
                "url": clip(url, cfg.text_limit),
                "reason": clip(reason, 40).replace("_", " "),
                "channel": clip(channel, 20),
                "keyword": clip(keyword, cfg.text_limit) if keyword else "",
                "spend": float(spend or 0),
            }
            for url, reason, channel, keyword, spend in con.execute(
                "SELECT url, reason, channel, keyword, spend_at_stake FROM coverage_waste "
                "WHERE run_id = ? ORDER BY spend_at_stake DESC NULLS LAST, url LIMIT ?",
                [run_id, cfg.top_items],
            ).fetchall()
        ]
    return Coverage(opportunities, opp_count, profitable, profit, waste, waste_count, waste_spend)
