"""Posterior draws: joint draws of every model's quantities at the current bid, and the
intervals derived from them (ROAS, marginal ROAS, profit, value per click)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sem.roi.options import RoiOptions
from sem.roi.shared import shared_rng

BOOTSTRAP_CHUNK = 5000  # keywords per bootstrap block: bounds memory at 100,000 keywords


def posterior_draws(
    fit: pd.DataFrame, draws: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Joint posterior draws (keywords x draws) of the quantities at the current bid."""
    n = len(fit)
    shape = (n, draws)
    x = fit["current_bid"].to_numpy(float)[:, None]
    clicks0 = fit["clicks_per_day"].to_numpy(float)[:, None]
    # Clicks at the current bid: lognormal with the volume posterior's log spread (b's included),
    # mean-preserving so the draws average the point forecast.
    if "clicks_log_sd" in fit.columns:
        log_sd = fit["clicks_log_sd"].to_numpy(float)[:, None]
    else:  # a frame from elsewhere: the scale's coefficient of variation
        cv = (fit["a_se"] / fit["a"]).replace([np.inf, np.nan], 1.0).to_numpy(float)[:, None]
        log_sd = np.sqrt(np.log1p(cv**2))
    c0 = clicks0 * np.exp(log_sd * rng.standard_normal(shape) - log_sd**2 / 2)
    b = fit["elasticity"].to_numpy(float)[:, None] + fit["elasticity_se"].to_numpy(float)[
        :, None
    ] * rng.standard_normal(shape)
    cvr = rng.beta(
        np.broadcast_to(fit["cvr_alpha"].to_numpy(float)[:, None], shape),
        np.broadcast_to(fit["cvr_beta"].to_numpy(float)[:, None], shape),
    )
    vpc = np.exp(
        fit["value_log_mu"].to_numpy(float)[:, None]
        + fit["value_log_sd"].to_numpy(float)[:, None] * rng.standard_normal(shape)
    )
    ratio = np.maximum(
        fit["cpc_ratio"].to_numpy(float)[:, None]
        + fit["cpc_ratio_se"].to_numpy(float)[:, None] * rng.standard_normal(shape),
        0.05,
    )
    saturated = (fit["clicks_per_day"] >= fit["click_ceiling"]).to_numpy()[:, None]
    return {
        "clicks": c0,
        "cost": c0 * ratio * x,
        "value": c0 * cvr * vpc,
        "value_per_click": cvr * vpc,
        "elasticity": b,
        "saturated": np.broadcast_to(saturated, shape),
    }


def add_derived_intervals(out: pd.DataFrame, opts: RoiOptions) -> None:
    rng = shared_rng(opts.seed)  # a chunked fit's chunks continue one stream
    lo_q, hi_q = (1 - opts.interval) / 2, (1 + opts.interval) / 2
    x = out["current_bid"].to_numpy(float)
    b = out["elasticity"].to_numpy(float)
    vpc = out["value_per_conversion"].to_numpy(float)
    roas = out["cvr"].to_numpy(float) * vpc / (out["cpc_ratio"].to_numpy(float) * x)
    saturated = (out["clicks_per_day"] >= out["click_ceiling"]).to_numpy()
    out["roas"] = roas
    out["marginal_roas"] = np.where(saturated, 0.0, roas * b / (b + 1))
    clicks = out["clicks_per_day"].to_numpy(float)
    out["value_per_day"] = clicks * out["cvr"].to_numpy(float) * vpc
    out["cost_per_day"] = clicks * out["cpc"].to_numpy(float)
    out["profit_per_day"] = out["value_per_day"] * opts.margin - out["cost_per_day"]
    cols = {c: np.empty(len(out)) for c in
            ("roas_lo", "roas_hi", "marginal_roas_lo", "marginal_roas_hi", "profit_lo", "profit_hi",
             "value_per_click_lo", "value_per_click_hi")}  # fmt: skip
    for start in range(0, len(out), BOOTSTRAP_CHUNK):
        part = out.iloc[start : start + BOOTSTRAP_CHUNK]
        d = posterior_draws(part, opts.draws, rng)
        sl = slice(start, start + len(part))
        r = d["value"] / np.maximum(d["cost"], 1e-12)
        m = np.where(d["saturated"], 0.0, r * d["elasticity"] / (d["elasticity"] + 1))
        p = d["value"] * opts.margin - d["cost"]
        named = (
            ("roas", r),
            ("marginal_roas", m),
            ("profit", p),
            ("value_per_click", d["value_per_click"]),
        )
        for name, arr in named:
            q = np.quantile(arr, [lo_q, hi_q], axis=1)
            cols[f"{name}_lo"][sl], cols[f"{name}_hi"][sl] = q[0], q[1]
    for name, arr in cols.items():
        out[name] = arr
