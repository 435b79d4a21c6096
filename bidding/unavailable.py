"""Keywords no bid can be recommended for, because the account's files did not say enough.

* no Max CPC (``bid_known`` False in the fit, see :mod:`sem.roi.missing`): there is no bid
  to move, and the forecast has no bid response; reason ``NO_CURRENT_BID``;
* no conversion data (``conversions_known`` False): the value of a click is unknown, so no
  bid can be judged; reason ``NO_CONVERSION_DATA``;
* a stale current bid: the bid was last seen (``sem_keywords.bid_as_of``: its last row of a
  daily report, no keyword list or pull since) more than ``[bidding] stale_bid_days`` before
  the source's last day. A daily report has no row on a day without impressions, so a bid
  changed since is not in it, and a move from the old bid could land outside the step cap of
  the real one; reason ``CURRENT_BID_STALE``, the current bid shown as unknown.

Such a keyword is held (``action`` hold, nothing exported), its reason says why and what to
import, and its spend at today's level goes on: it is fixed spend against ``--budget``, as
Smart Bidding's is. When no keyword can be moved, the recommendation is all holds: no bid
change recommended, the summary's ``no_bid_change_reason`` says why.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from bidding.models import KeywordModels
from bidding.recommend import (
    ID_COLUMNS,
    METRICS,
    Recommendation,
    budget_message,
    expected_changes,
    hold_counts,
)

REASONS = {
    "NO_CURRENT_BID": "no Max CPC known: no bid to change, the forecast has no bid response",
    "NO_CONVERSION_DATA": "no conversion columns: the value of a click is unknown",
    "CURRENT_BID_STALE": "current bid not seen lately (no impressions): no bid to move from",
}
_FRONTIER = ["multiplier", "clicks", "cost", "value", "profit", "roas", "marginal_roas"]


def stale(seen: pd.Series, last: date | None, days: int) -> np.ndarray:
    """Per keyword: its bid was seen (``seen``, NaT unknown) more than ``days`` days before
    ``last``, the source's last day."""
    if last is None:
        return np.zeros(len(seen), bool)
    age = (pd.Timestamp(last) - pd.to_datetime(seen)).dt.days
    return (age > days).fillna(False).to_numpy(bool)


def flags(model: KeywordModels) -> tuple[np.ndarray, np.ndarray]:
    """(no Max CPC, no conversion data) per keyword of ``model``."""
    frame = model.frame

    def unknown(name: str) -> np.ndarray:
        if name not in frame.columns:
            return np.zeros(len(frame), bool)
        return ~frame[name].fillna(True).astype(bool).to_numpy()

    return unknown("bid_known"), unknown("conversions_known")


def held_rows(
    model: KeywordModels,
    no_bid: np.ndarray,
    no_conversions: np.ndarray,
    *,
    margin: float,
    days: int,
    level: float,
    draws: int,
    seed: int,
    currency: str | None,
    common_log_sd: float = 0.0,
    stale_bid: np.ndarray | None = None,
    seen: pd.Series | None = None,
    last: date | None = None,
) -> pd.DataFrame:
    """One hold per keyword of ``model`` (all of them unavailable), forecast at today's
    level: no change (``d_*`` 0), ``exp_clicks`` / ``exp_cost`` over ``days`` (their intervals
    with the account-wide volume factor ``common_log_sd``, as the movable keywords').
    ``stale_bid``: keywords whose bid was last seen on ``seen`` (by position), more than
    ``[bidding] stale_bid_days`` before ``last``; shown as unknown, the last one named."""
    bid = model.current_bid
    changes, _ = expected_changes(
        model, bid, bid, margin=margin, days=days, level=level, draws=draws, seed=seed,
        common_log_sd=common_log_sd,
    )  # fmt: skip
    table = model.frame[[c for c in ID_COLUMNS if c in model.frame.columns]].copy()
    old = np.zeros(len(bid), bool) if stale_bid is None else np.asarray(stale_bid, bool) & ~no_bid
    when = (
        [None] * len(bid)
        if seen is None
        else [None if pd.isna(x) else pd.Timestamp(x).date() for x in seen]
    )
    unknown = no_bid | old
    table["current_bid"] = np.where(unknown, np.nan, bid)
    table["new_bid"] = table["current_bid"]
    table["change"] = np.where(unknown, np.nan, 0.0)
    table = pd.concat([table, changes.reset_index(drop=True)], axis=1)
    for m in METRICS:
        for s in ("", "_lo", "_hi"):
            table[f"d_{m}{s}"] = 0.0
    for col in ("marginal_roas", "marginal_roas_lo", "marginal_roas_hi", "target_marginal_roas"):
        table[col] = np.nan
    table["reasons"] = [
        ";".join(code for code, on in (("NO_CURRENT_BID", nb), ("CURRENT_BID_STALE", st),
                                       ("NO_CONVERSION_DATA", nc)) if on)
        for nb, st, nc in zip(no_bid, old, no_conversions, strict=True)
    ]  # fmt: skip
    unit = f" {currency}" if currency else ""
    texts = []
    for nb, st, nc, b, day, r in zip(
        no_bid, old, no_conversions, bid, when, table.itertuples(index=False), strict=True
    ):
        why = []
        if nb:
            why.append(
                "no Max CPC known (the source's files have no Max CPC column and no keyword "
                "list or pull gave one)"
            )
        if st:
            gap = (
                f", {(last - day).days} days before the data's last day {last}"
                if (day is not None and last is not None)
                else ""
            )
            why.append(
                f"current bid unknown: its Max CPC was last seen at {b:,.2f}{unit} on {day}"
                f"{gap} (a daily report has no row on a day without impressions, and no "
                "keyword list or pull is newer), so a move from it could miss today's bid"
            )
        if nc:
            why.append(
                "no conversion data (no 'Conversions' / 'Conv. value' columns): the value of "
                "a click is unknown"
            )
        fix = " and ".join(
            ["a keyword list with Max CPC"] * bool(nb or st)
            + ["a report with conversion columns"] * bool(nc)
        )
        texts.append(
            f"no bid change recommended: {'; '.join(why)}; at today's level {days}-day "
            f"clicks {r.exp_clicks:,.0f} [{r.exp_clicks_lo:,.0f}, {r.exp_clicks_hi:,.0f}], "
            f"cost {r.exp_cost:,.2f}{unit} [{r.exp_cost_lo:,.2f}, {r.exp_cost_hi:,.2f}]"
            f"{', with no response to bids' if nb else ''}; import {fix} under the same --source"
            f"{' (or pull the account)' if st else ''}"
        )
    table["reason"] = texts
    table["action"] = "hold"
    table["spend_saved"] = table["spend_saved_lo"] = table["spend_saved_hi"] = 0.0
    return table


