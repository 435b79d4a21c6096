"""Workspace reads and writes of the bidding stage.

Reads: the SEM tables (through ``sem.roi.fit_models``), the latest crawl (landing pages and
products). Writes: ``bid_recommendations`` and ``bid_frontier`` (one ``run_id`` per
``bid recommend``, registered in ``runs`` with ``kind="bid"``).

``bid_recommendations``: run_id, created_at, strategy, objective, then the columns of
:attr:`bidding.recommend.Recommendation.table` (ids, current_bid, new_bid, change, reasons,
d_clicks/d_cost/d_value/d_profit with _lo/_hi over ``horizon_days``; since the reasons carry
numbers also reason, marginal_roas with _lo/_hi at the current bid, target_marginal_roas,
exp_clicks and exp_cost with _lo/_hi at the new bid; since pauses and Smart Bidding also
action (set_bid|pause|hold), spend_saved with _lo/_hi (a pause's forecast spend at today's bid
over ``horizon_days``; 0 otherwise) and bidding_strategy_type; older workspaces get them added).
``bid_frontier``: run_id, point, multiplier, clicks, cost, value, profit, roas, marginal_roas
(totals over ``horizon_days``), chosen (the point nearest the recommendation's multiplier).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bidding.models import KeywordModels, from_roi
from bidding.recommend import Recommendation
from bidding.site import latest_crawl, page_health, products_from_pages, read_pages, url_key
from searchops.workspace import Workspace


def load_models(
    workspace: Workspace,
    settings: Any,
    *,
    source: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> KeywordModels:
    """Fit ``sem.roi`` models on the workspace's SEM data (newest source by default)."""
    from sem.roi import fit_models, options_from_settings

    fit = fit_models(
        workspace, source=source, since=since, until=until, options=options_from_settings(settings)
    )
    from searchops.settings import resolve_settings

    return from_roi(fit, curve=resolve_settings(settings).bidding.response_curve)


def bid_seen(
    workspace: Workspace, frame: pd.DataFrame, source: str | None = None
) -> tuple[pd.Series, date | None]:
    """(the day each keyword's current bid was seen, by position in ``frame``: NaT when
    unknown; the last day of the source's daily rows, None without any). See ``bid_as_of`` in
    :data:`sem.tables.TABLES`."""
    from sem import tables

    none = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    src = source or next(iter(tables.sources(workspace)), None)
    if src is None or not workspace.has_table("sem_keyword_daily"):
        return none, None
    have = {
        r[0]
        for r in workspace.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'sem_keywords'"
        ).fetchall()
    }
    row = workspace.con.execute(
        "SELECT max(date) FROM sem_keyword_daily WHERE source = ?", [src]
    ).fetchone()
    last = pd.Timestamp(row[0]).date() if row and row[0] is not None else None
    if "bid_as_of" not in have:
        return none, last
    seen = workspace.con.execute(
        "SELECT criterion_id, bid_as_of FROM sem_keywords WHERE source = ?", [src]
    ).df()
    by_id = pd.Series(
        pd.to_datetime(seen["bid_as_of"]).to_numpy(), index=seen["criterion_id"].to_numpy()
    )
    by_id = by_id[~by_id.index.duplicated()]
    return pd.Series(
        by_id.reindex(frame["criterion_id"].to_numpy()).to_numpy(), index=frame.index
    ), last


def account_volume_log_sd(
    workspace: Workspace, source: str | None = None, *, days: int = 7, windows: int = 4
) -> float:
    """How far the whole account's clicks move from one ``days`` window to the next: the root
    mean square log ratio of each window's clicks to the mean of the ``windows`` before it,
    over the history (0 with fewer than three such ratios). Every keyword's forecast shares
    this movement (season, trend, a competitor leaving), so summed intervals and the budget's
    chance constraint carry it as one factor instead of letting keyword errors cancel."""
    from sem import tables

    if not workspace.has_table("sem_keyword_daily"):
        return 0.0
    src = source or next(iter(tables.sources(workspace)), None)
    if src is None:
        return 0.0
    rows = workspace.con.execute(
        "SELECT date, sum(clicks) FROM sem_keyword_daily WHERE source = ? GROUP BY date "
        "ORDER BY date",
        [src],
    ).fetchall()
    if not rows:
        return 0.0
    daily = pd.Series([float(c or 0) for _, c in rows], index=pd.to_datetime([d for d, _ in rows]))
    return volume_log_sd(daily, days=days, windows=windows)


def volume_log_sd(daily: pd.Series, *, days: int = 7, windows: int = 4) -> float:
    """:func:`account_volume_log_sd` of a series of daily clicks indexed by date."""
    daily = daily.reindex(pd.date_range(daily.index.min(), daily.index.max()), fill_value=0.0)
    full = len(daily) // days * days
    sums = daily.to_numpy()[len(daily) - full :].reshape(-1, days).sum(1)
    ratios = [
        np.log(sums[i] / sums[i - windows : i].mean())
        for i in range(windows, len(sums))
        if sums[i] > 0 and sums[i - windows : i].mean() > 0
    ]
    return float(np.sqrt(np.mean(np.square(ratios)))) if len(ratios) >= 3 else 0.0


