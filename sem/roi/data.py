"""The history the ROI models read: SEM tables of one source, per-keyword totals, (keyword, bid)
observation groups, weekday seasonality and the exposure of days without a row."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from searchops.errors import SearchopsError
from searchops.workspace import Workspace
from sem import tables
from sem.roi.shared import account_wide

# The daily columns the models read: at 100,000 keywords x 90 days the table's text columns
# (source, pull id, customer id) alone would take gigabytes as Python strings.
DAILY_COLUMNS = ("date", "criterion_id", "cpc_bid", "clicks", "impressions", "cost",
                 "conversions", "conversions_value")  # fmt: skip


def load_frames(
    data: Workspace | Mapping[str, pd.DataFrame] | Any,
    source: str | None = None,
) -> dict[str, pd.DataFrame]:
    """The SEM tables of one source from a workspace, a dict of frames or a DemoAccount
    (``sem_keyword_daily`` with :data:`DAILY_COLUMNS` only)."""
    only = {"sem_keyword_daily": DAILY_COLUMNS}
    if isinstance(data, Workspace):
        source = resolve_source(data, source)
        return {n: tables.read(data, n, source=source, only=only.get(n)) for n in _TABLES}
    frames = getattr(data, "frames", data)
    out = {}
    for n in _TABLES:
        frame = frames.get(n, pd.DataFrame())
        if n in only:  # project before conforming: conform copies every column it keeps
            frame = frame[[c for c in only[n] if c in frame.columns]]
        out[n] = tables.conform(n, frame, only.get(n))
    return out


_TABLES = ("sem_keywords", "sem_keyword_daily", "sem_bid_landscape", "sem_products")


def resolve_source(workspace: Workspace, source: str | None) -> str:
    """``source``, checked, or the newest one in the workspace."""
    found = tables.sources(workspace)
    if not found:
        raise SearchopsError("no SEM data in the workspace: run `searchops sem demo|pull|import`")
    if source is None:
        return found[0]
    if source not in found:
        raise SearchopsError(f"no SEM source {source!r}; known: {', '.join(found)}")
    return source


def keyword_list(workspace: Workspace, source: str) -> pd.DataFrame:
    """criterion_id, category and cpc_bid of every keyword of ``source`` (its first row, in
    table order: the order ``fit_models`` gives its rows)."""
    frame = workspace.con.execute(
        "SELECT criterion_id, category, cpc_bid FROM sem_keywords WHERE source = ? ORDER BY rowid",
        [source],
    ).df()
    return frame.drop_duplicates("criterion_id").reset_index(drop=True)


def _date_filter(since: date | None, until: date | None) -> tuple[str, list[Any]]:
    where, params = "", []
    if since is not None:
        where += " AND date >= ?"
        params.append(since)
    if until is not None:
        where += " AND date <= ?"
        params.append(until)
    return where, params


def daily_aggregates(
    workspace: Workspace, source: str, since: date | None, until: date | None
) -> tuple[np.ndarray, tuple[pd.Timestamp, int]]:
    """The weekday season (:func:`weekday_season`) and the window (:func:`history_window`) of
    every daily row of ``source``, aggregated in DuckDB (one scan, nothing held)."""
    where, params = _date_filter(since, until)
    rows = workspace.con.execute(
        "SELECT isodow(date) - 1 AS dow, sum(clicks), count(DISTINCT date), min(date), max(date)"
        f" FROM sem_keyword_daily WHERE source = ?{where} GROUP BY dow",
        [source, *params],
    ).fetchall()
    clicks, days = np.zeros(7), np.zeros(7, dtype=np.int64)
    for dow, c, d, _, _ in rows:
        clicks[dow], days[dow] = float(c or 0.0), d
    season = np.ones(7)
    if clicks.sum() >= 100 and not (days == 0).any():
        per_day = clicks / days
        season = per_day / per_day.mean()
    first: Any = min((r[3] for r in rows), default=pd.NaT)
    last: Any = max((r[4] for r in rows), default=pd.NaT)
    first_day = pd.Timestamp(since if since is not None else first)
    last_day = pd.Timestamp(until if until is not None else last)
    return season, (first_day, max((last_day - first_day).days + 1, 1))


# DuckDB's memory while a chunked fit reads its chunks' rows (it spills to disk beyond): with
# DuckDB's default (80% of the machine's memory) its buffer cache of the daily table and the
# sort of a chunk's rows into table order kept ~500 MB more resident at 100,000 keywords a
# chunk (peak 1,818 -> 1,310 MB reading one chunk of 7.6 million rows).
CHUNK_MEMORY_LIMIT = "512MB"


@contextmanager
def duckdb_memory_limit(workspace: Workspace, limit: str = CHUNK_MEMORY_LIMIT) -> Iterator[None]:
    """DuckDB's ``memory_limit`` set to ``limit`` inside, restored after."""
    con = workspace.con
    (before,) = con.execute("SELECT current_setting('memory_limit')").fetchone() or (None,)
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        if before is not None:
            con.execute(f"SET memory_limit = '{before}'")


