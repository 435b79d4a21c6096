"""Recommendations: proposed bids with reason codes and expected changes with intervals.

``recommend(*, model=, strategy=, seed=, context=)`` returns a :class:`Recommendation`:

* ``table``: one row per keyword: ids and labels, ``current_bid``, ``new_bid`` (rounded to
  ``bid_step``, inside the guardrails), ``change`` (relative), ``reasons`` (``;``-joined codes,
  see :data:`REASONS`), and the expected change over ``horizon_days`` of clicks, cost, value and
  profit (``d_clicks``, ``d_cost``, ``d_value``, ``d_profit``) each with ``_lo``/``_hi``
  bounds of a central ``interval_level`` interval;
* ``frontier``: spend vs value for a sweep of the multiplier around the chosen one;
* ``summary``: totals (with intervals), the multiplier, the binding constraint, feasibility.

Intervals come from parameter draws (click-curve scale and elasticity from their standard
errors, conversion rate from a beta and order value from a lognormal matched to their
intervals), propagated through the response model: the delta method would miss the ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from bidding.config import BiddingConfig
from bidding.models import KeywordModels
from bidding.optimizer import Optimizer
from bidding.strategy import BidStrategy, Context, Proposal

REASONS = {
    "RAISE_MARGINAL_RETURN": "marginal return above the account's target: bid up",
    "LOWER_MARGINAL_RETURN": "marginal return below the account's target: bid down",
    "STEP_CAP": "move limited by the per-cycle step cap",
    "BID_FLOOR": "at the configured bid floor",
    "BID_CEILING": "at the configured bid ceiling",
    "CLICK_CEILING": "clicks saturate: a higher bid buys no more clicks",
    "HELD_INSUFFICIENT_DATA": "not enough clicks or too wide a conversion-rate interval",
    "NO_INCREASE_OUT_OF_STOCK": "product out of stock: no increase",
    "NO_INCREASE_LANDING_PAGE": "landing page fails (4xx/5xx or noindex) in the latest crawl",
    "NO_CHANGE": "already at the recommended bid",
    "BUDGET_CONSTRAINT": "held below its max-profit bid by the budget",
    "ROAS_TARGET": "held below its max-profit bid by the target ROAS",
}
ID_COLUMNS = [
    "customer_id",
    "campaign_id",
    "campaign",
    "ad_group_id",
    "ad_group",
    "criterion_id",
    "keyword",
    "match_type",
    "final_url",
]
METRICS = ("clicks", "cost", "value", "profit")
_CHUNK = 5000


@dataclass
class Recommendation:
    table: pd.DataFrame
    frontier: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)


def _draws(
    model: KeywordModels, idx: slice, n: int, level: float, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    z = stats.norm.ppf(0.5 + level / 2)
    a = np.nan_to_num(model.col("a")[idx])
    a_se = np.nan_to_num(model.col("a_se")[idx])
    e = np.nan_to_num(model.col("elasticity")[idx])
    e_se = np.nan_to_num(model.col("elasticity_se")[idx])
    k = len(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_sd = np.where(a > 0, a_se / a, 0.0)
    out = {
        "a": a[:, None]
        * np.exp(
            rng.normal(0, 1, (k, n)) * np.nan_to_num(log_sd)[:, None] - log_sd[:, None] ** 2 / 2
        ),
        "e": np.clip(e[:, None] + rng.normal(0, 1, (k, n)) * e_se[:, None], 0.0, None),
    }
    m = np.clip(np.nan_to_num(model.col("cvr")[idx]), 1e-9, 1 - 1e-9)
    sd = np.nan_to_num((model.col("cvr_hi")[idx] - model.col("cvr_lo")[idx]) / (2 * z))
    with np.errstate(divide="ignore", invalid="ignore"):
        strength = m * (1 - m) / sd**2 - 1
    ok = np.isfinite(strength) & (strength > 0)
    strength = np.where(ok, strength, 1.0)
    beta = rng.beta(
        (m * strength)[:, None].repeat(n, 1), ((1 - m) * strength)[:, None].repeat(n, 1)
    )
    out["cvr"] = np.where(ok[:, None], beta, m[:, None])
    v = np.nan_to_num(model.col("value_per_conversion")[idx])
    vlo = np.nan_to_num(model.col("value_lo")[idx], nan=0)
    vhi = np.nan_to_num(model.col("value_hi")[idx], nan=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.where((vlo > 0) & (vhi > vlo), (np.log(vhi) - np.log(vlo)) / (2 * z), 0.0)
    out["value"] = v[:, None] * np.exp(
        rng.normal(0, 1, (k, n)) * sigma[:, None] - sigma[:, None] ** 2 / 2
    )
    return out


def expected_changes(
    model: KeywordModels,
    old: np.ndarray,
    new: np.ndarray,
    *,
    margin: float,
    days: int,
    level: float,
    draws: int,
    seed: int,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per keyword and in total: expected change (mean and interval) of clicks, cost, value, profit."""
    rng = np.random.default_rng(seed)
    ceiling = model.curves().ceiling
    cpc_ratio = model.curves().cpc_ratio
    q = [(1 - level) / 2, (1 + level) / 2]
    cols: dict[str, list[np.ndarray]] = {
        f"d_{m}{s}": [] for m in METRICS for s in ("", "_lo", "_hi")
    }
    totals = {m: np.zeros(draws) for m in METRICS}
    for start in range(0, len(model), _CHUNK):
        idx = slice(start, start + _CHUNK)
        d = _draws(model, idx, draws, level, rng)
        b0, b1 = old[idx, None], new[idx, None]
        cap = ceiling[idx, None]
        c0 = np.minimum(cap, d["a"] * b0 ** d["e"])
        c1 = np.minimum(cap, d["a"] * b1 ** d["e"])
        vpc = d["cvr"] * d["value"]
        delta = {
            "clicks": c1 - c0,
            "cost": cpc_ratio[idx, None] * (c1 * b1 - c0 * b0),
            "value": (c1 - c0) * vpc,
        }
        delta["profit"] = margin * delta["value"] - delta["cost"]
        for m in METRICS:
            x = delta[m] * days
            cols[f"d_{m}"].append(x.mean(axis=1))
            lo_hi = np.quantile(x, q, axis=1)
            cols[f"d_{m}_lo"].append(lo_hi[0])
            cols[f"d_{m}_hi"].append(lo_hi[1])
            totals[m] += x.sum(axis=0)
    per_kw = pd.DataFrame({k: np.concatenate(v) if v else np.array([]) for k, v in cols.items()})
    summary: dict[str, float] = {}
    for m in METRICS:
        summary[f"d_{m}"] = float(totals[m].mean())
        summary[f"d_{m}_lo"], summary[f"d_{m}_hi"] = (float(x) for x in np.quantile(totals[m], q))
    return per_kw, summary


