"""Why paid search revenue changed from one week to the next: the change split into its
causes, with amounts that add up exactly to the change.

Every keyword and Shopping item (per account and ad group) is one entity with, in each of
the two weeks, clicks ``c`` and lag-adjusted revenue ``r`` (the revenue model's estimate,
:mod:`reports.revenue`, so the parts add up to the headline's change). Its change
``r1 - r0`` goes to:

1. **products out of stock**, when its product is out of stock now (``sem_products``
   availability, or the newest ``coverage_waste`` run);
2. **landing pages broken or hidden**, when the newest ``coverage_waste`` run found its page
   answering 404 or noindex;
3. **paused campaigns and keywords**, when its campaign or keyword is no longer enabled;
4. otherwise it is split along ``revenue = clicks x value per click`` by the Shapley value of
   the two factors (the average of both orders of change, so nothing is left over):
   ``(c1 - c0) (v0 + v1) / 2`` is the clicks' part and ``(v1 - v0) (c0 + c1) / 2`` the value
   per click's (conversion rate and order value). An entity new this week or gone is all
   clicks. The clicks' part of an entity whose average max CPC moved by more than
   ``[report] bid_change_tolerance`` is split again: ``c0 (g - 1)`` clicks at the average value
   per click are **demand** (``g``: the week-over-week click ratio of the entities whose bids
   did not change: searches moving on their own), the rest is the **bid change**. Every other
   entity's clicks' part is demand.

**Other** is what no cause explains (revenue on days without clicks), so the lines add up to
the total change by construction. The change is also given by campaign (the largest, then
every other campaign together). Amounts are shown rounded to whole units by the largest
remainder, so the rounded lines add up to the rounded total too.

Limits: an out-of-stock flag is today's state (a product out of stock since before both weeks
contributes little change anyway); the demand ratio assumes bid-changed keywords would have
moved like the others; a Smart Bidding campaign's keyword bids are not its real bids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from reports import revenue
from reports.sections.common import clip, columns

CAUSES = {
    "demand": "Demand (searches and clicks at unchanged bids)",
    "bids": "Bid changes",
    "value_per_click": "Conversion rate and order value",
    "out_of_stock": "Products out of stock",
    "landing_pages": "Landing pages broken or hidden from search",
    "paused": "Campaigns and keywords paused",
    "other": "Other (revenue without clicks)",
}
OUT_OF_STOCK = ("OUT_OF_STOCK",)
BROKEN_PAGES = ("not_found", "noindex")


@dataclass(frozen=True)
class Drivers:
    """The week's revenue change and its parts (``lines``: (cause key, label, amount, shown))."""

    total: float
    lines: list[tuple[str, str, float, int]]
    by_campaign: list[tuple[str, float, int]]  # (campaign, amount, shown)
    total_shown: int
    demand_ratio: float | None  # clicks this week / last week at unchanged bids
    entities: dict[str, int] = field(default_factory=dict)  # cause key -> entities assigned

    def amount(self, key: str) -> float:
        return next((a for k, _, a, _ in self.lines if k == key), 0.0)


