"""The exact bid optimizer: one multiplier, found by bisection, equalizes marginal return.

Response model of keyword ``i`` to its max CPC bid ``b`` (per day; the same model as the
demo truth in ``sem/tables.py``)::

    clicks_i(b) = min(ceiling_i, scale_i * b ** elasticity_i)
    cpc_i(b)    = cpc_ratio_i * b          # the CPC model
    cost_i(b)   = clicks_i(b) * cpc_i(b)
    value_i(b)  = clicks_i(b) * value_per_click_i   (value per click = cvr * value per conversion)

Why ``cpc = k * b``: in Google's generalized second-price auction a click costs what is needed
to keep the ad's rank, which is below the max CPC and moves with it; over the range one cycle
can move a bid, the ratio avg CPC / max CPC of a keyword is stable, so ``k`` is estimated per
keyword from history (``cost / clicks / bid``).

Every objective and constraint (profit ``margin * value - cost`` or conversion value, a daily
budget on cost, a target ROAS ``value / cost >= R``) has a Lagrangian of the form
``sum_i w * value_i - cost_i`` for one scalar ``w >= 0``: for profit ``w = (m + nu) / (1 + mu +
nu R)``, for value ``w = (1 + nu) / (mu + nu R)``. For a given ``w`` each keyword's best bid is
closed-form (the function is unimodal in ``b``)::

    b_i(w) = clip(min(w * v_i * e_i / (k_i * (1 + e_i)), saturation_i), lower_i, upper_i)

where the marginal ROAS ``d value / d cost`` of every keyword not at a bound equals ``1 / w``
(the KKT condition). Spend and value grow with ``w``; ``value - R * cost`` is unimodal in ``w``
with its peak at ``w = 1 / R``; profit is unimodal with its peak at ``w = margin``. So the
constrained optimum is the unconstrained target (``margin``, or unbounded for value) projected
onto the feasible interval of ``w``, each end found by bisection on ``log w``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Objective = Literal["profit", "value"]
W_MIN, W_MAX = 1e-9, 1e9


@dataclass(frozen=True)
class ResponseCurves:
    """Per-keyword response models (arrays of equal length, daily units)."""

    scale: np.ndarray
    elasticity: np.ndarray
    ceiling: np.ndarray  # clicks per day at saturation (inf when none)
    cpc_ratio: np.ndarray
    value_per_click: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.scale)
        for name in ("elasticity", "ceiling", "cpc_ratio", "value_per_click"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"ResponseCurves.{name} has a different length")

    def __len__(self) -> int:
        return len(self.scale)

    def clicks(self, bids: np.ndarray) -> np.ndarray:
        return np.minimum(self.ceiling, self.scale * np.power(bids, self.elasticity))

    def cost(self, bids: np.ndarray) -> np.ndarray:
        return self.clicks(bids) * self.cpc_ratio * bids

    def value(self, bids: np.ndarray) -> np.ndarray:
        return self.clicks(bids) * self.value_per_click

    def saturation_bid(self) -> np.ndarray:
        """The bid at which clicks reach the ceiling (bidding above it only raises CPC)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            sat = np.power(self.ceiling / self.scale, 1.0 / self.elasticity)
        return np.where(np.isfinite(sat) & (self.elasticity > 0), sat, np.inf)

    def marginal_roas(self, bids: np.ndarray) -> np.ndarray:
        """d value / d cost at ``bids`` below saturation: ``v e / (k (1 + e) b)``."""
        e = self.elasticity
        return self.value_per_click * e / (self.cpc_ratio * (1 + e) * bids)

    def take(self, index: np.ndarray) -> ResponseCurves:
        return ResponseCurves(
            self.scale[index],
            self.elasticity[index],
            self.ceiling[index],
            self.cpc_ratio[index],
            self.value_per_click[index],
        )


@dataclass(frozen=True)
class Solution:
    bids: np.ndarray
    multiplier: float  # w: every keyword not at a bound has marginal ROAS 1 / w
    binding: str  # none | budget | roas | budget+roas
    feasible: bool  # False: no bids within the bounds meet the constraints (closest returned)
    clicks: float
    cost: float
    value: float
    profit: float  # margin * value - cost