def load_chunk(
    workspace: Workspace,
    source: str,
    criterion_ids: np.ndarray,
    since: date | None,
    until: date | None,
) -> dict[str, pd.DataFrame]:
    """:func:`load_frames` for some keywords only: their rows of each table, in table order,
    read from DuckDB without the other keywords' ever reaching Python."""
    con = workspace.con
    con.register("_roi_chunk", pd.DataFrame({"criterion_id": np.asarray(criterion_ids)}))
    try:
        ids = "criterion_id IN (SELECT criterion_id FROM _roi_chunk)"

        def rows(table: str, select: str = "*", extra: str = "", params: tuple = ()) -> Any:
            if not workspace.has_table(table):
                return pd.DataFrame(columns=tables.columns(table))
            sql = f'SELECT {select} FROM "{table}" WHERE source = ? AND {ids}{extra} ORDER BY rowid'
            return con.execute(sql, [source, *params]).df()

        where, params = _date_filter(since, until)
        daily_cols = ", ".join(f'"{c}"' for c in DAILY_COLUMNS)
        kw = tables.conform("sem_keywords", rows("sem_keywords"))
        frames = {
            "sem_keywords": kw,
            "sem_keyword_daily": tables.conform(
                "sem_keyword_daily",
                rows("sem_keyword_daily", daily_cols, where, tuple(params)),
                DAILY_COLUMNS,
            ),
            "sem_bid_landscape": tables.conform("sem_bid_landscape", rows("sem_bid_landscape")),
        }
    finally:
        con.unregister("_roi_chunk")
    items = kw["item_id"].dropna().unique()
    if workspace.has_table("sem_products") and len(items):
        con.register("_roi_items", pd.DataFrame({"item_id": items}))
        try:
            products = con.execute(
                "SELECT * FROM sem_products WHERE source = ? AND item_id IN "
                "(SELECT item_id FROM _roi_items) ORDER BY rowid",
                [source],
            ).df()
        finally:
            con.unregister("_roi_items")
    else:
        products = pd.DataFrame(columns=tables.columns("sem_products"))
    frames["sem_products"] = tables.conform("sem_products", products)
    return frames


# Daily rows a per-row step of the models holds at once (:func:`keyword_blocks`): at 100,000
# keywords x 90 days (7.6 million rows) each float column a step derives from the rows is 61 MB,
# and a step held ten or more at once (the fit's peak memory); a block of a million rows holds
# 8 MB each.
ROW_BLOCK = 1_000_000