def reason_codes(
    model: KeywordModels,
    proposal: Proposal,
    new: np.ndarray,
    config: BiddingConfig,
    free: np.ndarray | None = None,
) -> np.ndarray:
    """``;``-joined codes of :data:`REASONS` per keyword. ``free``: the bids without the budget
    or ROAS constraint (max profit), to tell which keywords the constraint holds back."""
    current, box = model.current_bid, proposal.box
    tol = config.bid_step / 2
    sat = model.curves(proposal.value_per_click).saturation_bid()
    up, down = new > current + tol, new < current - tol
    moved = up | down
    at_floor = np.abs(new - config.bid_floor) <= tol
    at_ceiling = np.abs(new - config.bid_ceiling) <= tol
    at_box = (np.abs(new - box.upper) <= tol) | (np.abs(new - box.lower) <= tol)
    flags = {
        "HELD_INSUFFICIENT_DATA": box.held,
        "NO_INCREASE_OUT_OF_STOCK": box.out_of_stock,
        "NO_INCREASE_LANDING_PAGE": box.landing_failed,
        "RAISE_MARGINAL_RETURN": up,
        "LOWER_MARGINAL_RETURN": down,
        "STEP_CAP": moved & at_box & ~at_floor & ~at_ceiling,
        "BID_FLOOR": at_floor,
        "BID_CEILING": at_ceiling,
        "CLICK_CEILING": np.isfinite(sat) & (new >= sat - tol),
        "NO_CHANGE": ~moved & ~box.held,
    }
    if free is not None:
        held_back = new < free - config.bid_step
        flags["BUDGET_CONSTRAINT"] = held_back & ("budget" in proposal.binding)
        flags["ROAS_TARGET"] = held_back & ("roas" in proposal.binding)
    joined = np.full(len(new), "", dtype=object)
    for code, flag in flags.items():
        joined = np.where(flag, joined + code + ";", joined)
    return np.array([c.rstrip(";") for c in joined], dtype=object)


