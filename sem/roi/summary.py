"""Roll-ups per keyword, ad group or campaign, with intervals from the posterior draws summed
within each group (what ``searchops sem roi`` prints)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from searchops.errors import SearchopsError
from sem.roi.draws import BOOTSTRAP_CHUNK, posterior_draws
from sem.roi.options import RoiOptions

LEVELS = {
    "keyword": ["criterion_id", "campaign", "ad_group", "keyword", "match_type"],
    "ad_group": ["ad_group_id", "campaign", "ad_group"],
    "campaign": ["campaign_id", "campaign"],
}


def summarize(
    fit: pd.DataFrame, level: str = "keyword", options: RoiOptions | None = None
) -> pd.DataFrame:
    """Per keyword, ad group or campaign: history, expected value/cost/profit per day at current
    bids and ROAS, with intervals (bootstrap draws summed within the group)."""
    if level not in LEVELS:
        raise SearchopsError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    opts = options or RoiOptions.from_settings()
    keys = LEVELS[level]
    codes, uniques = pd.factorize(fit[keys[0]])
    g = len(uniques)
    lo_q, hi_q = (1 - opts.interval) / 2, (1 + opts.interval) / 2
    bounds = {name: np.empty((2, g)) for name in ("roas", "profit")}
    if level == "keyword":  # one group per keyword: quantiles block by block, never g x draws
        for start in range(0, len(fit), BOOTSTRAP_CHUNK):
            d = posterior_draws(fit.iloc[start : start + BOOTSTRAP_CHUNK], opts.draws, opts.seed)
            sl = slice(start, start + len(d["value"]))
            bounds["roas"][:, sl] = np.quantile(
                d["value"] / np.maximum(d["cost"], 1e-12), [lo_q, hi_q], axis=1
            )
            bounds["profit"][:, sl] = np.quantile(
                d["value"] * opts.margin - d["cost"], [lo_q, hi_q], axis=1
            )
    else:
        value = np.zeros((g, opts.draws))
        cost = np.zeros((g, opts.draws))
        for start in range(0, len(fit), BOOTSTRAP_CHUNK):
            part = fit.iloc[start : start + BOOTSTRAP_CHUNK]
            d = posterior_draws(part, opts.draws, opts.seed)
            np.add.at(value, codes[start : start + len(part)], d["value"])
            np.add.at(cost, codes[start : start + len(part)], d["cost"])
        bounds["roas"] = np.quantile(value / np.maximum(cost, 1e-12), [lo_q, hi_q], axis=1)
        bounds["profit"] = np.quantile(value * opts.margin - cost, [lo_q, hi_q], axis=1)
    sums = fit.groupby(codes).agg(
        **{k: (k, "first") for k in keys[1:]},
        keywords=("criterion_id", "size"),
        clicks=("clicks", "sum"),
        cost=("cost", "sum"),
        conversions=("conversions", "sum"),
        conversions_value=("conversions_value", "sum"),
        value_per_day=("value_per_day", "sum"),
        cost_per_day=("cost_per_day", "sum"),
        sufficient=("sufficient", "mean"),
    )
    out = pd.DataFrame({keys[0]: uniques}).join(sums.reset_index(drop=True))
    if level == "keyword":
        out = out.join(fit[["current_bid", "elasticity", "elasticity_se", "cvr", "cvr_lo", "cvr_hi",
                            "enough_clicks", "enough_conversions", "bid_variation"]])  # fmt: skip
    out["roas"] = out["value_per_day"] / out["cost_per_day"].where(out["cost_per_day"] > 0)
    out["roas_lo"], out["roas_hi"] = bounds["roas"]
    out["profit_per_day"] = out["value_per_day"] * opts.margin - out["cost_per_day"]
    out["profit_lo"], out["profit_hi"] = bounds["profit"]
    if level != "keyword":
        out = out.rename(columns={"sufficient": "sufficient_share"})
    return out