def decompose(
    con: duckdb.DuckDBPyConnection,
    previous_week: object,
    week: object,
    *,
    bid_change_tolerance: float,
    top_campaigns: int,
    text_limit: int,
    total: float | None = None,
) -> Drivers | None:
    """The change of lag-adjusted revenue from ``previous_week`` to ``week`` (Mondays), by
    cause and by campaign; None when the workspace lacks the daily tables' entity ids.

    ``total``: the change the report states (default: the entities' own); whatever of it the
    entities do not explain (rows without ids) is Other."""
    entities = _entities(con, previous_week, week)
    if entities is None:
        return None
    flags = _flags(con, entities)
    e = entities.assign(cause=flags)
    parts = {key: np.zeros(len(e)) for key in CAUSES}
    delta = (e["r1"] - e["r0"]).to_numpy()
    for key in ("out_of_stock", "landing_pages", "paused"):
        parts[key] = np.where(e["cause"] == key, delta, 0.0)
    free = (e["cause"] == "").to_numpy()
    c0, c1 = e["c0"].to_numpy(float), e["c1"].to_numpy(float)
    r0, r1 = e["r0"].to_numpy(float), e["r1"].to_numpy(float)
    both = free & (c0 > 0) & (c1 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        v0 = np.where(c0 > 0, r0 / c0, 0.0)
        v1 = np.where(c1 > 0, r1 / c1, 0.0)
    mean_v = (v0 + v1) / 2
    clicks_part = np.where(both, (c1 - c0) * mean_v, 0.0)
    clicks_part = np.where(free & (c0 == 0) & (c1 > 0), r1, clicks_part)
    clicks_part = np.where(free & (c0 > 0) & (c1 == 0), -r0, clicks_part)
    parts["value_per_click"] = np.where(both, (v1 - v0) * (c0 + c1) / 2, 0.0)
    bid0, bid1 = e["bid0"].to_numpy(float), e["bid1"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        moved = np.abs(bid1 - bid0) > bid_change_tolerance * np.abs(bid0)
    moved = free & ~np.isnan(bid0) & ~np.isnan(bid1) & (bid0 > 0) & moved
    steady = free & ~moved
    base = c0[steady].sum()
    ratio = float(c1[steady].sum() / base) if base > 0 else None
    # Value per click of a bid-changed entity: its own average, or its one week's.
    unit = np.where(both, mean_v, np.where(c1 > 0, v1, v0))
    demand_of_moved = c0 * ((ratio if ratio is not None else 1.0) - 1) * unit
    parts["demand"] = np.where(moved, demand_of_moved, np.where(free, clicks_part, 0.0))
    parts["bids"] = np.where(moved, clicks_part - demand_of_moved, 0.0)
    total = float(delta.sum()) if total is None else total
    sums = {key: float(parts[key].sum()) for key in CAUSES if key != "other"}
    sums["other"] = total - sum(sums.values())  # exact by construction: what nothing explains
    shown, total_shown = _largest_remainder(list(sums.values()), total)
    lines = [
        (key, CAUSES[key], sums[key], s)
        for key, s in zip(sums, shown, strict=True)
        if key != "other" or abs(sums["other"]) >= 0.5 or s
    ]
    counts = {
        "out_of_stock": int((e["cause"] == "out_of_stock").sum()),
        "landing_pages": int((e["cause"] == "landing_pages").sum()),
        "paused": int((e["cause"] == "paused").sum()),
        "bids": int(moved.sum()),
    }
    return Drivers(
        total=total,
        lines=lines,
        by_campaign=_by_campaign(
            e.assign(delta=delta), _campaign_names(con), top_campaigns, text_limit, total
        ),
        total_shown=total_shown,
        demand_ratio=ratio,
        entities=counts,
    )


def _entities(
    con: duckdb.DuckDBPyConnection, previous_week: object, week: object
) -> pd.DataFrame | None:
    """One row per keyword / Shopping item: clicks, lag-adjusted revenue and mean bid of
    each week, campaign, status and product."""
    kw_needed = {
        "date",
        "ad_group_id",
        "criterion_id",
        "campaign_id",
        "clicks",
        "conversions_value",
    }
    kw_have = columns(con, "sem_keyword_daily") or set()
    if not kw_needed <= kw_have:
        return None
    selects = [_daily_select("sem_keyword_daily", kw_have, "keyword", "criterion_id::VARCHAR")]
    shop_have = columns(con, "sem_shopping_daily") or set()
    if kw_needed - {"criterion_id"} | {"item_id"} <= shop_have:
        selects.append(_daily_select("sem_shopping_daily", shop_have, "shopping", "item_id"))
    estimate = revenue.ESTIMATE.format(col="conversions_value")
    frame = con.execute(
        f"""
        WITH d AS ({" UNION ALL ".join(selects)}),
        w AS (
            SELECT *, date_trunc('week', date)::DATE AS week, {estimate} AS r FROM d
            WHERE date_trunc('week', date)::DATE IN (?, ?)
        )
        SELECT channel, source, ad_group_id, entity, any_value(campaign_id) AS campaign_id,
               coalesce(sum(clicks) FILTER (week = ?), 0) AS c0,
               coalesce(sum(r) FILTER (week = ?), 0) AS r0,
               coalesce(sum(clicks) FILTER (week = ?), 0) AS c1,
               coalesce(sum(r) FILTER (week = ?), 0) AS r1,
               avg(cpc_bid) FILTER (week = ?) AS bid0, avg(cpc_bid) FILTER (week = ?) AS bid1
        FROM w GROUP BY ALL
        """,
        [previous_week, week, previous_week, previous_week, week, week, previous_week, week],
    ).df()
    return frame


def _daily_select(table: str, have: set[str], channel: str, entity: str) -> str:
    def col(name: str, kind: str) -> str:
        return name if name in have else f"NULL::{kind} AS {name}"

    return (
        f"SELECT '{channel}' AS channel, {col('source', 'VARCHAR')}, date, ad_group_id, "
        f"{entity} AS entity, campaign_id, clicks, conversions_value, "
        f"{col('conversion_completeness', 'DOUBLE')}, "
        f"{col('cpc_bid', 'DOUBLE') if channel == 'keyword' else 'NULL::DOUBLE AS cpc_bid'} "
        f'FROM "{table}"'
    )


def _flags(con: duckdb.DuckDBPyConnection, e: pd.DataFrame) -> np.ndarray:
    """The cause an entity's whole change goes to ("" when none): out of stock, landing
    page broken or hidden, paused; in that order."""
    cause = np.full(len(e), "", dtype=object)
    keyword = (e["channel"] == "keyword").to_numpy()
    entity = e["entity"].astype(str).to_numpy()
    # The product an entity sells: a Shopping item is one; a keyword's is in sem_keywords.
    product: list[object] = [None if k else x for k, x in zip(keyword, entity, strict=True)]
    kw_have = columns(con, "sem_keywords") or set()
    paused = np.zeros(len(e), bool)
    if {"criterion_id", "item_id"} <= kw_have:
        item_of = dict(
            con.execute(
                "SELECT criterion_id::VARCHAR, any_value(item_id) FROM sem_keywords GROUP BY 1"
            ).fetchall()
        )
        product = [
            item_of.get(x) if k else p for k, x, p in zip(keyword, entity, product, strict=True)
        ]
    if {"criterion_id", "status"} <= kw_have:
        off = {
            r[0]
            for r in con.execute(
                "SELECT criterion_id::VARCHAR FROM sem_keywords "
                "WHERE coalesce(status, 'ENABLED') <> 'ENABLED'"
            ).fetchall()
        }
        paused |= keyword & np.isin(entity, list(off))
    if {"campaign_id", "status"} <= (columns(con, "sem_campaigns") or set()):
        off_campaigns = [
            r[0]
            for r in con.execute(
                "SELECT campaign_id FROM sem_campaigns WHERE coalesce(status, 'ENABLED') <> 'ENABLED'"
            ).fetchall()
        ]
        paused |= e["campaign_id"].isin(off_campaigns).to_numpy()
    out_of_stock = np.zeros(len(e), bool)
    if {"item_id", "availability"} <= (columns(con, "sem_products") or set()):
        gone = {
            str(r[0]).lower()
            for r in con.execute(
                "SELECT DISTINCT item_id FROM sem_products WHERE availability IN (SELECT unnest(?))",
                [list(OUT_OF_STOCK)],
            ).fetchall()
        }
        out_of_stock |= np.array([p is not None and str(p).lower() in gone for p in product])
    broken = np.zeros(len(e), bool)
    waste_have = columns(con, "coverage_waste") or set()
    if {"run_id", "reason", "item_id", "criterion_id", "channel"} <= waste_have:
        rows = con.execute(
            """
            SELECT channel, criterion_id::VARCHAR, item_id, reason FROM coverage_waste
            WHERE run_id = (SELECT t.run_id FROM (SELECT DISTINCT run_id FROM coverage_waste) t
                            LEFT JOIN runs r USING (run_id)
                            ORDER BY r.started_at DESC NULLS LAST, t.run_id DESC LIMIT 1)
            """
        ).fetchall()
        key = np.array([f"{'k' if k else 's'}:{x}" for k, x in zip(keyword, entity, strict=True)])
        stock_keys = {_waste_key(c, k, i) for c, k, i, reason in rows if reason == "out_of_stock"}
        page_keys = {_waste_key(c, k, i) for c, k, i, reason in rows if reason in BROKEN_PAGES}
        out_of_stock |= np.isin(key, list(stock_keys))
        broken |= np.isin(key, list(page_keys))
    cause[paused] = "paused"
    cause[broken] = "landing_pages"
    cause[out_of_stock] = "out_of_stock"
    return cause


def _waste_key(channel: object, criterion: object, item: object) -> str:
    return f"k:{criterion}" if channel == "keyword" else f"s:{item}"


def _campaign_names(con: duckdb.DuckDBPyConnection) -> dict[object, str]:
    names: dict[object, str] = {}
    for table in ("sem_keywords", "sem_campaigns"):  # the campaigns table wins
        if {"campaign_id", "campaign"} <= (columns(con, table) or set()):
            names.update(
                con.execute(
                    f'SELECT campaign_id, any_value(campaign) FROM "{table}" GROUP BY 1'
                ).fetchall()
            )
    return names


def _by_campaign(
    e: pd.DataFrame, names: dict[object, str], top: int, text_limit: int, total: float
) -> list[tuple[str, float, int]]:
    """The change per campaign, largest first; past ``top``, the rest together, and what
    the entities do not explain of ``total`` with them."""
    per = e.groupby("campaign_id", dropna=False)["delta"].sum()
    per = per.reindex(per.abs().sort_values(ascending=False).index)
    head = per.head(top)
    labels = [str(names.get(c) or f"campaign {c}") for c in head.index]
    amounts = [float(a) for a in head.to_numpy()]
    rest = total - sum(amounts)
    if len(per) > top or abs(rest) >= 0.5:
        labels.append(f"{max(len(per) - top, 0)} other campaigns" if len(per) > top else "other")
        amounts.append(rest)
    shown, _ = _largest_remainder(amounts, total)
    return [
        (clip(label, text_limit), a, s) for label, a, s in zip(labels, amounts, shown, strict=True)
    ]


def _largest_remainder(amounts: list[float], total: float) -> tuple[list[int], int]:
    """Whole-unit amounts that add up to the rounded total (Hamilton's method): each is
    floored, then the units still missing go to the largest remainders."""
    target = math.floor(total + 0.5)
    floors = [math.floor(a) for a in amounts]
    missing = target - sum(floors)
    order = sorted(range(len(amounts)), key=lambda i: amounts[i] - floors[i], reverse=missing > 0)
    step = 1 if missing > 0 else -1
    for i in order[: abs(missing)]:
        floors[i] += step
    return floors, target
