"""Recommendations: proposed bids with reason codes and expected changes with intervals.

``recommend(*, model=, strategy=, seed=, context=)`` returns a :class:`Recommendation`:

* ``table``: one row per keyword: ids and labels, ``current_bid``, ``new_bid`` (rounded to
  ``bid_step``, inside the guardrails), ``change`` (relative), ``action`` (:data:`ACTIONS`:
  set_bid, pause: a status change, hold: nothing sent), ``reasons`` (``;``-joined codes,
  see :data:`REASONS`), ``spend_saved`` (+``_lo``/``_hi``, pauses), ``bidding_strategy_type``, and the expected change over ``horizon_days`` of clicks, cost, value and
  profit (``d_clicks``, ``d_cost``, ``d_value``, ``d_profit``) each with ``_lo``/``_hi``
  bounds of a central ``interval_level`` interval;
* ``frontier``: spend vs value for a sweep of the multiplier around the chosen one;
* ``summary``: totals (with intervals), the multiplier, the binding constraint, feasibility,
  ``paused`` / ``pause_capped`` / ``spend_saved``, ``smart_bidding_skipped`` and their
  ``fixed_spend_per_day``.

Intervals come from parameter draws (click-curve scale and elasticity from their standard
errors, conversion rate from a beta and order value from a lognormal matched to their
intervals), propagated through the response model: the delta method would miss the ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from bidding.config import BiddingConfig
from bidding.models import KeywordModels
from bidding.optimizer import W_MAX, W_MIN, Optimizer
from bidding.strategy import BidStrategy, Constraints, Context, Proposal
from sem.roi.draws import KeywordDraws

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
    "SKIPPED_SMART_BIDDING": "the campaign's Smart Bidding strategy sets bids: no max CPC sent",
    "PAUSE_OUT_OF_STOCK": "product out of stock: pause the keyword",
    "PAUSE_LANDING_PAGE": "landing page fails (4xx/5xx or noindex): pause the keyword",
    "PAUSE_CAP": "would be paused, but this cycle's pause cap is reached: no increase instead",
    "HELD_NO_SUPPORTED_MOVE": "no bid within the step cap gains at the decision quantile",
    "CUT_NO_CONVERSIONS": "loses money at every bid within the step cap: bid to the bottom",
    "PAUSE_NO_CONVERSIONS": "spends without converting enough to pay for its clicks: pause",
}
# Why a keyword's bid stays as it is, in the order a row is counted under (summary "holds").
HOLD_REASONS = (
    "SKIPPED_SMART_BIDDING",
    "NO_CURRENT_BID",
    "CURRENT_BID_STALE",
    "NO_CONVERSION_DATA",
    "HELD_INSUFFICIENT_DATA",
    "HELD_NO_SUPPORTED_MOVE",
    "NO_INCREASE_OUT_OF_STOCK",
    "NO_INCREASE_LANDING_PAGE",
    "BID_FLOOR",
    "BID_CEILING",
    "CLICK_CEILING",
    "NO_CHANGE",
)
# What a row asks of the account: a new max CPC, a status change to PAUSED, or nothing.
ACTIONS = ("set_bid", "pause", "hold")
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
    model: KeywordModels,
    idx: slice,
    n: int,
    level: float,
    rng: KeywordDraws,
) -> dict[str, np.ndarray]:
    """Parameter draws per keyword (rows) and draw (columns). The scale ``a`` varies by the ROI
    model's volume uncertainty at the current bid (``clicks_log_sd``, which already holds the
    elasticity's share there) when it has one, else by its standard error; the elasticity
    draw then only moves clicks away from the current bid (see :func:`expected_changes`).
    ``rng`` holds the draws of the model's keywords (row ``i`` the keyword of row ``i``)."""
    rng = rng[idx]
    z = stats.norm.ppf(0.5 + level / 2)
    a = np.nan_to_num(model.col("a", idx))
    a_se = np.nan_to_num(model.col("a_se", idx))
    e = np.nan_to_num(model.col("elasticity", idx))
    e_se = np.nan_to_num(model.col("elasticity_se", idx))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_sd = np.where(a > 0, a_se / a, 0.0)
    if "clicks_log_sd" in model.frame.columns:
        log_sd = np.where(
            np.isfinite(model.col("clicks_log_sd", idx)), model.col("clicks_log_sd", idx), log_sd
        )
    out = {
        "a": a[:, None]
        * np.exp(rng.normal("a", n) * np.nan_to_num(log_sd)[:, None] - log_sd[:, None] ** 2 / 2),
        "e": np.clip(e[:, None] + rng.normal("e", n) * e_se[:, None], 0.0, None),
    }
    m = np.clip(np.nan_to_num(model.col("cvr", idx)), 1e-9, 1 - 1e-9)
    sd = np.nan_to_num((model.col("cvr_hi", idx) - model.col("cvr_lo", idx)) / (2 * z))
    with np.errstate(divide="ignore", invalid="ignore"):
        strength = m * (1 - m) / sd**2 - 1
    ok = np.isfinite(strength) & (strength > 0)
    strength = np.where(ok, strength, 1.0)
    beta = rng.beta("cvr", (m * strength)[:, None], ((1 - m) * strength)[:, None], n)
    out["cvr"] = np.where(ok[:, None], beta, m[:, None])
    v = np.nan_to_num(model.col("value_per_conversion", idx))
    vlo = np.nan_to_num(model.col("value_lo", idx), nan=0)
    vhi = np.nan_to_num(model.col("value_hi", idx), nan=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.where((vlo > 0) & (vhi > vlo), (np.log(vhi) - np.log(vlo)) / (2 * z), 0.0)
    out["value"] = v[:, None] * np.exp(
        rng.normal("value", n) * sigma[:, None] - sigma[:, None] ** 2 / 2
    )
    # the click and CPC curves' slopes below and above today's bid (flat or stepped:
    # sem.roi.monotone)
    for key, name, default in (("e", "elasticity", 0.0), ("g", "cpc_exponent", 1.0)):
        for side in ("down", "up"):
            mean = np.nan_to_num(model.col(f"{name}_{side}", idx), nan=default)
            se = np.nan_to_num(model.col(f"{name}_{side}_se", idx))
            draw = mean[:, None] + rng.normal(f"{key}_{side}", n) * se[:, None]
            out[f"{key}_{side}"] = np.clip(draw, 0.0, 3.0)
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
    value_scale: np.ndarray | None = None,
    common_log_sd: float = 0.0,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per keyword and in total: expected change (mean and interval) of clicks, cost, value, profit.

    Per keyword also: the forecast clicks and cost at ``new`` over ``days`` (``exp_clicks``,
    ``exp_cost`` with ``_lo``/``_hi``) and the interval of the marginal ROAS at ``old``
    (``marginal_roas_lo``/``_hi``), its value per click scaled by ``value_scale`` (the
    strategy's estimate over the model's) so it brackets what the strategy bid on.
    """
    rng = np.random.default_rng(seed)  # the account-wide factor's
    keyword_draws = KeywordDraws(model.frame["criterion_id"], seed, "forecast")
    curves = model.curves()
    ceiling = curves.ceiling
    scale = np.ones(len(model)) if value_scale is None else value_scale
    q = [(1 - level) / 2, (1 + level) / 2]
    cols: dict[str, list[np.ndarray]] = {
        f"{m}{s}": []
        for m in (*(f"d_{m}" for m in METRICS), "exp_clicks", "exp_cost", "marginal_roas")
        for s in ("", "_lo", "_hi")
    }
    totals = {m: np.zeros(draws) for m in METRICS}
    # one account-wide volume factor per draw, shared by every keyword (mean 1)
    common = np.exp(rng.normal(0, common_log_sd, draws) - common_log_sd**2 / 2)
    for start in range(0, len(model), _CHUNK):
        idx = slice(start, start + _CHUNK)
        d = _draws(model, idx, draws, level, keyword_draws)
        b0, b1 = old[idx, None], new[idx, None]
        cap = ceiling[idx, None]
        e0 = np.clip(np.nan_to_num(model.col("elasticity", idx)), 0.0, None)[:, None]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            uncapped0 = d["a"] * np.power(b0, e0)
            # from today's clicks along the drawn slope on the move's side; without a bid,
            # from the power curve
            uncapped1 = uncapped0 * np.power(b1 / b0, np.where(b1 > b0, d["e_up"], d["e_down"]))
            no_bid = ~(b0[:, 0] > 0)
            if no_bid.any():
                uncapped1[no_bid] = d["a"][no_bid] * np.power(b1[no_bid], d["e"][no_bid])
            # a bid of 0 (a pause) buys no click, whatever the slope: along a flat curve
            # (a slope drawn at 0), 0 ** 0 = 1 kept a paused keyword's clicks and value at
            # no cost, and overstated what pausing gains
            uncapped1 = np.where(b1 <= 0, 0.0, uncapped1)
        c0 = np.minimum(cap, np.nan_to_num(uncapped0) * common)
        c1 = np.minimum(cap, np.nan_to_num(uncapped1) * common)
        vpc = d["cvr"] * d["value"]
        part = curves.take(np.arange(len(curves))[idx])
        cpc0 = part.cpc(b0[:, 0])[:, None]
        up = b1 > b0
        with np.errstate(divide="ignore", invalid="ignore"):
            moved = np.power(b1 / b0, np.where(up, d["g_up"], d["g_down"]))
        # CPC along the drawn slope on the move's side, never above the bid; without a bid,
        # from the power curve
        cpc1 = np.where(b0 > 0, np.minimum(cpc0 * moved, b1), part.cpc(b1[:, 0])[:, None])
        gamma = d["g_up"]
        delta = {
            "clicks": c1 - c0,
            "cost": c1 * cpc1 - c0 * cpc0,
            "value": (c1 - c0) * vpc,
        }
        delta["profit"] = margin * delta["value"] - delta["cost"]
        for m in METRICS:
            totals[m] += delta[m].sum(axis=0) * days
        e = d["e"]
        with np.errstate(divide="ignore", invalid="ignore"):
            mroas = scale[idx, None] * vpc * e / ((e + gamma) * cpc0)
        per_draw = {
            **{f"d_{m}": delta[m] * days for m in METRICS},
            "exp_clicks": c1 * days,
            "exp_cost": c1 * cpc1 * days,
            # past the click ceiling another cent of bid buys no value
            "marginal_roas": np.where(c0 >= cap, 0.0, np.nan_to_num(mroas)),
        }
        for name, x in per_draw.items():
            cols[name].append(x.mean(axis=1))
            lo_hi = np.quantile(x, q, axis=1)
            cols[f"{name}_lo"].append(lo_hi[0])
            cols[f"{name}_hi"].append(lo_hi[1])
    per_kw = pd.DataFrame({k: np.concatenate(v) if v else np.array([]) for k, v in cols.items()})
    per_kw = per_kw.drop(columns="marginal_roas")  # the point estimate comes from the strategy
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
    supported = proposal.notes.get("supported")
    if isinstance(supported, np.ndarray):
        flags["HELD_NO_SUPPORTED_MOVE"] = ~moved & ~box.held & ~supported
        flags["NO_CHANGE"] = flags["NO_CHANGE"] & supported
    cut = proposal.notes.get("cut")
    if isinstance(cut, np.ndarray):
        flags["CUT_NO_CONVERSIONS"] = cut
    if free is not None:
        held_back = new < free - config.bid_step
        flags["BUDGET_CONSTRAINT"] = held_back & ("budget" in proposal.binding)
        flags["ROAS_TARGET"] = held_back & ("roas" in proposal.binding)
    joined = np.full(len(new), "", dtype=object)
    for code, flag in flags.items():
        joined = np.where(flag, joined + code + ";", joined)
    return np.array([c.rstrip(";") for c in joined], dtype=object)


def target_marginal_roas(proposal: Proposal, constraints: Constraints) -> float:
    """The marginal ROAS every freely moving keyword is bid to: ``1 / w`` of the exact optimizer,
    else the target ROAS (or break-even ``1 / margin``) a rule strategy bids at."""
    w = proposal.multiplier
    if np.isfinite(w) and w > 0:
        # at an end of the search range no marginal ROAS is the target: bids sit at their bounds
        return 1.0 / w if W_MIN * 10 < w < W_MAX / 10 else float("nan")
    return constraints.target_roas or 1.0 / constraints.margin


class _Row(NamedTuple):
    """The numbers one reason sentence quotes (columns of the recommendation table)."""

    current_bid: float
    new_bid: float
    change: float
    marginal_roas: float
    marginal_roas_lo: float
    marginal_roas_hi: float
    exp_clicks: float
    exp_clicks_lo: float
    exp_clicks_hi: float
    exp_cost: float
    exp_cost_lo: float
    exp_cost_hi: float


def _ratio(x: float) -> str:
    """A ratio people can read: 2 decimals, more when that would print a small one as 0.00."""
    if x == 0 or not np.isfinite(x) or abs(x) >= 0.01:
        return f"{x:.2f}"
    return f"{x:.3f}" if abs(x) >= 0.001 else f"{x:.1e}"


def _mroas_text(r: _Row, value_per_click: float, saturated: bool) -> str:
    """The marginal ROAS at the current bid with its interval; a zero says why it is zero
    (the table stores 0.0 for all three), an unknown says unknown."""
    if not (np.isfinite(r.current_bid) and r.current_bid > 0):
        return "marginal ROAS unknown (no current bid)"
    if saturated:
        return "marginal ROAS 0 (clicks at their ceiling: a higher bid buys no more)"
    if value_per_click == 0:
        return "marginal ROAS 0 (no conversion value in its history)"
    return (
        f"marginal ROAS {_ratio(r.marginal_roas)} "
        f"[{_ratio(r.marginal_roas_lo)}, {_ratio(r.marginal_roas_hi)}]"
    )


def reason_texts(
    table: pd.DataFrame,
    model: KeywordModels,
    proposal: Proposal,
    config: BiddingConfig,
    *,
    target: float,
    days: int,
    min_clicks: int,
    free: np.ndarray | None = None,
) -> list[str]:
    """One sentence per keyword with the numbers behind its codes: marginal ROAS at the current
    bid (with its interval) against the target, the move, and the forecast clicks and cost."""
    with np.errstate(divide="ignore", invalid="ignore"):
        width = (model.col("cvr_hi") - model.col("cvr_lo")) / model.col("cvr")
    clicks = np.nan_to_num(model.col("clicks"))
    conversions = (
        np.nan_to_num(model.col("conversions"))
        if "conversions" in model.frame.columns
        else np.full(len(model), np.nan)
    )
    p_loss = np.asarray(proposal.notes.get("p_loss", np.full(len(model), np.nan)), float)
    need = min_clicks
    box = proposal.box
    curves = model.curves(proposal.value_per_click)
    current = table["current_bid"].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        saturated = np.isfinite(curves.ceiling) & (curves.clicks(current) >= curves.ceiling)
    # One bid level in the history: the slopes of clicks and CPC vs bid are its category's.
    borrowed = (
        ~model.frame["cpc_exponent_own"].fillna(True).astype(bool).to_numpy()
        if "cpc_exponent_own" in model.frame.columns
        else np.zeros(len(model), bool)
    )
    # The monotone curve's sides (sem.roi.monotone): False where no bid level of the history
    # lies on that side of today's bid, so a move there rests on similar keywords' slope.
    own_side = [
        model.frame[f"curve_own_{side}"].fillna(True).astype(bool).to_numpy()
        if f"curve_own_{side}" in model.frame.columns
        else np.ones(len(model), bool)
        for side in ("down", "up")
    ]
    half_step = config.bid_step / 2
    out = []
    columns = (table[c].to_numpy(dtype=float, na_value=np.nan).tolist() for c in _Row._fields)
    rows = zip(*columns, strict=True)
    for i, (reasons, values) in enumerate(zip(table["reasons"].astype(str), rows, strict=True)):
        r = _Row(*values)
        codes = set(reasons.split(";"))
        m = _mroas_text(r, float(curves.value_per_click[i]), bool(saturated[i]))
        cmp = ">" if r.marginal_roas > target else "<" if r.marginal_roas < target else "="
        parts = []
        if "HELD_INSUFFICIENT_DATA" in codes:
            if clicks[i] < need:
                parts.append(f"held: {clicks[i]:,.0f} clicks of history, {need} needed")
            else:
                parts.append(
                    f"held: conversion-rate interval {width[i]:.1f}x its mean "
                    f"(at most {config.max_cvr_interval_ratio:g}x)"
                )
        elif "CUT_NO_CONVERSIONS" in codes:
            parts.append(
                f"cut: profit negative in {p_loss[i]:.0%} of the posterior draws even at "
                f"{r.new_bid:.2f} ({clicks[i]:,.0f} clicks"
                + (f", {conversions[i]:,.1f} conversions)" if np.isfinite(conversions[i]) else ")")
            )
        elif "HELD_NO_SUPPORTED_MOVE" in codes:
            parts.append(
                f"held: no bid within the step cap gains at the {config.risk_quantile:.0%} "
                f"quantile of its posterior and {config.min_move_gain:g}/day on average ({m})"
            )
        elif np.isfinite(target):
            parts.append(f"{m} at {r.current_bid:.2f} {cmp} target {target:.2f}")
        else:
            parts.append(f"{m} at {r.current_bid:.2f}; every bid at a guardrail bound (no target)")
        if abs(r.new_bid - r.current_bid) > config.bid_step / 2:
            limits = [
                label
                for code, label in (
                    ("STEP_CAP", f"step cap {config.max_change:.0%}"),
                    ("BID_FLOOR", f"bid floor {config.bid_floor:.2f}"),
                    ("BID_CEILING", f"bid ceiling {config.bid_ceiling:.2f}"),
                    ("CLICK_CEILING", "clicks saturate"),
                )
                if code in codes
            ]
            move = f"{'up' if r.new_bid > r.current_bid else 'down'} to {r.new_bid:.2f} ({r.change:+.0%})"
            parts.append(move + (f", {', '.join(limits)}" if limits else ""))
        elif "NO_CHANGE" in codes:
            parts.append("kept")
        if "NO_INCREASE_OUT_OF_STOCK" in codes and box.out_of_stock[i]:
            parts.append("no increase: product out of stock")
        if "NO_INCREASE_LANDING_PAGE" in codes and box.landing_failed[i]:
            parts.append("no increase: landing page fails in the latest crawl")
        if borrowed[i] and "HELD_INSUFFICIENT_DATA" not in codes:
            parts.append(
                "clicks and CPC vs bid from similar keywords (one bid level in its history)"
            )
        elif "HELD_INSUFFICIENT_DATA" not in codes and abs(r.new_bid - r.current_bid) > half_step:
            up = r.new_bid > r.current_bid
            if not own_side[1 if up else 0][i]:
                parts.append(
                    f"clicks {'above' if up else 'below'} today's bid from similar keywords "
                    f"(no {'higher' if up else 'lower'} bid in its history)"
                )
        if free is not None and ({"BUDGET_CONSTRAINT", "ROAS_TARGET"} & codes):
            by = "the budget" if "BUDGET_CONSTRAINT" in codes else "the target ROAS"
            parts.append(f"held below its max-profit bid {free[i]:.2f} by {by}")
        parts.append(
            f"{days}-day forecast {r.exp_clicks:,.0f} clicks [{r.exp_clicks_lo:,.0f}, "
            f"{r.exp_clicks_hi:,.0f}], cost {r.exp_cost:,.2f} [{r.exp_cost_lo:,.2f}, {r.exp_cost_hi:,.2f}]"
        )
        out.append("; ".join(parts))
    return out


def budget_check(
    model: KeywordModels,
    proposal: Proposal,
    new: np.ndarray,
    constraints: Constraints,
    config: BiddingConfig,
) -> dict[str, Any] | None:
    """Projected spend against the budget and, when it cannot be met, what stops it.

    ``status``: ``met`` (the budget binds and spend lands on it), ``not_binding`` (max profit
    spends less), ``over`` (even every bid at the bottom of its guardrail box spends more:
    the limits that keep spend up are listed), ``under`` (a value objective cannot spend the
    budget: the limits that keep spend down are listed). Money per day.
    """
    budget = constraints.budget
    if budget is None:
        return None
    curves = model.curves()
    box = proposal.box
    tol = config.bid_step / 2
    projected = float(curves.cost(new).sum())
    mean = proposal.notes.get("spend_mean")
    if isinstance(mean, float):  # the posterior strategy's: cut keywords paused count nothing
        projected = mean
    low = curves.cost(box.lower)
    high = curves.cost(box.upper)
    if isinstance(proposal.notes.get("spend_low"), np.ndarray):  # the posterior's, as ``mean``
        low = np.asarray(proposal.notes["spend_low"], float)
        high = np.asarray(proposal.notes["spend_high"], float)
    check: dict[str, Any] = {
        "budget_per_day": budget,
        "projected_spend_per_day": projected,
        "gap_per_day": projected - budget,
        "min_spend_per_day": float(low.sum()),
        "max_spend_per_day": float(high.sum()),
        "limits": [],
    }
    upper = proposal.notes.get("spend_quantile")
    if isinstance(upper, float):
        check["confidence"] = config.budget_confidence
        check["spend_upper_per_day"] = upper

    def limit(name: str, mask: np.ndarray, spend: np.ndarray) -> None:
        if mask.any():
            check["limits"].append(
                {
                    "limit": name,
                    "keywords": int(mask.sum()),
                    "spend_per_day": float(spend[mask].sum()),
                }
            )

    at_floor = np.abs(box.lower - config.bid_floor) <= tol
    at_ceiling = np.abs(box.upper - config.bid_ceiling) <= tol
    if projected > budget * (1 + 1e-6):
        check["status"] = "over"
        limit("held: not enough data to move", box.held, low)
        limit(f"step cap: at most -{config.max_change:.0%} this cycle", ~box.held & ~at_floor, low)
        limit(f"bid floor {config.bid_floor:.2f}", ~box.held & at_floor, low)
    elif constraints.objective == "value" and projected < budget * (1 - 0.01):
        check["status"] = "under"
        sat = curves.saturation_bid()
        blocked = ~box.held & (box.out_of_stock | box.landing_failed)
        saturated = ~box.held & ~blocked & np.isfinite(sat) & (new >= sat - tol)
        free = ~box.held & ~blocked & ~saturated
        limit("held: not enough data to move", box.held, high)
        limit("no increase: out of stock or failing landing page", blocked, high)
        limit("clicks saturate: a higher bid buys no more clicks", saturated, high)
        limit(f"bid ceiling {config.bid_ceiling:.2f}", free & at_ceiling, high)
        limit(f"step cap: at most +{config.max_change:.0%} this cycle", free & ~at_ceiling, high)
    else:
        check["status"] = "met" if "budget" in proposal.binding else "not_binding"
    check["message"] = budget_message(check)
    return check


def budget_message(check: dict[str, Any]) -> str:
    b, p = check["budget_per_day"], check["projected_spend_per_day"]
    share = f" ({p / b - 1:+.1%})" if b > 0 else ""
    head = f"projected spend {p:,.2f}/day vs budget {b:,.2f}/day{share}"
    if check.get("fixed_spend_per_day"):
        head += (
            f", of which {check['fixed_spend_per_day']:,.2f}/day fixed "
            f"({check['fixed_keywords']:,} keywords under Smart Bidding)"
        )
    status = check["status"]
    if "confidence" in check:
        head += (
            f"; spend <= budget with probability {check['confidence']:.0%} "
            f"(its {check['confidence']:.0%} upper bound {check['spend_upper_per_day']:,.2f}/day)"
        )
    if status == "met":
        return head + ": the budget binds"
    if status == "not_binding":
        return head + ": maximum profit spends less than the budget"
    bound = check["min_spend_per_day" if status == "over" else "max_spend_per_day"]
    why = ", ".join(
        f"{lim['limit']} {lim['spend_per_day']:,.2f} ({lim['keywords']:,} keywords)"
        for lim in sorted(check["limits"], key=lambda x: -x["spend_per_day"])
    )
    side = "lowest" if status == "over" else "highest"
    return (
        f"{head}: cannot be met: the {side} spend the guardrails allow is {bound:,.2f}/day: {why}"
    )


def recommend(
    *,
    model: KeywordModels,
    strategy: BidStrategy,
    context: Context,
    seed: int = 0,
    smart_bidding: np.ndarray | None = None,
    bidding_strategy: np.ndarray | None = None,
) -> Recommendation:
    """Propose bids with ``strategy`` and explain them (see the module docstring).

    Two kinds of keyword stay out of the optimization:

    * paused (``action`` ``pause``): the product is out of stock or the landing page fails
      (``context.out_of_stock`` / ``landing_failed``, with ``[bidding] pause_*``), at most
      ``[bidding.guardrails]`` ``max_pauses`` / ``max_pause_share`` of them, most spend first;
      ``spend_saved`` (+``_lo``/``_hi``) is their forecast cost at today's bid over the horizon,
      and the value they lose is taken as nil (the page cannot sell);
    * under Smart Bidding (``smart_bidding``, the campaign's ``bidding_strategy`` type):
      ``action`` ``hold``, no bid sent (Google ignores a max CPC there); their spend at today's
      bid is fixed spend against the budget, and the target ROAS applies to the other keywords.
    """
    config = context.config
    n = len(model)
    smart = np.zeros(n, bool) if smart_bidding is None else np.asarray(smart_bidding, bool)
    kinds = np.full(n, None, dtype=object) if bidding_strategy is None else bidding_strategy
    oos = (
        np.zeros(n, bool)
        if context.out_of_stock is None
        else np.asarray(context.out_of_stock, bool)
    )
    failed = (
        np.zeros(n, bool)
        if context.landing_failed is None
        else np.asarray(context.landing_failed, bool)
    )
    spend_now = model.curves().cost(model.current_bid)
    wanted = (oos & config.pause_out_of_stock) | (failed & config.pause_failed_landing)
    cap = min(config.guardrails.max_pauses, int(np.floor(config.guardrails.max_pause_share * n)))
    order = np.argsort(-np.where(wanted, spend_now, -np.inf), kind="stable")
    pause = np.zeros(n, bool)
    pause[order[: min(cap, int(wanted.sum()))]] = True
    capped = wanted & ~pause
    skip = smart & ~pause
    free = ~pause & ~skip
    c = context.constraints
    fixed = float(spend_now[skip].sum())
    free_context = Context(
        config=config,
        constraints=Constraints(
            objective=c.objective,
            margin=c.margin,
            budget=None if c.budget is None else max(c.budget - fixed, 0.0),
            target_roas=c.target_roas,
        ),
        out_of_stock=oos[free],
        landing_failed=failed[free],
        account_log_sd=context.account_log_sd,
        pause_room=max(cap - int(pause.sum()), 0),
    )
    idx = np.flatnonzero(free)
    rec = _optimized(model=model.take(idx), strategy=strategy, context=free_context, seed=seed)
    table = rec.table.set_index(pd.Index(idx))
    table["action"] = np.where(
        (table["new_bid"] - table["current_bid"]).abs() > config.bid_step / 2, "set_bid", "hold"
    )
    kw = {"margin": c.margin, "days": config.horizon_days, "level": config.interval_level,
          "draws": config.interval_draws, "seed": seed,
          "common_log_sd": context.account_log_sd}  # fmt: skip
    cut = table["reasons"].astype(str).str.contains("CUT_NO_CONVERSIONS").to_numpy()
    # _optimized forecast these at bid 0 already (its one pass of draws, totals included)
    cut_pause = rec.summary.pop("cut_pause")
    if cut_pause.any():
        table = _pause_cuts(table, cut_pause, days=config.horizon_days)
    parts = [table]
    if pause.any():
        parts.append(_paused_rows(model, np.flatnonzero(pause), oos, failed, kw))
    if skip.any():
        parts.append(_smart_rows(model, np.flatnonzero(skip), kinds, kw))
    full = pd.concat(parts).sort_index()
    # no-conversion cuts the cap left unpaused are bid down instead: capped too
    cut_capped = np.zeros(n, bool)
    cut_capped[idx] = cut & ~cut_pause
    capped = capped | cut_capped
    if capped.any():
        full["reasons"] = _add_code(full["reasons"], capped, "PAUSE_CAP")
        full["reason"] = np.where(
            capped,
            full["reason"]
            + f"; not paused: at most {cap} pauses per cycle (setting bidding.guardrails.max_pauses)",
            full["reason"],
        )
    for col in ("spend_saved", "spend_saved_lo", "spend_saved_hi"):
        full[col] = full[col].fillna(0.0) if col in full.columns else 0.0
    # "string": an all-NULL object column would make the workspace column type NULL
    full["bidding_strategy_type"] = pd.Series(kinds, index=full.index, dtype=object).astype(
        "string"
    )
    summary = dict(rec.summary)
    paused_rows = full[full["action"] == "pause"]
    set_bid = full["action"].eq("set_bid")
    summary.update(
        keywords=n,
        paused=int(pause.sum() + cut_pause.sum()),
        paused_no_conversions=int(cut_pause.sum()),
        cut_bid_down=int((cut & ~cut_pause).sum()),
        holds=hold_counts(full),
        # bids kept (every hold but the Smart Bidding skips, counted apart): with raised,
        # lowered, paused and skipped, every keyword once
        held=int((full["action"].eq("hold") & ~skip_rows(full)).sum()),
        raised=int((set_bid & (full["new_bid"] > full["current_bid"])).sum()),
        lowered=int((set_bid & (full["new_bid"] < full["current_bid"])).sum()),
        pause_capped=int(capped.sum()),
        pause_cap=cap,
        smart_bidding_skipped=int(skip.sum()),
        # the budget asked for (--budget), not what is left of it for the freely moving bids
        budget_per_day=c.budget,
        free_budget_per_day=free_context.constraints.budget,
        fixed_spend_per_day=fixed,
        spend_saved=float(paused_rows["spend_saved"].sum()),
        spend_saved_lo=float(paused_rows["spend_saved_lo"].sum()),
        spend_saved_hi=float(paused_rows["spend_saved_hi"].sum()),
        cost_per_day_current=float(spend_now.sum()),
        cost_per_day_new=summary["cost_per_day_new"] + fixed,
    )
    # The stock and landing-page pauses change totals too (the no-conversion ones are in them
    # already). Their intervals are added bound to bound (wider than the interval of the sum):
    # the two parts come from separate draws.
    site_paused = paused_rows[~paused_rows["reasons"].astype(str).eq("PAUSE_NO_CONVERSIONS")]
    for m in METRICS:
        if not len(site_paused):
            break
        for s in ("", "_lo", "_hi"):
            summary[f"d_{m}{s}"] += float(site_paused[f"d_{m}{s}"].sum())
    check = summary.get("budget_check")
    if check is not None and c.budget is not None:
        check = dict(check)
        for key in ("projected_spend_per_day", "min_spend_per_day", "max_spend_per_day"):
            check[key] += fixed
        check.update(
            budget_per_day=c.budget,
            gap_per_day=check["projected_spend_per_day"] - c.budget,
            fixed_spend_per_day=fixed,
            fixed_keywords=int(skip.sum()),
        )
        if check["projected_spend_per_day"] > c.budget * (1 + 1e-6):
            check["status"] = "over"  # the fixed spend alone can exceed it
        if check["status"] == "over" and fixed > 0:
            check["limits"] = [
                *check["limits"],
                {"limit": "Smart Bidding (set by the campaigns' strategies)",
                 "keywords": int(skip.sum()), "spend_per_day": fixed},
            ]  # fmt: skip
        check["message"] = budget_message(check)
        summary["budget_check"] = check
    return Recommendation(table=full.reset_index(drop=True), frontier=rec.frontier, summary=summary)


def skip_rows(table: pd.DataFrame) -> np.ndarray:
    """Rows skipped because their campaign uses Smart Bidding."""
    return table["reasons"].astype(str).str.contains("SKIPPED_SMART_BIDDING").to_numpy()


def hold_counts(table: pd.DataFrame) -> dict[str, int]:
    """Rows whose bid stays as it is (``action`` hold), counted under the first of
    :data:`HOLD_REASONS` among their codes (``OTHER`` when none)."""
    held = table.loc[table["action"].eq("hold"), "reasons"].astype(str)
    counts: dict[str, int] = {}
    for reasons in held:
        codes = set(reasons.split(";"))
        first = next((code for code in HOLD_REASONS if code in codes), "OTHER")
        counts[first] = counts.get(first, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _pause_cuts(table: pd.DataFrame, cut_pause: np.ndarray, *, days: int) -> pd.DataFrame:
    """The optimized rows with the cut keywords in ``cut_pause`` paused. Their ``d_*`` columns
    were forecast at bid 0 already (:func:`_optimized`: paused = no clicks, and the value is
    lost: unlike a failing page, these keywords could sell), in the same pass of draws as
    every other keyword's and the totals; here they become pauses that spend nothing."""
    table = table.copy()
    rows = table.index[cut_pause]
    # the spend saved is the cost change of the pause (the same draws), so the two agree
    for s, other in (("", ""), ("_lo", "_hi"), ("_hi", "_lo")):
        table.loc[rows, f"spend_saved{s}"] = -table.loc[rows, f"d_cost{other}"]
        table.loc[rows, f"exp_clicks{s}"] = 0.0
        table.loc[rows, f"exp_cost{s}"] = 0.0
    table.loc[rows, "new_bid"] = table.loc[rows, "current_bid"]
    table.loc[rows, "change"] = 0.0
    table.loc[rows, "action"] = "pause"
    table.loc[rows, "reasons"] = "PAUSE_NO_CONVERSIONS"
    table.loc[rows, "reason"] = [
        f"pause: spends without converting enough to pay for its clicks "
        f"({str(why).split(';')[0].removeprefix('cut: ')}); {days}-day spend saved "
        f"{saved:,.2f} [{lo:,.2f}, {hi:,.2f}], value lost {-value:,.2f}"
        for why, saved, lo, hi, value in zip(
            table.loc[rows, "reason"], table.loc[rows, "spend_saved"],
            table.loc[rows, "spend_saved_lo"], table.loc[rows, "spend_saved_hi"],
            table.loc[rows, "d_value"], strict=True,
        )
    ]  # fmt: skip
    return table


def _add_code(reasons: pd.Series, mask: np.ndarray, code: str) -> pd.Series:
    text = reasons.astype(str)
    return text.where(~mask, (text + ";" + code).str.lstrip(";"))


def _unmoved_rows(model: KeywordModels, idx: np.ndarray, kw: dict[str, Any]) -> pd.DataFrame:
    """Rows of keywords outside the optimization at today's bid: ids, bids, no change, and
    the forecast clicks and cost at that bid (``exp_*``)."""
    sub = model.take(idx)
    current = sub.current_bid
    changes, _ = expected_changes(sub, current, current, **kw)
    table = sub.frame[[col for col in ID_COLUMNS if col in sub.frame.columns]].copy()
    table["current_bid"] = current
    table["new_bid"] = current
    table["change"] = 0.0
    table = pd.concat([table, changes], axis=1)
    table["marginal_roas"] = np.nan
    table["target_marginal_roas"] = np.nan
    return table.set_index(pd.Index(idx))


def _paused_rows(
    model: KeywordModels,
    idx: np.ndarray,
    oos: np.ndarray,
    failed: np.ndarray,
    kw: dict[str, Any],
) -> pd.DataFrame:
    table = _unmoved_rows(model, idx, kw)
    # A paused keyword's clicks and spend stop; the value it "loses" could not be sold.
    for m, at in (("clicks", "exp_clicks"), ("cost", "exp_cost")):
        table[f"d_{m}"] = -table[at]
        table[f"d_{m}_lo"] = -table[f"{at}_hi"]
        table[f"d_{m}_hi"] = -table[f"{at}_lo"]
    for s in ("", "_lo", "_hi"):
        table[f"d_value{s}"] = 0.0
        table[f"spend_saved{s}"] = table[f"exp_cost{s}"]
        table[f"d_profit{s}"] = table[f"exp_cost{s}"]
        table[f"exp_clicks{s}"] = 0.0
        table[f"exp_cost{s}"] = 0.0
    why_oos, why_failed = oos[idx], failed[idx]
    table["reasons"] = np.where(
        why_oos & why_failed,
        "PAUSE_OUT_OF_STOCK;PAUSE_LANDING_PAGE",
        np.where(why_oos, "PAUSE_OUT_OF_STOCK", "PAUSE_LANDING_PAGE"),
    )
    days = kw["days"]
    what = np.where(
        why_oos & why_failed,
        "product out of stock and landing page fails in the latest crawl",
        np.where(why_oos, "product out of stock", "landing page fails in the latest crawl"),
    )
    numbers = table[["spend_saved", "spend_saved_lo", "spend_saved_hi", "d_clicks"]]
    table["reason"] = [
        f"pause: {w}; {days}-day spend saved {saved:,.2f} [{lo:,.2f}, {hi:,.2f}], "
        f"{-clicks:,.0f} clicks stop"
        for w, (saved, lo, hi, clicks) in zip(what, numbers.to_numpy(float).tolist(), strict=True)
    ]
    table["action"] = "pause"
    return table


def _smart_rows(
    model: KeywordModels, idx: np.ndarray, kinds: np.ndarray, kw: dict[str, Any]
) -> pd.DataFrame:
    table = _unmoved_rows(model, idx, kw)
    table["reasons"] = "SKIPPED_SMART_BIDDING"
    days = kw["days"]
    table["reason"] = [
        f"skipped: the campaign's bidding strategy ({kind or 'Smart Bidding'}) sets bids and "
        f"ignores the max CPC; its {days}-day spend {r.exp_cost:,.2f} "
        f"[{r.exp_cost_lo:,.2f}, {r.exp_cost_hi:,.2f}] counts as fixed against the budget"
        for kind, r in zip(kinds[idx], table.itertuples(index=False), strict=True)
    ]
    table["action"] = "hold"
    return table


def _optimized(
    *,
    model: KeywordModels,
    strategy: BidStrategy,
    context: Context,
    seed: int = 0,
) -> Recommendation:
    """The bids of the keywords the optimizer may move, explained."""
    config, c = context.config, context.constraints
    proposal = strategy.propose(model=model, context=context, seed=seed)
    current = model.current_bid
    new = proposal.rounded(config.bid_step, current)
    model_vpc = model.value_per_click()
    with np.errstate(divide="ignore", invalid="ignore"):
        value_scale = np.where(model_vpc > 0, proposal.value_per_click / model_vpc, 1.0)
    # Keywords the strategy cuts and pauses (recommend() turns their rows into pauses) are
    # forecast at bid 0 (no clicks) in this one pass: their rows and the totals come from the
    # same draws, and no second pass over every keyword is needed.
    cut, chosen = proposal.notes.get("cut"), proposal.notes.get("cut_pause")
    cut_pause = np.zeros(len(model), bool)
    if isinstance(cut, np.ndarray) and isinstance(chosen, np.ndarray):
        cut_pause = cut & chosen
    changes, totals = expected_changes(
        model,
        current,
        np.where(cut_pause, 0.0, new),
        margin=c.margin,
        days=config.horizon_days,
        level=config.interval_level,
        draws=config.interval_draws,
        seed=seed,
        value_scale=value_scale,
        common_log_sd=context.account_log_sd,
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
    free_bids = proposal.notes.get("free_bids")
    free = (
        (free_bids if isinstance(free_bids, np.ndarray) else optimizer.bids(c.margin))
        if constrained
        else None
    )
    table["reasons"] = reason_codes(model, proposal, new, config, free)
    table = pd.concat([table, changes], axis=1)
    target = target_marginal_roas(proposal, c)
    strategy_curves = model.curves(proposal.value_per_click)
    point = strategy_curves.marginal_roas(np.where(current > 0, current, np.nan))
    saturated = np.isfinite(strategy_curves.ceiling) & (
        strategy_curves.clicks(current) >= strategy_curves.ceiling
    )
    table["marginal_roas"] = np.where(saturated, 0.0, np.nan_to_num(point))
    table["target_marginal_roas"] = target
    table["reason"] = reason_texts(
        table,
        model,
        proposal,
        config,
        target=target,
        days=config.horizon_days,
        min_clicks=max(strategy.policy.min_clicks, config.min_clicks)
        if strategy.policy
        else config.min_clicks,
        free=free,
    )
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
        "account_log_sd": context.account_log_sd,
        "risk_quantile": config.risk_quantile,
        "min_move_gain": config.min_move_gain,
        "budget_confidence": config.budget_confidence if c.budget is not None else None,
        "multiplier": proposal.multiplier if np.isfinite(proposal.multiplier) else None,
        "binding": proposal.binding,
        "feasible": proposal.feasible,
        "keywords": len(model),
        "raised": int((new > current + config.bid_step / 2).sum()),
        "lowered": int((new < current - config.bid_step / 2).sum()),
        "held": int(proposal.box.held.sum()),  # the data holds; recommend() counts every hold
        "cost_per_day_current": float(curves.cost(current).sum()),
        "cost_per_day_new": float(curves.cost(new).sum()),
        "value_per_day_new": float(curves.value(new).sum()),
        "target_marginal_roas": target if np.isfinite(target) else None,
        "budget_check": budget_check(model, proposal, new, c, config),
        "cut_pause": cut_pause,  # popped by recommend()
        **totals,
    }
    return Recommendation(table=table, frontier=frontier, summary=summary)
