"""A large account's recommendation is computed a block of keywords at a time (issue 21 item 3:
a million keywords within 4 GB): the posterior's grid moments go to temporary files past
``decide.MEMORY_KEYWORDS`` keywords and are read back in blocks of ``decide.READ_BLOCK``.
The result must be the in-memory one, bit for bit, also when a budget or a target ROAS makes
the strategy search its multiplier over every keyword's grid again and again."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bidding import decide
from bidding.recommend import recommend
from bidding.strategy import Constraints, Context, get_strategy
from tests.bidding.conftest import synthetic_models


def _recommend(models, config, **constraints):
    context = Context(
        config=config,
        constraints=Constraints(margin=0.3, **constraints),
        account_log_sd=0.1,
    )
    return recommend(
        model=models, strategy=get_strategy("posterior", config.policy), context=context, seed=0
    )


@pytest.mark.parametrize(
    "constraints",
    [{}, {"budget": 0.7}, {"objective": "value", "target_roas": 4.0}],
    ids=["free", "budget", "target-roas"],
)
def test_moments_read_back_in_blocks_give_the_in_memory_recommendation(
    default_config, monkeypatch, constraints
):
    models = synthetic_models(1300, seed=5)  # two draw blocks of 1,000 keywords, one partial
    if "budget" in constraints:  # 30% of the spend at today's bids: binds
        constraints = {"budget": 0.3 * float(models.curves().cost(models.current_bid).sum())}
    whole = _recommend(models, default_config, **constraints)
    monkeypatch.setattr(decide, "MEMORY_KEYWORDS", 0)
    monkeypatch.setattr(decide, "READ_BLOCK", 170)  # blocks that straddle the draw blocks
    blocks = _recommend(models, default_config, **constraints)
    pd.testing.assert_frame_equal(blocks.table, whole.table, check_exact=True)
    pd.testing.assert_frame_equal(blocks.frontier, whole.frontier, check_exact=True)
    assert blocks.summary == whole.summary
    if "budget" in constraints:
        assert whole.summary["binding"] == "budget"
    moved = (whole.table["new_bid"] - whole.table["current_bid"]).abs() > 0.005
    assert moved.sum() > 100  # the blocks decide real moves, not only holds


def test_moments_on_disk_read_any_rows_back(default_config, monkeypatch):
    models = synthetic_models(300, seed=2)
    b0 = models.current_bid
    kwargs = {"value_scale": np.ones(300), "margin": 0.3, "step": 0.01, "draws": 40,
              "level": 0.9, "horizon_days": 7, "seed": 3}  # fmt: skip
    ram = decide.moments(models, b0 * 0.8, b0 * 1.2, **kwargs)
    monkeypatch.setattr(decide, "MEMORY_KEYWORDS", 0)
    monkeypatch.setattr(decide, "READ_BLOCK", 64)
    disk = decide.moments(models, b0 * 0.8, b0 * 1.2, **kwargs)
    cols = np.random.default_rng(0).integers(0, decide.GRID_POINTS, 300)
    for name in ("bids", "dv", "dc", "var_v", "var_c", "cov", "value", "cost", "cost_var"):
        np.testing.assert_array_equal(getattr(disk, name), getattr(ram, name))
        np.testing.assert_array_equal(
            disk.pick(name, cols), getattr(ram, name)[np.arange(300), cols]
        )
    for w in (0.05, 0.3, 3.0):
        for a, b in zip(disk.choose(w, 0.84), ram.choose(w, 0.84), strict=True):
            np.testing.assert_array_equal(a, b)
