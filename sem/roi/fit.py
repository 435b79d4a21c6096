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
from sem.roi.cost import cpc_exponent, cpc_ratio, cpc_slopes
from sem.roi.data import (
    daily_aggregates,
    duckdb_memory_limit,
    keyword_list,
    keyword_totals,
    load_chunk,
    load_frames,
    resolve_source,
    weekday_season,
)
from sem.roi.draws import add_derived_intervals
from sem.roi.missing import stand_in_bids, unavailable_models
from sem.roi.monotone import category_prior
from sem.roi.options import RoiOptions
from sem.roi.order_value import item_price, value_posterior
from sem.roi.shared import SharedValues, account_wide, recording, replaying


def fit_models(
    data: Workspace | Mapping[str, pd.DataFrame] | Any,
    *,
    source: str | None = None,
    since: date | None = None,
    until: date | None = None,
    options: RoiOptions | None = None,
    chunk_keywords: int | None = None,
    prior_keywords: int | None = None,
    **option_overrides: Any,
) -> pd.DataFrame:
    """Fit every keyword's models; one row per keyword (columns in ``sem/__init__.py``).

    ``since``/``until`` restrict the daily history (backtests fit on earlier weeks).
    Model diagnostics are in ``result.attrs["diagnostics"]``.

    From a workspace with more than ``chunk_keywords`` (default ``[sem]
    fit_chunk_keywords``) keywords the fit is chunked, so memory is one chunk's: the weekday
    season and window are aggregated over every daily row in DuckDB, the other account-wide
    quantities (:mod:`sem.roi.shared`) are estimated on ``prior_keywords`` (default ``[sem]
    fit_prior_keywords``) of them (all when there are no more), then every keyword is fitted
    in chunks of ``chunk_keywords`` with those, its chunk's rows read from DuckDB. With
    ``prior_keywords`` covering the account the result is the one-piece fit's.
    """
    opts = options or RoiOptions.from_settings()
    if option_overrides:
        opts = replace(opts, **option_overrides)
    if isinstance(data, Workspace):
        source = resolve_source(data, source)
        keywords = keyword_list(data, source)
        chunk = chunk_keywords or opts.chunk_keywords
        if len(keywords) > chunk:
            prior = prior_keywords or opts.prior_keywords
            with duckdb_memory_limit(data):
                return _fit_chunked(data, source, keywords, since, until, opts, chunk, prior)
    return _fit_frames(load_frames(data, source), since, until, opts)