def keyword_blocks(
    daily: pd.DataFrame, k_index: pd.Index, rows: int | None = None
) -> Iterator[tuple[slice, pd.DataFrame]]:
    """The daily rows in blocks of whole keywords, about ``rows`` (default :data:`ROW_BLOCK`)
    rows each: (the block's keywords, a slice of ``k_index``; their rows, in table order).

    A per-keyword result computed block by block and concatenated is the one computed on every
    row at once, bit for bit: each keyword's rows are all in its block, in the same order.
    ``daily`` itself is the one block when it is no larger; otherwise rows of keywords not in
    ``k_index`` are left out (the models leave them out anyway)."""
    limit = ROW_BLOCK if rows is None else rows
    k = len(k_index)
    if len(daily) <= limit or k <= 1:
        yield slice(0, k), daily
        return
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy())).astype(np.int32)
    ends = np.cumsum(np.bincount(pos[pos >= 0], minlength=k))
    # a block ends at the keyword whose rows reach the next multiple of ``limit``
    cuts = np.unique(np.searchsorted(ends, np.arange(limit, ends[-1], limit), side="left") + 1)
    bounds = [0, *(int(c) for c in cuts if 0 < c < k), k]
    for lo, hi in itertools.pairwise(bounds):
        yield slice(lo, hi), daily.iloc[np.flatnonzero((pos >= lo) & (pos < hi))]


T = TypeVar("T")


def by_keyword_blocks(
    step: Callable[..., T], daily: pd.DataFrame, k_index: pd.Index, *per_keyword: np.ndarray
) -> list[tuple[slice, T]]:
    """``step(rows, k_index[ks], *(a[ks] for a in per_keyword))`` for each block of whole
    keywords (:func:`keyword_blocks`): (the block's keywords, its result), in keyword order."""
    return [
        (ks, step(rows, k_index[ks], *(a[ks] for a in per_keyword)))
        for ks, rows in keyword_blocks(daily, k_index)
    ]


def stacked(parts: list[Any]) -> Any:
    """Per-keyword results of the blocks, concatenated in order: arrays, dicts of arrays or
    dataclasses of arrays (a single part is returned as it is)."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    if isinstance(first, dict):
        return {name: np.concatenate([p[name] for p in parts]) for name in first}
    if dataclasses.is_dataclass(first):
        fields = (f.name for f in dataclasses.fields(first))
        cls: Any = type(first)
        return cls(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in fields})
    return np.concatenate(parts)


# Bid levels per keyword in the grouping key: bids in 1/10,000 up to 10^6 (any real bid).
_BID_LEVELS = 10**10

# Leading days without rows count up to this many mean gaps between a keyword's rows
# (the chance of a longer gap by chance alone is about exp(-5), under 1%).
_LEADING_GAPS = 5.0


def weekday_season(daily: pd.DataFrame) -> np.ndarray:
    """Mean clicks per weekday over the mean day (1 everywhere without enough data)."""
    return account_wide("data.season", lambda: _weekday_season(daily))


def _weekday_season(daily: pd.DataFrame) -> np.ndarray:
    if daily.empty or daily["clicks"].sum() < 100:
        return np.ones(7)
    dow = daily["date"].dt.day_of_week.to_numpy()
    clicks = np.bincount(dow, daily["clicks"].to_numpy(float), minlength=7)
    days = np.bincount(pd.Series(daily["date"].unique()).dt.day_of_week.to_numpy(), minlength=7)
    if (days == 0).any():
        return np.ones(7)
    per_day = clicks / days
    return per_day / per_day.mean()


def keyword_totals(daily: pd.DataFrame, k_index: pd.Index) -> dict[str, np.ndarray]:
    """Per keyword: clicks, impressions, cost, conversions, value, days (rows), sum of bids."""
    return stacked([part for _, part in by_keyword_blocks(_keyword_totals, daily, k_index)])


def _keyword_totals(daily: pd.DataFrame, k_index: pd.Index) -> dict[str, np.ndarray]:
    k = len(k_index)
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    ok = pos >= 0
    pos = pos[ok]

    def total(col: str) -> np.ndarray:
        return np.bincount(pos, daily[col].to_numpy(float)[ok], minlength=k)

    return {
        "clicks": total("clicks"),
        "impressions": total("impressions"),
        "cost": total("cost"),
        "conversions": total("conversions"),
        "value": total("conversions_value"),
        "days": np.bincount(pos, minlength=k),
        "bid_sum": np.bincount(
            pos, np.nan_to_num(daily["cpc_bid"].to_numpy(float)[ok]), minlength=k
        ),
    }


def bid_groups(
    daily: pd.DataFrame,
    landscape: pd.DataFrame,
    k_index: pd.Index,
    current_bid: np.ndarray,
    season: np.ndarray,
    landscape_weight: float,
) -> dict[str, np.ndarray]:
    """Observation groups (keyword, bid), sorted: clicks ``y`` and seasonal exposure ``e`` in
    days. Grouped with numpy on one integer key (keyword, bid in 1/10,000 of the currency: bids
    are multiples of a cent): a pandas groupby of the 7.5 million daily rows of 100,000
    keywords held several copies of them at once. Grouped a block of keywords at a time
    (:func:`keyword_blocks`): the groups are sorted by keyword, so the blocks' concatenate."""

    def step(rows: pd.DataFrame, ks: pd.Index, bid: np.ndarray) -> dict[str, np.ndarray]:
        return _bid_groups(rows, landscape, ks, bid, season, landscape_weight)

    parts = by_keyword_blocks(step, daily, k_index, current_bid)
    for ks, part in parts:
        part["k"] += ks.start  # keyword positions account-wide
    return stacked([part for _, part in parts])


