"""The exact optimizer: KKT conditions, brute force, budget and ROAS constraints."""

from __future__ import annotations

import numpy as np
import pytest

from bidding.optimizer import Optimizer, ResponseCurves, optimize


def random_curves(n: int, seed: int) -> ResponseCurves:
    rng = np.random.default_rng(seed)
    return ResponseCurves(
        scale=rng.lognormal(1.0, 0.8, n),
        elasticity=rng.uniform(0.3, 1.5, n),
        ceiling=np.where(rng.random(n) < 0.3, rng.lognormal(2.0, 0.5, n), np.inf),
        cpc_ratio=rng.uniform(0.5, 0.95, n),
        value_per_click=rng.lognormal(1.0, 0.8, n),
    )


def brute_force(curves, lower, upper, *, margin, objective, budget, target_roas, grid=300):
    axes = [np.linspace(lo, hi, grid) for lo, hi in zip(lower, upper, strict=True)]
    mesh = np.meshgrid(*axes, indexing="ij")
    bids = np.stack([m.ravel() for m in mesh], axis=1)
    clicks = np.minimum(curves.ceiling, curves.scale * bids**curves.elasticity)
    cost = (clicks * curves.cpc_ratio * bids).sum(axis=1)
    value = (clicks * curves.value_per_click).sum(axis=1)
    score = margin * value - cost if objective == "profit" else value
    ok = np.ones(len(bids), bool)
    if budget is not None:
        ok &= cost <= budget
    if target_roas is not None:
        ok &= value >= target_roas * cost
    best = score[ok].max() if ok.any() else -np.inf
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    "objective,budget_share,target_roas",
    [
        ("profit", None, None),
        ("profit", 0.5, None),
        ("profit", None, 4.0),
        ("value", 0.6, None),
        ("value", None, 3.0),
        ("profit", 0.7, 3.0),
    ],
)
def test_matches_brute_force(seed, objective, budget_share, target_roas):
    curves = random_curves(2, seed)
    lower, upper = np.full(2, 0.05), np.full(2, 6.0)
    margin = 0.4
    free = optimize(curves, lower, upper, margin=margin)
    budget = None if budget_share is None else budget_share * max(free.cost, 1e-6)
    sol = optimize(
        curves,
        lower,
        upper,
        objective=objective,
        margin=margin,
        budget=budget,
        target_roas=target_roas,
    )
    best = brute_force(
        curves,
        lower,
        upper,
        margin=margin,
        objective=objective,
        budget=budget,
        target_roas=target_roas,
    )
    if not np.isfinite(best):  # nothing on the grid is feasible: the solver must say so
        assert not sol.feasible
        return
    assert sol.feasible
    score = sol.profit if objective == "profit" else sol.value
    # the grid is coarse: the exact optimum is at least as good, up to the grid's resolution
    assert score >= best - 1e-3 * abs(best) - 1e-6
    if budget is not None:
        assert sol.cost <= budget * (1 + 1e-9)
    if target_roas is not None:
        assert sol.value >= target_roas * sol.cost * (1 - 1e-9)


def test_kkt_conditions_on_many_keywords():
    n = 2000
    curves = random_curves(n, 42)
    rng = np.random.default_rng(1)
    current = rng.uniform(0.2, 3.0, n)
    lower, upper = np.maximum(0.05, current * 0.8), np.minimum(25.0, current * 1.2)
    opt = Optimizer(curves, lower, upper, margin=0.35)
    free = opt.solve()
    floor_cost = float(curves.cost(lower).sum())
    budget = floor_cost + 0.5 * (free.cost - floor_cost)
    sol = opt.solve(budget=budget)
    assert sol.binding == "budget" and sol.feasible
    # complementary slackness: the budget binds exactly (to bisection precision)
    assert sol.cost == pytest.approx(budget, rel=1e-6)
    b, w = sol.bids, sol.multiplier
    mroas = curves.marginal_roas(b)
    saturated = b >= curves.saturation_bid() * (1 - 1e-9)
    at_lower = np.isclose(b, lower)
    at_upper = np.isclose(b, upper)
    interior = ~(at_lower | at_upper | saturated)
    assert interior.sum() > 50
    # stationarity: every interior keyword has the same marginal ROAS, 1 / w
    np.testing.assert_allclose(mroas[interior], 1.0 / w, rtol=1e-6)
    # at a lower bound the keyword would like to go lower; at an upper bound, higher
    assert np.all(mroas[at_lower & ~saturated] <= 1.0 / w * (1 + 1e-6))
    assert np.all(mroas[at_upper & ~saturated] >= 1.0 / w * (1 - 1e-6))
    # the multiplier is below the margin: the budget's shadow price is positive
    assert w < 0.35
    # and no bid leaves its bounds
    assert np.all(b >= lower - 1e-12) and np.all(b <= upper + 1e-12)


def test_unconstrained_profit_multiplier_is_the_margin():
    curves = random_curves(500, 3)
    sol = optimize(curves, np.full(500, 0.01), np.full(500, 50.0), margin=0.3)
    assert sol.multiplier == pytest.approx(0.3)
    assert sol.binding == "none"
    # each unbounded keyword's marginal profit is zero: margin * dV/dC = 1
    interior = (sol.bids > 0.01) & (sol.bids < 50.0) & (sol.bids < curves.saturation_bid())
    np.testing.assert_allclose(0.3 * curves.marginal_roas(sol.bids)[interior], 1.0, rtol=1e-9)


def test_roas_target_met_and_infeasible_target_reported():
    curves = random_curves(300, 5)
    lower, upper = np.full(300, 0.05), np.full(300, 10.0)
    sol = optimize(curves, lower, upper, objective="value", target_roas=4.0)
    assert sol.feasible and sol.binding == "roas"
    assert sol.value / sol.cost == pytest.approx(4.0, rel=1e-6)
    impossible = optimize(curves, lower, upper, objective="value", target_roas=1e6)
    assert not impossible.feasible


def test_budget_below_the_floor_spend_is_infeasible():
    curves = random_curves(50, 8)
    lower, upper = np.full(50, 1.0), np.full(50, 2.0)
    floor_cost = float(curves.cost(lower).sum())
    sol = optimize(curves, lower, upper, budget=0.5 * floor_cost)
    assert not sol.feasible
    np.testing.assert_allclose(sol.bids, lower)


def test_frontier_spend_and_value_increase_with_the_multiplier():
    curves = random_curves(400, 9)
    opt = Optimizer(curves, np.full(400, 0.05), np.full(400, 10.0), margin=0.3)
    frontier = opt.frontier(0.3, points=15)
    assert frontier["cost"].is_monotonic_increasing
    assert frontier["value"].is_monotonic_increasing
    # the profit peak of the sweep is at the margin
    assert frontier.loc[frontier["profit"].idxmax(), "multiplier"] == pytest.approx(0.3, rel=0.5)
