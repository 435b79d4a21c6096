"""Guardrails: the box every recommendation stays in, and the re-check before sending."""

from __future__ import annotations

import numpy as np

from bidding.guardrails import bounds, violations
from bidding.recommend import recommend
from bidding.strategy import Constraints, Context, get_strategy


def test_box_respects_step_cap_floor_ceiling_data_and_blocks(models, config):
    n = len(models)
    current = models.current_bid.copy()
    current[0], current[1] = 0.01, 80.0  # outside the hard limits
    oos = np.zeros(n, bool)
    oos[2] = True
    failed = np.zeros(n, bool)
    failed[3] = True
    box = bounds(
        current, config=config, clicks=models.col("clicks"), cvr=models.col("cvr"),
        cvr_lo=models.col("cvr_lo"), cvr_hi=models.col("cvr_hi"), out_of_stock=oos,
        landing_failed=failed,
    )  # fmt: skip
    assert np.all(box.lower >= config.bid_floor) and np.all(box.upper <= config.bid_ceiling)
    free = ~box.held & (current > config.bid_floor / 0.8) & (current < config.bid_ceiling / 1.2)
    np.testing.assert_allclose(box.lower[free], current[free] * (1 - config.max_change), atol=0.01)
    np.testing.assert_allclose(box.lower * 100, np.round(box.lower * 100), atol=1e-6)  # whole cents
    assert box.lower[0] == box.upper[0] == config.bid_floor  # brought up to the floor
    assert box.upper[1] == config.bid_ceiling  # and down to the ceiling
    assert box.upper[2] <= current[2] and box.upper[3] <= current[3]  # no increase
    held = models.col("clicks") < config.min_clicks
    assert box.held[held].all()
    inside = held & (current >= config.bid_floor) & (current <= config.bid_ceiling)
    np.testing.assert_allclose(box.lower[inside], current[inside])
    np.testing.assert_allclose(box.upper[inside], current[inside])


def test_recommendations_stay_inside_the_guardrails(models, config):
    n = len(models)
    oos = np.arange(n) % 7 == 0
    context = Context(
        config=config, constraints=Constraints(margin=0.3), out_of_stock=oos,
        landing_failed=np.arange(n) % 11 == 0,
    )  # fmt: skip
    rec = recommend(model=models, strategy=get_strategy("exact", config.policy), context=context)
    t = rec.table
    cur, new = t["current_bid"].to_numpy(), t["new_bid"].to_numpy()
    assert np.all(np.abs(new / cur - 1) <= config.max_change + 0.005 / cur + 1e-9)
    assert np.all(new >= config.bid_floor) and np.all(new <= config.bid_ceiling)
    assert np.all(new[oos] <= cur[oos] + 1e-9)
    held = t["reasons"].str.contains("HELD_INSUFFICIENT_DATA").to_numpy()
    assert held.any() and np.allclose(new[held], cur[held])
    assert (models.col("clicks")[held] < config.min_clicks).any()
    np.testing.assert_allclose(new * 100, np.round(new * 100), atol=1e-6)  # whole cents


def test_violations_name_each_broken_rule(models, config):
    current = np.array([1.0, 1.0, 1.0, 1.0, 1.0])
    box = bounds(
        current, config=config, clicks=np.array([100, 100, 100, 100, 0]),
        cvr=np.full(5, 0.05), cvr_lo=np.full(5, 0.04), cvr_hi=np.full(5, 0.06),
        out_of_stock=np.array([False, False, True, False, False]),
        landing_failed=np.array([False, False, False, True, False]),
    )  # fmt: skip
    why = violations(current, np.array([1.1, 1.5, 1.1, 1.1, 1.1]), box)
    assert why[0] == ""
    assert "step cap" in why[1]
    assert "out-of-stock" in why[2]
    assert "landing page" in why[3]
    assert "enough data" in why[4]