def _fit_chunked(
    workspace: Workspace,
    source: str,
    keywords: pd.DataFrame,
    since: date | None,
    until: date | None,
    opts: RoiOptions,
    chunk_keywords: int,
    prior_keywords: int,
) -> pd.DataFrame:
    shared = SharedValues()
    season, window = daily_aggregates(workspace, source, since, until)
    shared.preset("data.season", season)
    shared.preset("data.window", window)
    shared.preset("fit.categories", _categories(keywords)[1])
    shared.preset("fit.median_bid", np.nanmedian(keywords["cpc_bid"].to_numpy(float)))
    ids = keywords["criterion_id"].to_numpy()
    sample = ids
    if len(ids) > prior_keywords:
        rng = np.random.default_rng(opts.seed)
        sample = ids[np.sort(rng.choice(len(ids), prior_keywords, replace=False))]
    with recording(shared):
        prior_fit = _fit_frames(load_chunk(workspace, source, sample, since, until),
                                since, until, opts)  # fmt: skip
    diagnostics = prior_fit.attrs["diagnostics"]
    del prior_fit
    # every random draw is its keyword's (sem.roi.draws.KeywordDraws): any cut gives the
    # one-piece fit's
    step = chunk_keywords
    parts = []
    for start in range(0, len(ids), step):
        with replaying(shared):
            frames = load_chunk(workspace, source, ids[start : start + step], since, until)
            parts.append(_fit_frames(frames, since, until, opts))
            del frames
    out = pd.concat(parts, ignore_index=True)
    del parts
    out.attrs["diagnostics"] = {
        **diagnostics,
        "keywords": len(out),
        "chunks": {"keywords_per_chunk": step, "chunks": -(-len(ids) // step),
                   "priors_fitted_on_keywords": len(sample)},
    }  # fmt: skip
    return out


def _categories(kw: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    codes, cats = pd.factorize(kw["category"].fillna("(none)").astype(str))
    return codes, pd.Index(cats)


def _fit_frames(
    frames: dict[str, pd.DataFrame], since: date | None, until: date | None, opts: RoiOptions
) -> pd.DataFrame:
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
    # no Max CPC known: fitted at the keyword's average CPC, with no bid response (missing.py)
    kw, daily, no_bid = stand_in_bids(kw, daily)

    k_index = pd.Index(kw["criterion_id"].to_numpy())
    own_codes, own_cats = _categories(kw)
    cats = account_wide("fit.categories", lambda: own_cats)
    cat_codes = own_codes if cats is own_cats else cats.get_indexer(own_cats)[own_codes]
    current_bid = kw["cpc_bid"].to_numpy(float)
    season = weekday_season(daily)
    totals = keyword_totals(daily, k_index)
    clicks = fit_clicks(
        daily, landscape, kw, k_index, cat_codes, len(cats), season, totals, opts, since, until
    )

    typical_bid = np.where(
        totals["days"] > 0, totals["bid_sum"] / np.maximum(totals["days"], 1), current_bid
    )
    median_bid = account_wide("fit.median_bid", lambda: np.nanmedian(current_bid))
    price = item_price(kw, frames["sem_products"])
    cvr_alpha, cvr_beta, cvr_prior = cvr_posterior(
        totals["clicks"],
        totals["conversions"],
        np.log(np.where(typical_bid > 0, typical_bid, median_bid)),
        price,
        cat_codes,
        len(cats),
        opts.shrinkage,
    )
    lo_q, hi_q = (1 - opts.interval) / 2, (1 + opts.interval) / 2
    vpc_mu, vpc_sd = value_posterior(daily, totals, k_index, price, cat_codes, len(cats), opts)
    ratio, ratio_se, ratio_bid = cpc_ratio(daily, k_index, cat_codes, len(cats), opts.shrinkage)
    gamma, gamma_sd, gamma_own, gamma_prior, cpc_levels = cpc_exponent(
        daily, landscape, k_index, cat_codes, len(cats), opts.shrinkage, opts.landscape_weight
    )
    cpc_curve = cpc_slopes(
        cpc_levels, current_bid, category_prior(gamma_prior, cat_codes), opts, k_index
    )
    del cpc_levels
    # The ratio was measured at the keyword's mean bid: at today's bid CPC has moved by
    # (today / mean) ** gamma, the bid by today / mean.
    with np.errstate(divide="ignore", invalid="ignore"):
        moved = (current_bid / ratio_bid) ** (gamma - 1)
    ratio = ratio * np.where(np.isfinite(moved) & (moved > 0), moved, 1.0)
    ratio = np.where(no_bid, 1.0, ratio)  # the stand-in bid is the history's cost per click

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
            "elasticity_down": clicks.slopes.down,
            "elasticity_down_se": clicks.slopes.down_sd,
            "elasticity_up": clicks.slopes.up,
            "elasticity_up_se": clicks.slopes.up_sd,
            "curve_own_down": clicks.slopes.own_down,
            "curve_own_up": clicks.slopes.own_up,
            "cpc_ratio": ratio,
            "cpc_ratio_se": ratio_se,
            "cpc_exponent": gamma,
            "cpc_exponent_se": gamma_sd,
            "cpc_exponent_own": gamma_own,
            "cpc_exponent_down": cpc_curve.down,
            "cpc_exponent_down_se": cpc_curve.down_sd,
            "cpc_exponent_up": cpc_curve.up,
            "cpc_exponent_up_se": cpc_curve.up_sd,
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
    if no_bid.any():  # the same forecast, flat in the bid
        out.loc[no_bid, "a"] = out["clicks_per_day"][no_bid]
        flat = ["elasticity", "elasticity_se", "elasticity_raw", "elasticity_down",
                "elasticity_down_se", "elasticity_up", "elasticity_up_se"]  # fmt: skip
        out.loc[no_bid, flat] = 0.0
    out["clicks_lo"] = np.minimum(clicks.clicks_lo, out["clicks_per_day"])
    out["clicks_hi"] = np.maximum(clicks.clicks_hi, out["clicks_per_day"])
    out["clicks_log_sd"] = clicks.log_sd
    out["value_per_click"] = out["cvr"] * out["value_per_conversion"]
    out["cpc"] = ratio * current_bid
    out["cpc_lo"] = np.maximum(ratio - z * ratio_se, 0.0) * current_bid
    out["cpc_hi"] = (ratio + z * ratio_se) * current_bid
    add_derived_intervals(out, opts)
    unavailable_models(out, no_bid, daily)
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