class Optimizer:
    """Best bids for one set of curves and bounds; cheap to call for many multipliers."""

    def __init__(
        self,
        curves: ResponseCurves,
        lower: np.ndarray,
        upper: np.ndarray,
        *,
        margin: float = 1.0,
        iterations: int = 80,
    ) -> None:
        self.curves = curves
        self.lower = np.asarray(lower, dtype=float)
        self.upper = np.maximum(np.asarray(upper, dtype=float), self.lower)
        self.margin = margin
        self.iterations = iterations
        e = np.maximum(curves.elasticity, 0.0)
        # b_i(w) = w * slope_i below saturation
        self._slope = curves.value_per_click * e / (curves.cpc_ratio * (1 + e))
        self._cap = np.minimum(curves.saturation_bid(), self.upper)

    def bids(self, w: float) -> np.ndarray:
        return np.clip(np.minimum(w * self._slope, self._cap), self.lower, self.upper)

    def totals(self, w: float) -> tuple[float, float, float]:
        """(clicks, cost, value) per day at multiplier ``w``."""
        b = self.bids(w)
        clicks = self.curves.clicks(b)
        return (
            float(clicks.sum()),
            float((clicks * self.curves.cpc_ratio * b).sum()),
            float((clicks * self.curves.value_per_click).sum()),
        )

    def _bisect(self, ok: Callable[[float], bool], lo: float, hi: float) -> float:
        """The boundary between ``ok`` at ``lo`` and not ``ok`` at ``hi`` (returns the ok side)."""
        a, b = np.log(lo), np.log(hi)
        for _ in range(self.iterations):
            mid = 0.5 * (a + b)
            if ok(float(np.exp(mid))):
                a = mid
            else:
                b = mid
        return float(np.exp(a))

    def solve(
        self,
        *,
        objective: Objective = "profit",
        budget: float | None = None,
        target_roas: float | None = None,
    ) -> Solution:
        target = self.margin if objective == "profit" else W_MAX
        feasible = True
        hi_budget, lo_roas, hi_roas = W_MAX, W_MIN, W_MAX
        if budget is not None:
            if self.totals(W_MIN)[1] > budget:
                feasible, hi_budget = False, W_MIN
            elif self.totals(W_MAX)[1] > budget:
                hi_budget = self._bisect(lambda w: self.totals(w)[1] <= budget, W_MIN, W_MAX)
        if target_roas is not None:
            peak = 1.0 / target_roas

            def surplus(w: float) -> float:
                _, cost, value = self.totals(w)
                return value - target_roas * cost

            if surplus(peak) < 0:  # no multiplier reaches the target: get as close as possible
                feasible, lo_roas, hi_roas = False, peak, peak
            else:
                if surplus(W_MAX) < 0:
                    hi_roas = self._bisect(lambda w: surplus(w) >= 0, peak, W_MAX)
                if surplus(W_MIN) < 0:
                    lo_roas = self._bisect(lambda w: surplus(w) >= 0, peak, W_MIN)
        high = min(hi_budget, hi_roas)
        if lo_roas > high:  # both cannot hold: the budget is money, it wins
            feasible = False
        w = min(max(target, lo_roas), high)
        binding = []
        if budget is not None and w == hi_budget and w < target:
            binding.append("budget")
        if target_roas is not None and w != target and w in (lo_roas, hi_roas):
            binding.append("roas")
        return self.solution(w, binding="+".join(binding) or "none", feasible=feasible)

    def solution(self, w: float, *, binding: str = "none", feasible: bool = True) -> Solution:
        b = self.bids(w)
        clicks = self.curves.clicks(b)
        cost = float((clicks * self.curves.cpc_ratio * b).sum())
        value = float((clicks * self.curves.value_per_click).sum())
        return Solution(
            bids=b,
            multiplier=w,
            binding=binding,
            feasible=feasible,
            clicks=float(clicks.sum()),
            cost=cost,
            value=value,
            profit=self.margin * value - cost,
        )

    def frontier(self, around: float, points: int = 25, span: float = 16.0) -> pd.DataFrame:
        """Spend vs value for multipliers from ``around / span`` to ``around * span``."""
        rows = []
        for w in np.geomspace(around / span, around * span, points):
            s = self.solution(float(w))
            rows.append(
                {
                    "multiplier": float(w),
                    "clicks": s.clicks,
                    "cost": s.cost,
                    "value": s.value,
                    "profit": s.profit,
                    "roas": s.value / s.cost if s.cost > 0 else np.nan,
                    "marginal_roas": 1.0 / w,
                }
            )
        return pd.DataFrame(rows)


def optimize(
    curves: ResponseCurves,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    objective: Objective = "profit",
    margin: float = 1.0,
    budget: float | None = None,
    target_roas: float | None = None,
    iterations: int = 80,
) -> Solution:
    """The optimal bids within ``[lower, upper]`` (see the module docstring)."""
    return Optimizer(curves, lower, upper, margin=margin, iterations=iterations).solve(
        objective=objective, budget=budget, target_roas=target_roas
    )
