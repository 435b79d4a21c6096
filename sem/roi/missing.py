"""What the account's files did not say: a keyword's Max CPC, its conversions.

**No Max CPC: forecasts at today's level, with no bid response.** An export without a Max CPC column (and no keyword list or pull of the same source giving
one) says what a keyword bought, not what it bid. Its clicks, cost and value per day can
still be forecast at today's level: the models are fitted at a stand-in bid, the keyword's
own average CPC over its history (else its category's, else the account's), with CPC equal
to that stand-in (``cpc_ratio`` 1: the history's cost per click) and no response to bids
(``elasticity`` 0, marginal ROAS unknown). ``bid_known`` is False on those rows: an output
shows their bid as unknown and a bid recommendation never moves them.

**No conversion columns: the models that need them are unavailable.** A report without
Conversions / Conv. value imports them as NULL (not 0: an unknown is not a zero). A keyword
whose history has no conversion count has no conversion-rate or order-value model: its
conversion rate, value per click, value, ROAS, marginal ROAS and profit are left unknown
(NaN, shown as unavailable), never a number made up from the prior; ``conversions_known``
is False on those rows. Clicks and cost are still forecast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def stand_in_bids(
    kw: pd.DataFrame, daily: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """(keywords, daily rows, bid unknown per keyword): keywords without a current bid get
    their average CPC as ``cpc_bid``, and so do their daily rows without one. Unchanged
    frames (not copied) when every keyword has a bid."""
    bid = kw["cpc_bid"].to_numpy(float)
    unknown = ~(bid > 0)
    if not unknown.any():
        return kw, daily, unknown
    ids = pd.Index(kw["criterion_id"].to_numpy())
    pos = ids.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    ok = pos >= 0
    k = len(kw)
    clicks = np.bincount(pos[ok], daily["clicks"].to_numpy(float)[ok], minlength=k)
    cost = np.bincount(pos[ok], np.nan_to_num(daily["cost"].to_numpy(float)[ok]), minlength=k)
    own = np.where(clicks > 0, cost / np.maximum(clicks, 1e-300), np.nan)
    account = cost.sum() / clicks.sum() if clicks.sum() > 0 else 1.0
    category = kw["category"].fillna("(none)").astype(str).to_numpy()
    frame = pd.DataFrame({"category": category, "cost": cost, "clicks": clicks})
    by_cat = frame.groupby("category")[["cost", "clicks"]].transform("sum")
    cat_cpc = np.where(
        by_cat["clicks"] > 0, by_cat["cost"] / np.maximum(by_cat["clicks"], 1e-300), account
    )
    stand_in = np.where(np.isfinite(own) & (own > 0), own, cat_cpc)
    stand_in = np.where(stand_in > 0, stand_in, account if account > 0 else 1.0)
    kw = kw.copy()
    kw["cpc_bid"] = np.where(unknown, stand_in, bid)
    fill = ok & unknown[np.where(ok, pos, 0)] & ~(daily["cpc_bid"].to_numpy(float) > 0)
    if fill.any():
        daily = daily.copy()
        daily["cpc_bid"] = np.where(fill, stand_in[np.where(ok, pos, 0)], daily["cpc_bid"])
    return kw, daily, unknown


# The columns of a fit that need conversions (count and value) to mean anything.
NEEDS_CONVERSIONS = (
    "cvr", "cvr_lo", "cvr_hi", "value_per_conversion", "value_per_conversion_lo",
    "value_per_conversion_hi", "value_per_click", "value_per_click_lo", "value_per_click_hi",
    "value_per_day", "roas", "roas_lo", "roas_hi", "marginal_roas", "marginal_roas_lo",
    "marginal_roas_hi", "profit_per_day", "profit_lo", "profit_hi",
)  # fmt: skip


def unavailable_models(out: pd.DataFrame, no_bid: np.ndarray, daily: pd.DataFrame) -> None:
    """Mark (in place) what a fit cannot know: ``bid_known`` False where the bid is a
    stand-in (marginal ROAS unknown: no bid response); ``conversions_known`` False where the
    history has no conversion count, or the account's has none at all (every column of
    :data:`NEEDS_CONVERSIONS` unknown)."""
    out["bid_known"] = ~no_bid
    no_conversions = ~np.isfinite(out["conversions"].to_numpy(float))
    if not np.isfinite(daily["conversions"].to_numpy(float)).any():
        no_conversions[:] = True  # no file of the account had conversions: no prior either
    out["conversions_known"] = ~no_conversions
    if no_bid.any():
        for col in ("marginal_roas", "marginal_roas_lo", "marginal_roas_hi"):
            if col in out.columns:
                out.loc[no_bid, col] = np.nan
    if no_conversions.any():
        cols = [c for c in NEEDS_CONVERSIONS if c in out.columns]
        out.loc[no_conversions, cols] = np.nan
