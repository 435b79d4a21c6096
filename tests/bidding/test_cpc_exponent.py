"""Cost per click that moves less than the bid (``cpc ~ bid ** gamma``): the exact optimizer's
closed form, its constraints and the expected changes under it."""

from __future__ import annotations

import numpy as np
import pytest

from bidding.optimizer import Optimizer, ResponseCurves


def curves(n: int, seed: int, gamma: float | np.ndarray) -> ResponseCurves:
    rng = np.random.default_rng(seed)
    return ResponseCurves(
        scale=rng.lognormal(1.0, 0.8, n),
        elasticity=rng.uniform(0.3, 1.5, n),
        ceiling=np.where(rng.random(n) < 0.3, rng.lognormal(2.0, 0.5, n), np.inf),
        cpc_ratio=rng.uniform(0.5, 0.95, n),
        value_per_click=rng.lognormal(1.0, 0.8, n),
        cpc_exponent=np.broadcast_to(np.asarray(gamma, float), (n,)).copy(),
        reference_bid=rng.uniform(0.3, 3.0, n),
    )


def test_the_exponent_one_is_the_proportional_model():
    c = curves(50, 0, 1.0)
    bids = np.linspace(0.1, 5, 50)
    assert np.allclose(c.cpc(bids), c.cpc_ratio * bids)
    plain = ResponseCurves(c.scale, c.elasticity, c.ceiling, c.cpc_ratio, c.value_per_click)
    assert np.allclose(plain.cost(bids), c.cost(bids))


@pytest.mark.parametrize("seed", range(4))
def test_each_free_bid_maximizes_its_lagrangian(seed):
    """At multiplier w every keyword's bid maximizes w * value - cost on a fine grid of its
    box (the closed form under a CPC exponent below 1)."""
    c = curves(30, seed, np.random.default_rng(seed).uniform(0.2, 1.0, 30))
    lower, upper = np.full(30, 0.05), np.full(30, 20.0)
    opt = Optimizer(c, lower, upper)
    for w in (0.3, 1.0, 3.0):
        b = opt.bids(w)
        grid = np.geomspace(0.05, 20.0, 4001)[:, None]
        wide = ResponseCurves(*(np.broadcast_to(getattr(c, f), (4001, 30)) for f in (
            "scale", "elasticity", "ceiling", "cpc_ratio", "value_per_click", "cpc_exponent",
            "reference_bid")))  # fmt: skip
        score = w * wide.value(grid) - wide.cost(grid)
        best = score.max(axis=0)
        got = w * c.value(b) - c.cost(b)
        assert np.all(got >= best - 1e-6 * np.maximum(1, np.abs(best)))


def test_a_budget_binds_on_the_cost_the_exponent_gives():
    c = curves(200, 7, 0.4)
    lower, upper = np.full(200, 0.05), np.full(200, 20.0)
    opt = Optimizer(c, lower, upper, margin=0.3)
    free = opt.solve(objective="profit")
    budget = 0.6 * free.cost
    sol = opt.solve(objective="profit", budget=budget)
    assert sol.binding == "budget"
    assert sol.cost == pytest.approx(budget, rel=1e-6)
    assert float(c.cost(sol.bids).sum()) == pytest.approx(sol.cost)


def test_a_raise_costs_less_than_proportional_cpc_says():
    """+20% bid on a keyword with gamma 0.4: CPC +7.6%, not +20%."""
    c = curves(1, 3, 0.4)
    r = c.reference_bid[0]
    assert c.cpc(np.array([1.2 * r]))[0] / c.cpc(np.array([r]))[0] == pytest.approx(1.2**0.4)