def keyword_flags(
    workspace: Workspace, frame: pd.DataFrame, run: Path | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per keyword of ``frame`` (final_url, item_id): (product out of stock, landing page fails).

    Out of stock: the item is OUT_OF_STOCK in ``sem_products`` or the landing page's Product
    offer says so. Landing page fails: status >= 400 or noindex in the latest crawl (``run``
    when given). Keywords whose page was not crawled are not flagged. Final URLs are matched
    to the crawl by path when no final URL matches exactly (the crawl of another host).
    """
    n = len(frame)
    out_of_stock = np.zeros(n, bool)
    failed = np.zeros(n, bool)
    if workspace.has_table("sem_products") and "item_id" in frame.columns:
        oos = workspace.con.execute(
            "SELECT DISTINCT item_id FROM sem_products WHERE availability = 'OUT_OF_STOCK'"
        ).df()["item_id"]
        out_of_stock |= frame["item_id"].isin(set(oos.dropna())).to_numpy()
    run = run or latest_crawl(workspace)
    if run is not None and "final_url" in frame.columns:
        from bidding.coverage import align_to_crawl

        pages = read_pages(run)
        # ads on the live host, the crawl of a staging copy or another port: matched by path,
        # as coverage does (which says so in its notes)
        aligned, _ = align_to_crawl(frame[["final_url"]], pages)
        keys = aligned["final_url"].map(url_key)
        health = page_health(pages).set_index("key")
        # "boolean" first: an all-unmatched map is null[pyarrow], which fillna(False) rejects.
        failed |= keys.map(health["failed"]).astype("boolean").fillna(False).to_numpy(bool)
        products = products_from_pages(pages)
        if not products.empty:
            stock = products.assign(key=products["url"].map(url_key)).drop_duplicates("key")
            page_oos = keys.map(stock.set_index("key")["in_stock"]).astype("boolean").eq(False)
            out_of_stock |= page_oos.fillna(False).to_numpy(bool)
    return out_of_stock, failed


def smart_bidding_flags(workspace: Workspace, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per keyword of ``frame`` (customer_id, criterion_id): (under Smart Bidding, the campaign's
    bidding strategy type) from ``sem_keywords``. Smart Bidding strategies (target CPA / ROAS,
    maximize conversions / value, maximize clicks, target impression share) set bids at auction
    time and ignore the keyword's max CPC. Workspaces from before ``sem pull`` recorded the
    flag (no column, or NULL) are manual: a keyword is only skipped when the source says so."""
    n = len(frame)
    smart = np.zeros(n, bool)
    strategy = np.full(n, None, dtype=object)
    if not workspace.has_table("sem_keywords") or "criterion_id" not in frame.columns:
        return smart, strategy
    have = {r[0] for r in workspace.con.execute("DESCRIBE sem_keywords").fetchall()}
    if "smart_bidding" not in have:
        return smart, strategy
    kind = "bidding_strategy_type" if "bidding_strategy_type" in have else "NULL"
    known = workspace.con.execute(
        "SELECT replace(CAST(customer_id AS VARCHAR), '-', '') AS customer_id, ad_group_id, "
        f"criterion_id, smart_bidding, {kind} AS bidding_strategy_type FROM sem_keywords"
    ).df()
    keys = ["criterion_id"]
    left = pd.DataFrame({"criterion_id": frame["criterion_id"].to_numpy()})
    if "ad_group_id" in frame.columns:  # a criterion id is unique within its ad group only
        keys.append("ad_group_id")
        left["ad_group_id"] = frame["ad_group_id"].to_numpy()
    if "customer_id" in frame.columns:
        keys.append("customer_id")
        left["customer_id"] = frame["customer_id"].astype(str).str.replace("-", "", regex=False)
    known = known.drop_duplicates(keys, keep="last")
    joined = left.merge(known, on=keys, how="left")
    smart = joined["smart_bidding"].astype("boolean").fillna(False).to_numpy(bool)
    strategy = (
        joined["bidding_strategy_type"]
        .astype(object)
        .where(joined["bidding_strategy_type"].notna(), None)
        .to_numpy()
    )
    return smart, strategy


def new_run_id(prefix: str = "bid") -> str:
    return f"{prefix}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}"


def add_missing_columns(workspace: Workspace, table: str, df: pd.DataFrame) -> None:
    """Columns of ``df`` that an older workspace's ``table`` lacks are added (NULL in its old
    rows), so a workspace carried from release to release keeps taking new runs."""
    if not workspace.has_table(table):
        return
    have = {r[0] for r in workspace.con.execute(f'DESCRIBE "{table}"').fetchall()}
    missing = [c for c in df.columns if c not in have]
    if not missing:
        return
    workspace.con.register("_columns_of", df.head(0))
    try:
        described = workspace.con.execute("DESCRIBE _columns_of").fetchall()
        types = {name: sql_type for name, sql_type, *_ in described}
    finally:
        workspace.con.unregister("_columns_of")
    for col in missing:
        workspace.con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{col}" {types[col]}')


def save_recommendation(workspace: Workspace, rec: Recommendation, run_id: str) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    table = rec.table.assign(
        run_id=run_id,
        created_at=now,
        strategy=rec.summary["strategy"],
        objective=rec.summary["objective"],
    )
    table["customer_id"] = table["customer_id"].astype(str)
    frontier = rec.frontier.assign(run_id=run_id, point=np.arange(len(rec.frontier)))
    w = rec.summary.get("multiplier") or rec.summary["margin"]
    frontier["chosen"] = (
        np.arange(len(frontier)) == int(np.argmin(np.abs(np.log(frontier["multiplier"] / w))))
        if len(frontier)
        else np.zeros(0, bool)  # no keyword could be moved: no frontier
    )
    with workspace.transaction():
        add_missing_columns(workspace, "bid_recommendations", table)
        workspace.replace_rows("bid_recommendations", table, "run_id", run_id)
        workspace.replace_rows("bid_frontier", frontier, "run_id", run_id)
        stats = {k: v for k, v in rec.summary.items() if k != "policy"}
        workspace.register_run(
            run_id, "bid", started_at=now, finished_at=now, label="recommend", stats=stats
        )
