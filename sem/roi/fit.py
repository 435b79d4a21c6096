"""``fit_models``: every keyword's models composed into one row per keyword.

Clicks vs bid (:mod:`sem.roi.clicks`, its volume from :mod:`sem.roi.volume`), conversion rate
(:mod:`sem.roi.conversion`), order value (:mod:`sem.roi.order_value`), cost per click
(:mod:`sem.roi.cost`); ROAS, marginal ROAS and profit with intervals from the joint posterior
draws (:mod:`sem.roi.draws`). Each model reads the history (:mod:`sem.roi.data`) and returns
arrays in keyword order; this module only joins them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from searchops.errors import SearchopsError
from searchops.workspace import Workspace
from sem.roi.clicks import fit_clicks
from sem.roi.conversion import cvr_diagnostics, cvr_posterior
from sem.roi.cost import cpc_exponent, cpc_ratio
from sem.roi.data import keyword_totals, load_frames, weekday_season
from sem.roi.draws import add_derived_intervals
from sem.roi.options import RoiOptions
from sem.roi.order_value import item_price, value_posterior


def fit_models(
    data: Workspace | Mapping[str, pd.DataFrame] | Any,
    *,
    source: str | None = None,
    since: date | None = None,
    until: date | None = None,
    options: RoiOptions | None = None,
    **option_overrides: Any,
) -> pd.DataFrame:
    """Fit every keyword's models; one row per keyword (columns in ``sem/__init__.py``).

    ``since``/``until`` restrict the daily history (backtests fit on earlier weeks).
    Model diagnostics are in ``result.attrs["diagnostics"]``.
    """
    opts = options or RoiOptions.from_settings()
    if option_overrides:
        opts = replace(opts, **option_overrides)
    frames = load_frames(data, source)
    kw = frames["sem_keywords"].drop_duplicates("criterion_id").reset_index(drop=True)
    if kw.empty:
        raise SearchopsError("no keywords to model")
    daily = frames["sem_keyword_daily"]
    if since is not None:
        daily = daily[daily["date"] >= pd.Timestamp(since)]
    if until is not None:
        daily = daily[daily["date"] <= pd.Timestamp(until)]
    landscape = frames["sem_bid_landscape"]
    if until is not None:
        landscape = landscape[landscape["end_date"] <= pd.Timestamp(until)]

    k_index = pd.Index(kw["criterion_id"].to_numpy())
    cat_codes, cats = pd.factorize(kw["category"].fillna("(none)").astype(str))
    current_bid = kw["cpc_bid"].to_numpy(float)
    season = weekday_season(daily)
    totals = keyword_totals(daily, k_index)
    clicks = fit_clicks(
        daily, landscape, kw, k_index, cat_codes, len(cats), season, totals, opts, since, until
    )

    typical_bid = np.where(
        totals["days"] > 0, totals["bid_sum"] / np.maximum(totals["days"], 1), current_bid
    )
    price = item_price(kw, frames["sem_products"])
    cvr_alpha, cvr_beta, cvr_prior = cvr_posterior(
        totals["clicks"],
        totals["conversions"],
        np.log(np.where(typical_bid > 0, typical_bid, np.nanmedian(current_bid))),
        price,
        cat_codes,
        len(cats),
        opts.shrinkage,
    )
    lo_q, hi_q = (1 - opts.interval) / 2, (1 + opts.interval) / 2
    vpc_mu, vpc_sd = value_posterior(daily, totals, k_index, price, cat_codes, len(cats), opts)
    ratio, ratio_se, ratio_bid = cpc_ratio(daily, k_index, cat_codes, len(cats), opts.shrinkage)
    gamma, gamma_sd, gamma_own, gamma_prior = cpc_exponent(
        daily, landscape, k_index, cat_codes, len(cats), opts.shrinkage, opts.landscape_weight
    )
    # The ratio was measured at the keyword's mean bid: at today's bid CPC has moved by
    # (today / mean) ** gamma, the bid by today / mean.
    with np.errstate(divide="ignore", invalid="ignore"):
        moved = (current_bid / ratio_bid) ** (gamma - 1)
    ratio = ratio * np.where(np.isfinite(moved) & (moved > 0), moved, 1.0)

    z = stats.norm.ppf(hi_q)
    out = pd.DataFrame(
        {
            "criterion_id": kw["criterion_id"],
            "customer_id": kw["customer_id"],
            "campaign_id": kw["campaign_id"],
            "campaign": kw["campaign"],
            "ad_group_id": kw["ad_group_id"],
            "ad_group": kw["ad_group"],
            "keyword": kw["keyword"],
            "match_type": kw["match_type"],
            "status": kw["status"],
            "category": kw["category"],
            "item_id": kw["item_id"],
            "final_url": kw["final_url"],
            "current_bid": current_bid,
            "days": totals["days"],
            "clicks": totals["clicks"],
            "impressions": totals["impressions"],
            "cost": totals["cost"],
            "conversions": totals["conversions"],
            "conversions_value": totals["value"],
            "bid_levels": clicks.bid_levels,
            "clicks_dispersion": clicks.phi,
            "has_landscape": k_index.isin(landscape["criterion_id"].dropna()),
            "a": clicks.a,
            "a_se": clicks.a_se,
            "elasticity": clicks.elasticity,
            "elasticity_se": clicks.elasticity_se,
            "elasticity_raw": clicks.elasticity_raw,
            "click_ceiling": clicks.ceiling,
            "cpc_ratio": ratio,
            "cpc_ratio_se": ratio_se,
            "cpc_exponent": gamma,
            "cpc_exponent_se": gamma_sd,
            "cpc_exponent_own": gamma_own,
            "cvr": cvr_alpha / (cvr_alpha + cvr_beta),
            "cvr_lo": stats.beta.ppf(lo_q, cvr_alpha, cvr_beta),
            "cvr_hi": stats.beta.ppf(hi_q, cvr_alpha, cvr_beta),
            "cvr_alpha": cvr_alpha,
            "cvr_beta": cvr_beta,
            "value_per_conversion": np.exp(vpc_mu + vpc_sd**2 / 2),
            "value_per_conversion_lo": np.exp(vpc_mu - z * vpc_sd),
            "value_per_conversion_hi": np.exp(vpc_mu + z * vpc_sd),
            "value_log_mu": vpc_mu,
            "value_log_sd": vpc_sd,
        }
    )
    out["clicks_per_day"] = np.minimum(clicks.ceiling, clicks.a * current_bid**clicks.elasticity)
    out["clicks_lo"] = np.minimum(clicks.clicks_lo, out["clicks_per_day"])
    out["clicks_hi"] = np.maximum(clicks.clicks_hi, out["clicks_per_day"])
    out["clicks_log_sd"] = clicks.log_sd
    out["value_per_click"] = out["cvr"] * out["value_per_conversion"]
    out["cpc"] = ratio * current_bid
    out["cpc_lo"] = np.maximum(ratio - z * ratio_se, 0.0) * current_bid
    out["cpc_hi"] = (ratio + z * ratio_se) * current_bid
    add_derived_intervals(out, opts)
    out["enough_clicks"] = out["clicks"] >= opts.min_clicks
    out["enough_conversions"] = out["conversions"] >= opts.min_conversions
    out["bid_variation"] = (out["bid_levels"] >= 2) | out["has_landscape"]
    out["sufficient"] = out["enough_clicks"] & out["bid_variation"]
    out.attrs["diagnostics"] = {
        "keywords": len(kw),
        "options": opts.__dict__,
        "season": season.round(4).tolist(),
        **clicks.diagnostics,
        "cpc_exponent_prior": gamma_prior,
        "cvr_prior": cvr_prior,
        "cvr": cvr_diagnostics(totals, cvr_alpha, cvr_beta),
    }
    return out
