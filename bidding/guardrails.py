"""Guardrails: the box every bid must stay in this cycle, and why.

Every limit comes from ``[bidding]`` in config/default.toml:

* a step cap: at most ``max_change`` (default +/-20%) from the current bid per cycle, the box
  shrunk to whole bid steps (``bid_step``, a cent);
* hard floors and ceilings (``bid_floor``, ``bid_ceiling``), which win over the step cap (a bid
  outside them is brought inside);
* no move without enough data: fewer than ``min_clicks`` clicks in the history, or a conversion
  rate interval wider than ``max_cvr_interval_ratio`` times its mean, holds the bid;
* no increase when the keyword's product is out of stock or its landing page fails in the
  latest crawl (``block_increase_out_of_stock``, ``block_increase_failed_landing``).

The same checks run twice: on the optimizer's box (:func:`bounds`) and again on any file of
bids before it is sent to an ad account (:func:`violations`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bidding.config import BiddingConfig

HELD_INSUFFICIENT_DATA = "HELD_INSUFFICIENT_DATA"
NO_INCREASE_OUT_OF_STOCK = "NO_INCREASE_OUT_OF_STOCK"
NO_INCREASE_LANDING_PAGE = "NO_INCREASE_LANDING_PAGE"


@dataclass(frozen=True)
class Bounds:
    lower: np.ndarray
    upper: np.ndarray
    held: np.ndarray  # bool: not enough data, bid kept
    out_of_stock: np.ndarray  # bool: increases blocked
    landing_failed: np.ndarray  # bool: increases blocked


def bounds(
    current: np.ndarray,
    *,
    config: BiddingConfig,
    clicks: np.ndarray,
    cvr: np.ndarray,
    cvr_lo: np.ndarray,
    cvr_hi: np.ndarray,
    out_of_stock: np.ndarray | None = None,
    landing_failed: np.ndarray | None = None,
    step_cap: float | None = None,
    min_clicks: int | None = None,
) -> Bounds:
    """The per-keyword box. ``step_cap``/``min_clicks`` tighten (never loosen) the config."""
    n = len(current)
    cap = config.max_change if step_cap is None else min(step_cap, config.max_change)
    need = config.min_clicks if min_clicks is None else max(min_clicks, config.min_clicks)
    oos = np.zeros(n, bool) if out_of_stock is None else np.asarray(out_of_stock, bool)
    failed = np.zeros(n, bool) if landing_failed is None else np.asarray(landing_failed, bool)
    if not config.block_increase_out_of_stock:
        oos = np.zeros(n, bool)
    if not config.block_increase_failed_landing:
        failed = np.zeros(n, bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        width = (cvr_hi - cvr_lo) / cvr
    held = (np.nan_to_num(clicks) < need) | ~(
        np.nan_to_num(width, nan=np.inf) <= config.max_cvr_interval_ratio
    )
    lower = current * (1 - cap)
    upper = current * (1 + cap)
    lower = np.where(held, current, lower)
    upper = np.where(held | oos | failed, current, upper)
    lower, upper = _on_grid(
        np.clip(lower, config.bid_floor, config.bid_ceiling),
        np.clip(upper, config.bid_floor, config.bid_ceiling),
        current,
        config,
    )
    return Bounds(lower=lower, upper=upper, held=held, out_of_stock=oos, landing_failed=failed)


def _on_grid(
    lower: np.ndarray, upper: np.ndarray, current: np.ndarray, config: BiddingConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The box shrunk to whole bid steps (cents), so a bid rounded inside it stays inside and
    the optimizer plans with bids that can be sent."""
    eps = 1e-9
    step = config.bid_step
    lo = np.ceil(lower / step - eps) * step
    hi = np.floor(upper / step + eps) * step
    pinned = np.clip(np.round(current / step) * step, config.bid_floor, config.bid_ceiling)
    narrow = lo > hi + eps  # narrower than one step (a held bid off the grid)
    return np.round(np.where(narrow, pinned, lo), 10), np.round(np.where(narrow, pinned, hi), 10)


def round_into_box(
    bids: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    step: float,
    current: np.ndarray,
    *,
    down: bool = False,
) -> np.ndarray:
    """Bids on the ``step`` grid, inside ``[lower, upper]`` (the current bid if no grid point is).

    ``down`` rounds down: under a binding budget, rounding to the nearest cent could overspend.
    """
    eps = 1e-9
    lo = np.ceil(lower / step - eps) * step
    hi = np.floor(upper / step + eps) * step
    grid = np.floor(bids / step + eps) if down else np.round(bids / step)
    rounded = np.clip(grid * step, lo, hi)
    return np.round(np.where(lo <= hi + eps, rounded, current), 10)


def violations(
    current: np.ndarray,
    new: np.ndarray,
    box: Bounds,
    *,
    tolerance: float = 0.005,
) -> np.ndarray:
    """Per keyword, why ``new`` breaks the guardrails ("" when it does not).

    ``tolerance`` absorbs rounding to the cent.
    """
    reasons = np.full(len(new), "", dtype=object)
    too_high = new > box.upper + tolerance
    too_low = new < box.lower - tolerance
    reasons[too_low] = "below the floor or the step cap"
    reasons[too_high] = "above the ceiling or the step cap"
    raised = new > current + tolerance
    reasons[raised & box.held] = "raises a bid without enough data"
    reasons[(new != current) & (np.abs(new - current) > tolerance) & box.held] = (
        "moves a bid without enough data"
    )
    reasons[raised & box.out_of_stock] = "raises a bid on an out-of-stock product"
    reasons[raised & box.landing_failed] = "raises a bid on a failing landing page"
    return reasons
