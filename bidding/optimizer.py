"""The exact bid optimizer: one multiplier, found by bisection, equalizes marginal return.

Response model of keyword ``i`` to its max CPC bid ``b`` (per day; the same model as the
demo truth in ``sem/tables.py``)::

    clicks_i(b) = min(ceiling_i, scale_i * b ** elasticity_i)
    cpc_i(b)    = cpc_ratio_i * r_i * (b / r_i) ** gamma_i     # the CPC model
    cost_i(b)   = clicks_i(b) * cpc_i(b)
    value_i(b)  = clicks_i(b) * value_per_click_i   (value per click = cvr * value per conversion)

Why ``cpc ~ b ** gamma``: in Google's generalized second-price auction a click costs what is
needed to keep the ad's rank, which is below the max CPC and moves less than it: ``gamma`` (the
CPC exponent) is estimated per keyword from cost / clicks at its bid levels (``sem.roi.cost``);
``cpc_ratio`` is avg CPC / max CPC at the reference bid ``r`` (today's). ``gamma = 1`` is a
CPC proportional to the bid (the default when curves come without one).

Every objective and constraint (profit ``margin * value - cost`` or conversion value, a daily
budget on cost, a target ROAS ``value / cost >= R``) has a Lagrangian of the form
``sum_i w * value_i - cost_i`` for one scalar ``w >= 0``: for profit ``w = (m + nu) / (1 + mu +
nu R)``, for value ``w = (1 + nu) / (mu + nu R)``. For a given ``w`` each keyword's best bid is
closed-form (the function is unimodal in ``b``): the marginal ROAS is
``v_i e_i / ((e_i + gamma_i) cpc_i(b))``, so::

    b_i(w) = clip(min(r_i * (w * v_i * e_i / ((e_i + gamma_i) k_i r_i)) ** (1 / gamma_i),
                      saturation_i), lower_i, upper_i)

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
    cpc_ratio: np.ndarray  # avg CPC / max CPC at the reference bid
    value_per_click: np.ndarray
    cpc_exponent: np.ndarray | None = None  # gamma (None: 1, CPC proportional to the bid)
    reference_bid: np.ndarray | None = None  # where cpc_ratio holds (None: 1; moot at gamma 1)

    def __post_init__(self) -> None:
        n = len(self.scale)
        if self.cpc_exponent is None:
            object.__setattr__(self, "cpc_exponent", np.ones(n))
        if self.reference_bid is None:
            object.__setattr__(self, "reference_bid", np.ones(n))
        for name in ("elasticity", "ceiling", "cpc_ratio", "value_per_click", "cpc_exponent",
                     "reference_bid"):  # fmt: skip
            if len(getattr(self, name)) != n:
                raise ValueError(f"ResponseCurves.{name} has a different length")

    @property
    def gamma(self) -> np.ndarray:
        assert self.cpc_exponent is not None
        return self.cpc_exponent

    @property
    def reference(self) -> np.ndarray:
        assert self.reference_bid is not None
        return self.reference_bid

    def cpc(self, bids: np.ndarray) -> np.ndarray:
        """Cost per click at ``bids`` (``cpc_ratio * bids`` when the exponent is 1)."""
        r = self.reference
        with np.errstate(divide="ignore", invalid="ignore"):
            moved = np.where(self.gamma == 1.0, bids, r * np.power(bids / r, self.gamma))
        return self.cpc_ratio * moved

    def __len__(self) -> int:
        return len(self.scale)

    def clicks(self, bids: np.ndarray) -> np.ndarray:
        return np.minimum(self.ceiling, self.scale * np.power(bids, self.elasticity))

    def cost(self, bids: np.ndarray) -> np.ndarray:
        return self.clicks(bids) * self.cpc(bids)

    def value(self, bids: np.ndarray) -> np.ndarray:
        return self.clicks(bids) * self.value_per_click

    def saturation_bid(self) -> np.ndarray:
        """The bid at which clicks reach the ceiling (bidding above it only raises CPC)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            sat = np.power(self.ceiling / self.scale, 1.0 / self.elasticity)
        return np.where(np.isfinite(sat) & (self.elasticity > 0), sat, np.inf)

    def marginal_roas(self, bids: np.ndarray) -> np.ndarray:
        """d value / d cost at ``bids`` below saturation: ``v e / ((e + gamma) cpc(b))``."""
        e = self.elasticity
        return self.value_per_click * e / ((e + self.gamma) * self.cpc(bids))

    def take(self, index: np.ndarray) -> ResponseCurves:
        return ResponseCurves(
            self.scale[index],
            self.elasticity[index],
            self.ceiling[index],
            self.cpc_ratio[index],
            self.value_per_click[index],
            self.gamma[index],
            self.reference[index],
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
        # Below saturation b_i(w) = r_i * (w * slope_i) ** (1 / gamma_i): w * slope_i is the
        # CPC share of the reference bid where marginal ROAS is 1 / w.
        self._gamma = np.clip(curves.gamma, 0.05, None)
        self._ref = curves.reference
        self._slope = (
            curves.value_per_click * e / ((e + self._gamma) * curves.cpc_ratio * self._ref)
        )
        self._proportional = bool(np.all(curves.gamma == 1.0))
        self._cap = np.minimum(curves.saturation_bid(), self.upper)

    def bids(self, w: float) -> np.ndarray:
        if self._proportional:
            free = w * self._slope * self._ref
        else:
            with np.errstate(divide="ignore", over="ignore"):
                log_share = np.log(np.maximum(w * self._slope, 1e-300)) / self._gamma
                free = np.where(
                    self._slope > 0, self._ref * np.exp(np.minimum(log_share, 700.0)), 0.0
                )
        return np.clip(np.minimum(free, self._cap), self.lower, self.upper)

    def totals(self, w: float) -> tuple[float, float, float]:
        """(clicks, cost, value) per day at multiplier ``w``."""
        b = self.bids(w)
        clicks = self.curves.clicks(b)
        return (
            float(clicks.sum()),
            float((clicks * self.curves.cpc(b)).sum()),
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
        cost = float((clicks * self.curves.cpc(b)).sum())
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
