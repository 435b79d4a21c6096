"""Every bidding strategy honours the BidStrategy contract."""

from __future__ import annotations

import numpy as np
import pytest

from bidding.strategy import BidStrategy, Constraints, Context, get_strategy

STRATEGIES = ["exact", "posterior", "target-roas-rule", "current"]


@pytest.mark.parametrize("name", STRATEGIES)
@pytest.mark.parametrize("budget_share", [None, 0.9])
def test_conformance(name, budget_share, models, config):
    strategy = get_strategy(name, config.policy)
    assert isinstance(strategy, BidStrategy) and strategy.name == name
    n = len(models)
    blocked = np.arange(n) % 5 == 0
    base = Context(config=config, constraints=Constraints(margin=0.3))
    today = float(models.curves().cost(models.current_bid).sum())
    constraints = Constraints(
        margin=0.3, budget=None if budget_share is None else budget_share * today
    )
    context = Context(config=config, constraints=constraints, out_of_stock=blocked)
    first = strategy.propose(model=models, context=context, seed=3)
    again = strategy.propose(model=models, context=context, seed=3)
    bids, box = first.bids, first.box
    assert bids.shape == (n,) and np.isfinite(bids).all()
    np.testing.assert_array_equal(bids, again.bids)  # deterministic for a seed
    assert np.all(bids >= box.lower - 1e-9) and np.all(bids <= box.upper + 1e-9)
    cur = models.current_bid
    assert np.all(bids[blocked] <= cur[blocked] + 1e-9)
    inside = (cur >= config.bid_floor) & (cur <= config.bid_ceiling)
    np.testing.assert_allclose(bids[box.held & inside], cur[box.held & inside])
    if budget_share is not None and name != "current":
        assert models.curves().cost(bids).sum() <= constraints.budget * (1 + 1e-6)
    assert strategy.box(models, base).lower.shape == (n,)


def test_unknown_strategy_is_named():
    with pytest.raises(ValueError, match="known: exact"):
        get_strategy("nope")
