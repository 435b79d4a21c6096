"""Paid search sections: spend, revenue and ROAS by week; bid recommendations; coverage."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import duckdb

if TYPE_CHECKING:  # reports.drivers reads tables through this package's helpers
    from reports.drivers import Drivers

from reports import revenue
from reports.config import ReportConfig
from reports.sections.common import Missing, Trend, clip, columns, require
from reports.wording import OUT_OF_STOCK_CODES, WASTE_REASONS, bid_reasons, code_words


@dataclass(frozen=True)
class Sem:
    weeks: list[date]
    spend: Trend
    revenue: Trend  # lag-adjusted when ``adjusted`` (else as reported)
    roas: Trend  # revenue / spend, from the same revenue
    conversions: Trend  # lag-adjusted like revenue
    clicks: Trend
    adjusted: bool = False  # revenue and conversions include conversions still to come
    revenue_reported: Trend | None = None  # as reported so far (when adjusted)
    interval_level: float | None = None
    revenue_range: tuple[float, float] | None = None  # the latest week's eventual revenue
    change_range: tuple[float, float] | None = None  # its change from the week before
    # Why the week's revenue changed (reports.drivers), when the workspace can tell.
    drivers: Drivers | None = None


@dataclass(frozen=True)
class Bids:
    run_id: str
    horizon_days: int | None  # the expected changes are totals over this many days
    interval_level: float | None  # of the d_*_lo / d_*_hi bounds
    keywords: int
    increases: int
    decreases: int
    delta: dict[str, float]  # expected change: d_clicks, d_cost, d_value, d_profit (+ _lo/_hi)
    top: list[dict[str, Any]]  # the largest material changes; action "pause" when out of stock
    out_of_stock: int  # keywords whose product is out of stock and not paused: pause, not lower
    frontier: list[tuple[float, float]]  # (spend, value) along the optimal curve
    marks: list[tuple[str, float, float]] = field(default_factory=list)  # current, recommended
    # Runs with an ``action`` column pause such keywords themselves (out of stock or failing
    # landing page): how many, and the spend that saves over ``horizon_days``.
    paused: int = 0
    spend_saved: float = 0.0
    # Of those, the keywords paused for spending without converting enough to pay for their
    # clicks (strategy posterior, PAUSE_NO_CONVERSIONS): their spend saved and the conversion
    # value they would have brought (lost with the pause, unlike a page that cannot sell).
    paused_no_conversions: int = 0
    spend_saved_no_conversions: float = 0.0
    value_lost: float = 0.0

    @property
    def paused_site(self) -> int:
        """Paused for an out-of-stock product or a failing landing page."""
        return self.paused - self.paused_no_conversions

    @property
    def spend_saved_site(self) -> float:
        return self.spend_saved - self.spend_saved_no_conversions


@dataclass(frozen=True)
class Coverage:
    opportunities: list[dict[str, Any]]
    opportunity_count: int
    profitable_count: int  # opportunities expected to earn at least [report] material_amount
    profitable_profit: float  # their expected profit, summed
    waste: list[dict[str, Any]]
    waste_count: int
    waste_spend: float
    waste_by_reason: dict[str, tuple[int, float]] = field(default_factory=dict)  # count, spend
    # The window of the run's amounts: spend at stake is the spend of the last horizon_days,
    # expected to go on over the next horizon_days; profit is over the next horizon_days.
    horizon_days: int | None = None


def load_sem(con: duckdb.DuckDBPyConnection, weeks: list[date], cfg: ReportConfig):
    """Weekly totals of search keywords plus shopping items (``sem_*_daily``), all sources;
    revenue and conversions lag-adjusted with a range where the pulls recorded the
    conversion lag (:mod:`reports.revenue`)."""
    absent = Missing("No SEM data in this workspace yet (run searchops sem pull, import or demo).")
    needed = {"date", "clicks", "cost", "conversions", "conversions_value"}
    if problem := require(con, "sem_keyword_daily", needed, absent):
        return problem
    tables = ["sem_keyword_daily"]
    if not require(con, "sem_shopping_daily", needed, absent):
        tables.append("sem_shopping_daily")
    have = [columns(con, t) or set() for t in tables]
    adjusted = all(h >= revenue.LAG_COLUMNS for h in have)
    daily = " UNION ALL ".join(
        "SELECT date, cost, conversions_value, conversions, clicks, "
        f"{'source' if 'source' in h else 'NULL::VARCHAR'} AS source, "
        f"{'conversion_completeness' if adjusted else 'NULL::DOUBLE'} AS conversion_completeness "
        f'FROM "{t}"'
        for t, h in zip(tables, have, strict=True)
    )
    estimate = revenue.ESTIMATE.format(col="conversions")
    rows = con.execute(
        f"""
        SELECT date_trunc('week', date)::DATE AS week, count(DISTINCT date) AS days,
               sum(cost), sum(conversions_value), sum({estimate}), sum(clicks)
        FROM ({daily}) GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    # Partial weeks at either end of the history would read as a collapse in spend.
    full = [r for r in rows if r[1] == 7] or rows
    full = full[-cfg.weeks :]
    shown = [r[0] for r in full]
    spend = [float(r[2] or 0) for r in full]
    reported = [float(r[3] or 0) for r in full]
    by_week = revenue.weekly(
        con, daily, cfg.order_value_cv, columns(con, "sem_conversion_lag") is not None
    )
    value = [
        by_week[w].estimate if w in by_week else r for w, r in zip(shown, reported, strict=True)
    ]
    level = cfg.revenue_interval_level
    revenue_range = change_range = None
    if adjusted and shown and shown[-1] in by_week:
        revenue_range = by_week[shown[-1]].interval(level)
        if len(shown) > 1 and shown[-2] in by_week:
            change_range = revenue.change_interval(by_week[shown[-1]], by_week[shown[-2]], level)
    from reports.drivers import decompose

    drivers = None
    if len(shown) > 1:
        drivers = decompose(
            con,
            shown[-2],
            shown[-1],
            bid_change_tolerance=cfg.bid_change_tolerance,
            top_campaigns=cfg.top_items,
            text_limit=cfg.text_limit,
            total=value[-1] - value[-2],
        )
    return Sem(
        weeks=shown,
        spend=Trend("spend", spend),
        revenue=Trend("revenue", value),
        roas=Trend("ROAS", [v / s if s else None for v, s in zip(value, spend, strict=True)]),
        conversions=Trend("conversions", [float(r[4] or 0) for r in full]),
        clicks=Trend("clicks", [float(r[5] or 0) for r in full]),
        adjusted=adjusted,
        revenue_reported=Trend("revenue reported", reported) if adjusted else None,
        interval_level=level if adjusted else None,
        revenue_range=revenue_range,
        change_range=change_range,
        drivers=drivers,
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
    if problem := require(con, "bid_recommendations", needed, absent):
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
    reasons = "coalesce(reasons, '')" if "reasons" in have else "''"
    stock = " OR ".join(f"contains({reasons}, '{code}')" for code in sorted(OUT_OF_STOCK_CODES))
    paused_sql, saved_sql = "false", "0"
    unpaused_stock = stock
    if "action" in have:  # the run pauses them itself; older runs only lowered their bids
        paused_sql = "coalesce(action, '') = 'pause'"
        saved_sql = "coalesce(spend_saved, 0)" if "spend_saved" in have else "0"
        # still to pause by hand: out of stock, but past the run's pause cap
        unpaused_stock = f"(({stock}) AND NOT ({paused_sql}))"
        stock = f"({paused_sql})"  # the rows shown as "Pause"
    # Changes worth less than material_amount either way are noise against the forecast.
    top = con.execute(
        f"""
        SELECT keyword, current_bid, new_bid, d_profit, d_value, d_cost, {reasons}, {stock}
        FROM bid_recommendations
        WHERE run_id = ? AND (new_bid <> current_bid OR ({stock}))
          AND (abs(coalesce(d_profit, 0)) >= ? OR abs(coalesce(d_cost, 0)) >= ? OR ({stock}))
        ORDER BY abs(d_profit) DESC NULLS LAST, keyword LIMIT ?
        """,
        [run_id, cfg.material_amount, cfg.material_amount, cfg.top_items],
    ).fetchall()
    no_conv = f"({paused_sql}) AND contains({reasons}, 'PAUSE_NO_CONVERSIONS')"
    lost_sql = "-coalesce(d_value, 0)" if "d_value" in have else "0"
    (out_of_stock, paused, spend_saved, paused_nc, saved_nc, lost) = con.execute(  # type: ignore[misc]
        f"SELECT count(*) FILTER ({unpaused_stock}), count(*) FILTER ({paused_sql}), "
        f"coalesce(sum({saved_sql}) FILTER ({paused_sql}), 0), count(*) FILTER ({no_conv}), "
        f"coalesce(sum({saved_sql}) FILTER ({no_conv}), 0), "
        f"coalesce(sum({lost_sql}) FILTER ({no_conv}), 0) "
        "FROM bid_recommendations WHERE run_id = ?",
        [run_id],
    ).fetchone()
    frontier: list[tuple[float, float]] = []
    marks: list[tuple[str, float, float]] = []
    if not require(con, "bid_frontier", {"run_id", "cost", "value"}, absent):
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
                "action": "pause" if paused else "raise" if new > cur else "lower",
                "pause_why": _pause_why(str(r or ""), "action" in have),
                "profit": float(p or 0),
                "value": float(v or 0),
                "cost": float(c or 0),
                "reasons": clip(bid_reasons(str(r or "")), 120),
            }
            for k, cur, new, p, v, c, r, paused in top
        ],
        out_of_stock=int(out_of_stock),
        frontier=frontier,
        marks=marks,
        paused=int(paused),
        spend_saved=float(spend_saved),
        paused_no_conversions=int(paused_nc),
        spend_saved_no_conversions=float(saved_nc),
        value_lost=float(lost),
    )