def recommend(
    *,
    model: KeywordModels,
    strategy: BidStrategy,
    context: Context,
    seed: int = 0,
) -> Recommendation:
    """Propose bids with ``strategy`` and explain them (see the module docstring)."""
    config, c = context.config, context.constraints
    proposal = strategy.propose(model=model, context=context, seed=seed)
    current = model.current_bid
    new = proposal.rounded(config.bid_step, current)
    changes, totals = expected_changes(
        model,
        current,
        new,
        margin=c.margin,
        days=config.horizon_days,
        level=config.interval_level,
        draws=config.interval_draws,
        seed=seed,
    )
    table = model.frame[[col for col in ID_COLUMNS if col in model.frame.columns]].copy()
    table["current_bid"] = current
    table["new_bid"] = new
    with np.errstate(divide="ignore", invalid="ignore"):
        table["change"] = np.where(current > 0, new / current - 1, np.nan)
    optimizer = proposal.notes.get("optimizer")
    if not isinstance(optimizer, Optimizer):
        optimizer = Optimizer(
            model.curves(proposal.value_per_click),
            proposal.box.lower,
            proposal.box.upper,
            margin=c.margin,
            iterations=config.bisection_iterations,
        )
    constrained = c.objective == "profit" and proposal.binding != "none"
    free = optimizer.bids(c.margin) if constrained else None
    table["reasons"] = reason_codes(model, proposal, new, config, free)
    table = pd.concat([table, changes], axis=1)
    around = proposal.multiplier if np.isfinite(proposal.multiplier) else c.margin
    frontier = optimizer.frontier(around, points=config.frontier_points)
    for col in ("clicks", "cost", "value", "profit"):
        frontier[col] = frontier[col] * config.horizon_days
    curves = model.curves()
    summary: dict[str, Any] = {
        "strategy": strategy.name,
        "policy": strategy.policy.model_dump() if strategy.policy else None,
        "objective": c.objective,
        "margin": c.margin,
        "budget_per_day": c.budget,
        "target_roas": c.target_roas,
        "horizon_days": config.horizon_days,
        "interval_level": config.interval_level,
        "multiplier": proposal.multiplier if np.isfinite(proposal.multiplier) else None,
        "binding": proposal.binding,
        "feasible": proposal.feasible,
        "keywords": len(model),
        "raised": int((new > current + config.bid_step / 2).sum()),
        "lowered": int((new < current - config.bid_step / 2).sum()),
        "held": int(proposal.box.held.sum()),
        "cost_per_day_current": float(curves.cost(current).sum()),
        "cost_per_day_new": float(curves.cost(new).sum()),
        "value_per_day_new": float(curves.value(new).sum()),
        **totals,
    }
    return Recommendation(table=table, frontier=frontier, summary=summary)