def _bid_groups(
    daily: pd.DataFrame,
    landscape: pd.DataFrame,
    k_index: pd.Index,
    current_bid: np.ndarray,
    season: np.ndarray,
    landscape_weight: float,
) -> dict[str, np.ndarray]:
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    bid = daily["cpc_bid"].to_numpy(float)
    known = np.isfinite(bid) & (bid > 0)
    # A day without a bid (older than the change history a pull rebuilds bids from) is left
    # out of the click curve: taking today's bid for it would put clicks bought at another
    # bid at today's and flatten the elasticity. Only a keyword with no known bid at all
    # keeps its days, at today's bid (one level: its elasticity comes from the prior).
    has_known = np.bincount(pos[known & (pos >= 0)], minlength=len(k_index)) > 0
    bid = np.where(known, bid, np.where(has_known[pos], np.nan, current_bid[pos]))
    del known, has_known
    key = [_group_key(pos, bid)]
    del pos, bid
    # (values, weights) per part; summed per group part by part, never concatenated.
    weights = [(daily["clicks"].to_numpy(float), season[daily["date"].dt.day_of_week.to_numpy()],
                daily["impressions"])]  # fmt: skip
    if landscape_weight > 0 and not landscape.empty:
        lpos = k_index.get_indexer(pd.Index(landscape["criterion_id"].to_numpy()))
        span = (landscape["end_date"] - landscape["start_date"]).dt.days.to_numpy() + 1
        key.append(_group_key(lpos, landscape["cpc_bid"].to_numpy(float)))
        weights.append((landscape_weight * landscape["clicks"].to_numpy(float),
                        landscape_weight * span.astype(float),
                        landscape_weight * np.nan_to_num(
                            landscape["impressions"].to_numpy(float))))  # fmt: skip
    keys, group = np.unique(np.concatenate(key) if len(key) > 1 else key[0], return_inverse=True)
    del key
    y_sum, e_sum, i_sum = np.zeros(len(keys)), np.zeros(len(keys)), np.zeros(len(keys))
    start = 0
    while weights:
        y, e, imp = weights.pop(0)
        part = group[start : start + len(y)]
        start += len(y)
        y_sum += np.bincount(part, y, minlength=len(keys))
        e_sum += np.bincount(part, e, minlength=len(keys))
        # Impressions converted only once clicks and exposure are freed: at 100,000 keywords
        # each is 7.5 million floats, and the three at once were the command's peak memory.
        del y, e
        i_sum += np.bincount(part, np.nan_to_num(np.asarray(imp, float)), minlength=len(keys))
        del imp
    valid = keys >= 0
    keys = keys[valid]
    return {
        "k": keys // _BID_LEVELS,
        "bid": (keys % _BID_LEVELS) / 1e4,
        "y": y_sum[valid],
        "e": e_sum[valid],
        "impressions": i_sum[valid],
    }