def _pause_why(reasons: str, has_action: bool) -> str:
    """Why a row shown as "Pause" is paused, in a reader's words."""
    if "OUT_OF_STOCK" in reasons or not has_action:
        return "product out of stock"
    if "PAUSE_NO_CONVERSIONS" in reasons:
        return "spends without converting enough"
    return "landing page failing"


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
    opp_missing = require(con, "coverage_opportunities", opp_needed, absent)
    waste_missing = require(con, "coverage_waste", waste_needed, absent)
    if opp_missing and waste_missing:
        return opp_missing if opp_missing is not absent else waste_missing
    opportunities: list[dict[str, Any]] = []
    opp_count, profitable, profit = 0, 0, 0.0
    if not opp_missing:
        run_id = _newest_run(con, "coverage_opportunities")
        n, n_pos, total = con.execute(
            "SELECT count(*), count(*) FILTER (profit > 0 AND profit >= $1), "
            "coalesce(sum(profit) FILTER (profit > 0 AND profit >= $1), 0) "
            "FROM coverage_opportunities WHERE run_id = $2",
            [cfg.material_amount, run_id],
        ).fetchone()  # type: ignore[misc]
        opp_count, profitable, profit = int(n), int(n_pos), float(total)
        # Only what pays: a product expected to lose money, or to earn less than
        # material_amount, is no opportunity to put in front of leadership.
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
                "FROM coverage_opportunities WHERE run_id = ? AND profit > 0 AND profit >= ? "
                "ORDER BY profit DESC NULLS LAST, url LIMIT ?",
                [run_id, cfg.material_amount, cfg.top_items],
            ).fetchall()
        ]
    waste: list[dict[str, Any]] = []
    waste_count, waste_spend = 0, 0.0
    by_reason: dict[str, tuple[int, float]] = {}
    horizon = None
    if not opp_missing:
        horizon = _run_stats(con, _newest_run(con, "coverage_opportunities")).get("horizon_days")
    if not waste_missing:
        run_id = _newest_run(con, "coverage_waste")
        horizon = _run_stats(con, run_id).get("horizon_days", horizon)
        waste_have = columns(con, "coverage_waste") or set()
        n, total = con.execute(
            "SELECT count(*), coalesce(sum(spend_at_stake), 0) FROM coverage_waste WHERE run_id = ?",
            [run_id],
        ).fetchone()  # type: ignore[misc]
        waste_count, waste_spend = int(n), float(total)
        by_reason = {
            str(reason): (int(k), float(spend or 0))
            for reason, k, spend in con.execute(
                "SELECT reason, count(*), sum(spend_at_stake) FROM coverage_waste "
                "WHERE run_id = ? GROUP BY reason ORDER BY 3 DESC NULLS LAST",
                [run_id],
            ).fetchall()
        }
        have_kw = columns(con, "sem_keywords") or set()
        match = (
            "(SELECT criterion_id, any_value(match_type) AS match_type FROM sem_keywords "
            "GROUP BY 1)"
            if {"criterion_id", "match_type"} <= have_kw and "criterion_id" in waste_have
            else "(SELECT NULL::BIGINT AS criterion_id, NULL::VARCHAR AS match_type)"
        )
        on = "w.criterion_id = m.criterion_id" if "criterion_id" in waste_have else "false"
        waste = [
            {
                "url": clip(url, cfg.text_limit),
                "label": _ad_label(keyword, match_type, str(url), cfg.text_limit),
                "reason": WASTE_REASONS.get(str(reason), (code_words(clip(reason, 40)), ""))[0],
                "action": WASTE_REASONS.get(str(reason), ("", "Review the ad"))[1],
                "channel": clip(channel, 20),
                "keyword": clip(keyword, cfg.text_limit) if keyword else "",
                "spend": float(spend or 0),
            }
            for url, reason, channel, keyword, spend, match_type in con.execute(
                "SELECT w.url, w.reason, w.channel, w.keyword, w.spend_at_stake, m.match_type "
                f"FROM coverage_waste w LEFT JOIN {match} m ON {on} "
                "WHERE w.run_id = ? ORDER BY w.spend_at_stake DESC NULLS LAST, w.url, w.keyword "
                "LIMIT ?",
                [run_id, cfg.top_items],
            ).fetchall()
        ]
    _label_repeated_pages(waste)
    return Coverage(
        opportunities,
        opp_count,
        profitable,
        profit,
        waste,
        waste_count,
        waste_spend,
        by_reason,
        horizon_days=int(horizon) if isinstance(horizon, int | float) else None,
    )


def _ad_label(keyword: object, match_type: object, url: str, limit: int) -> str:
    """What names an ad target on the wasted-spend chart: the keyword and its match type (one
    landing page often has several), or the page for a Shopping item."""
    if not keyword:
        return page_label(url)
    kind = f" ({str(match_type).lower()})" if match_type else ""
    return clip(f"{keyword}{kind}", limit)


def _label_repeated_pages(waste: list[dict[str, Any]]) -> None:
    """Ad targets that still read the same (one keyword in two ad groups) are numbered, so no
    two bars of the chart carry one label."""
    seen: dict[str, int] = {}
    for item in waste:
        seen[item["label"]] = seen.get(item["label"], 0) + 1
        if seen[item["label"]] > 1:
            item["label"] += f" #{seen[item['label']]}"


def page_label(url: str) -> str:
    """What tells pages of one site apart: the path and query, without scheme and host."""
    parts = urlsplit(" ".join(url.split()))
    if not parts.netloc:
        return url
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