def merged(
    rec: Recommendation | None,
    held: pd.DataFrame,
    movable: np.ndarray,
    unavailable: np.ndarray,
    *,
    spend: float,
    budget: float | None,
    base: dict[str, Any],
) -> Recommendation:
    """The recommendation of the ``movable`` keywords (None when there are none) with the
    ``held`` rows of the ``unavailable`` ones, in the model's keyword order; ``spend``: the
    held keywords' spend per day at today's level (fixed against ``budget``)."""
    parts = [held.set_index(pd.Index(np.flatnonzero(unavailable)))]
    if rec is not None:
        parts.insert(0, rec.table.set_index(pd.Index(np.flatnonzero(movable))))
    table = pd.concat(parts).sort_index().reset_index(drop=True)
    n_held = int(unavailable.sum())
    no_bid = int(held["reasons"].str.contains("NO_CURRENT_BID").sum())
    no_conv = int(held["reasons"].str.contains("NO_CONVERSION_DATA").sum())
    stale_bid = int(held["reasons"].str.contains("CURRENT_BID_STALE").sum())
    if rec is None:
        summary: dict[str, Any] = {
            **base, "multiplier": None, "binding": "none", "feasible": True,
            "raised": 0, "lowered": 0, "held": 0, "cost_per_day_current": 0.0,
            "cost_per_day_new": 0.0, "value_per_day_new": None, "target_marginal_roas": None,
            "budget_check": None, "paused": 0, "pause_capped": 0, "pause_cap": 0,
            "smart_bidding_skipped": 0, "free_budget_per_day": None, "fixed_spend_per_day": 0.0,
            "spend_saved": 0.0, "spend_saved_lo": 0.0, "spend_saved_hi": 0.0,
            **{f"d_{m}{s}": 0.0 for m in METRICS for s in ("", "_lo", "_hi")},
        }  # fmt: skip
        frontier = pd.DataFrame(columns=_FRONTIER, dtype=float)
    else:
        summary = dict(rec.summary)
        frontier = rec.frontier
    summary.update(
        keywords=len(table),
        held=summary["held"] + n_held,
        holds=hold_counts(table),
        no_current_bid=no_bid,
        no_conversion_data=no_conv,
        stale_current_bid=stale_bid,
        budget_per_day=budget,
        fixed_spend_per_day=summary["fixed_spend_per_day"] + spend,
        cost_per_day_current=summary["cost_per_day_current"] + spend,
        cost_per_day_new=summary["cost_per_day_new"] + spend,
    )
    if rec is None:
        fix = " and ".join(
            ["a keyword list with Max CPC"] * bool(no_bid or stale_bid)
            + ["a report with conversion columns"] * bool(no_conv)
        )
        summary["no_bid_change_reason"] = (
            f"no bid change recommended: none of the {len(table):,} keywords can be moved "
            f"({no_bid:,} without a Max CPC, "
            + (f"{stale_bid:,} whose current bid was not seen lately, " if stale_bid else "")
            + f"{no_conv:,} without conversion data); import "
            f"{fix} under the same --source"
        )
    check = summary.get("budget_check")
    if check is not None and budget is not None and spend > 0:
        check = dict(check)
        for key in ("projected_spend_per_day", "min_spend_per_day", "max_spend_per_day"):
            check[key] += spend
        check.update(budget_per_day=budget, gap_per_day=check["projected_spend_per_day"] - budget)
        if check["projected_spend_per_day"] > budget * (1 + 1e-6):
            check["status"] = "over"
        if check["status"] == "over":
            check["limits"] = [
                *check["limits"],
                {"limit": "no current Max CPC or no conversion data (held)",
                 "keywords": n_held,
                 "spend_per_day": spend},
            ]  # fmt: skip
        check["message"] = budget_message(check)
        summary["budget_check"] = check
    return Recommendation(table=table, frontier=frontier, summary=summary)