def _group_key(pos: np.ndarray, bid: np.ndarray) -> np.ndarray:
    """int64 (keyword, bid) key; -1 for rows of unknown keywords or without a bid."""
    ok = (pos >= 0) & np.isfinite(bid) & (bid > 0)
    key = np.rint(np.where(ok, bid, 0.0) * 1e4).astype(np.int64)
    key += pos.astype(np.int64) * _BID_LEVELS
    key[~ok] = -1
    return key


def history_window(
    daily: pd.DataFrame, since: date | None, until: date | None
) -> tuple[pd.Timestamp, int]:
    """(first day, number of days) of the fitted window: ``since..until``, else the history's
    first..last day."""
    return account_wide("data.window", lambda: _history_window(daily, since, until))


def _history_window(
    daily: pd.DataFrame, since: date | None, until: date | None
) -> tuple[pd.Timestamp, int]:
    first_day = pd.Timestamp(since) if since is not None else daily["date"].min()
    last_day = pd.Timestamp(until) if until is not None else daily["date"].max()
    return first_day, max((last_day - first_day).days + 1, 1)


def exposure_start(
    daily: pd.DataFrame, k_index: pd.Index, window: tuple[pd.Timestamp, int]
) -> np.ndarray:
    """Each keyword's first counted day in the window (days from its first day).

    Leading days before a keyword's first row count only up to ``_LEADING_GAPS`` of its mean
    gap between rows: a keyword seen most days whose first row is late was most likely created
    then (the reports do not say), while a keyword without rows, or with one, gets the whole
    window."""
    parts = by_keyword_blocks(lambda rows, ks: _exposure_start(rows, ks, window), daily, k_index)
    return stacked([part for _, part in parts])


def _exposure_start(
    daily: pd.DataFrame, k_index: pd.Index, window: tuple[pd.Timestamp, int]
) -> np.ndarray:
    first_day, n_days = window
    k = len(k_index)
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    day = (daily["date"] - first_day).dt.days.to_numpy()
    ok = (pos >= 0) & (day >= 0) & (day < n_days)
    pos, day = pos[ok], day[ok]
    rows = np.bincount(pos, minlength=k)
    first = np.full(k, n_days, dtype=np.int64)
    last = np.full(k, -1, dtype=np.int64)
    np.minimum.at(first, pos, day)
    np.maximum.at(last, pos, day)
    first = np.where(rows > 0, first, 0)
    last = np.where(rows > 0, last, n_days - 1)
    mean_gap = (last - first + 1) / np.maximum(rows, 1)
    lead = np.where(rows >= 2, np.minimum(first, np.ceil(_LEADING_GAPS * mean_gap)), first)
    return (first - lead).astype(np.int64)


def missing_exposure(
    daily: pd.DataFrame,
    k_index: pd.Index,
    season: np.ndarray,
    since: date | None,
    until: date | None,
) -> np.ndarray:
    """Seasonal exposure (days) of each keyword's days without a daily row in the window
    (:func:`history_window`), from its first counted day (:func:`exposure_start`)."""
    k = len(k_index)
    if daily.empty:
        return np.zeros(k)
    window = history_window(daily, since, until)
    parts = by_keyword_blocks(
        lambda rows, ks: _missing_exposure(rows, ks, season, window), daily, k_index
    )
    return stacked([part for _, part in parts])


def _missing_exposure(
    daily: pd.DataFrame, k_index: pd.Index, season: np.ndarray, window: tuple[pd.Timestamp, int]
) -> np.ndarray:
    first_day, n_days = window
    k = len(k_index)
    by_day = season[(first_day.day_of_week + np.arange(n_days)) % 7]
    cum = np.concatenate([[0.0], np.cumsum(by_day)])
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    day = (daily["date"] - first_day).dt.days.to_numpy()
    ok = (pos >= 0) & (day >= 0) & (day < n_days)
    observed = np.bincount(pos[ok], by_day[day[ok]], minlength=k)
    start = _exposure_start(daily, k_index, window)
    return np.maximum(cum[n_days] - cum[start] - observed, 0.0)
