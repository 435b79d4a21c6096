"""Click and CPC curves that may be flat or stepped (sem/roi/monotone.py, issue 18 item 2).

Account built here (dates and seeds pinned), three kinds of keywords, 120 of each:

* ``flat``: the bid was 1.25x today's for the first six weeks, then cut to today's; clicks and
  CPC did not move (the ad kept its position: a staircase's flat part);
* ``step``: the bid was 0.8x today's, then raised to today's; the click-through rate doubled
  (the ad passed a competitor; impressions did not change) and CPC rose: the history says
  nothing about higher bids;
* ``one``: one bid level all along.
"""

from __future__ import annotations

import functools
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import isotonic_regression

from bidding.decide import moments
from bidding.models import KeywordModels, from_roi
from bidding.recommend import recommend
from bidding.strategy import Constraints, Context, get_strategy
from searchops.settings import load_settings
from sem import roi
from sem.roi.draws import KeywordDraws
from sem.roi.monotone import isotonic_max_min, local_slopes, rate_levels
from tests.bidding.conftest import synthetic_models

N = 120  # keywords of each kind


@functools.cache
def _fit() -> pd.DataFrame:
    rng = np.random.default_rng(18)
    days = 84
    dates = pd.date_range(date(2026, 6, 1), periods=days)
    k = 3 * N
    base = np.round(np.exp(rng.normal(0, 0.4, k)), 2)
    first = np.ones(k)
    first[:N], first[N : 2 * N] = 1.25, 0.8
    half = np.arange(days) < 42
    bids = np.round(base[:, None] * np.where(half[None, :], first[:, None], 1.0), 2)
    rate = np.exp(rng.normal(np.log(8), 0.5, k))[:, None] * np.ones((1, days))
    searches = rng.poisson(rate * 20)  # impressions: the bid does not change them here
    ctr = np.full((k, days), 0.05)
    ctr[N : 2 * N, :42] /= 2  # the step: half the clicks below today's bid (a lower position)
    clicks = rng.binomial(searches, ctr)
    cpc = 0.6 * base[:, None] * np.ones((1, days))
    cpc[N : 2 * N, :42] *= 0.7  # second price: a lower competitor set the price below
    cost = clicks * cpc
    r, c = np.nonzero(searches > 0)
    keywords = pd.DataFrame(
        {"criterion_id": np.arange(k) + 1, "customer_id": "1", "campaign_id": 1,
         "campaign": "Shop", "ad_group_id": 10 + np.arange(k) % 20, "ad_group": "g",
         "keyword": [f"k{i}" for i in range(k)], "match_type": "EXACT", "status": "ENABLED",
         "category": "tents", "item_id": None, "final_url": None,
         "cpc_bid": bids[:, -1]})  # fmt: skip
    daily = pd.DataFrame(
        {"date": dates[c], "criterion_id": r + 1, "cpc_bid": bids[r, c], "clicks": clicks[r, c],
         "impressions": searches[r, c], "cost": cost[r, c], "conversions": 0.0,
         "conversions_value": 0.0})  # fmt: skip
    return roi.fit_models({"sem_keywords": keywords, "sem_keyword_daily": daily})


def test_isotonic_max_min_is_the_pool_adjacent_violators_solution():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(40, 6, 5))
    weights = rng.uniform(0.1, 3.0, (40, 6, 1))
    fitted = isotonic_max_min(values, weights)
    for i in range(40):
        for d in range(5):
            expected = isotonic_regression(values[i, :, d], weights=weights[i, :, 0]).x
            np.testing.assert_allclose(fitted[i, :, d], expected, atol=1e-12)


def test_a_flat_curve_gains_nothing_above_the_levels_that_show_it_flat():
    fit = _fit()
    flat = fit.iloc[:N]
    assert flat["curve_own_up"].all() and not flat["curve_own_down"].any()
    # isotonic draws of two equal rates: a half-normal slope of a few tenths at most (~500
    # clicks a level)
    assert flat["elasticity_up"].median() < 0.3
    assert flat["cpc_exponent_up"].median() < 0.3


def test_a_step_below_today_is_not_extrapolated_above_it():
    fit = _fit()
    step = fit.iloc[N : 2 * N]
    assert step["curve_own_down"].all() and not step["curve_own_up"].any()
    # log 2 / log 1.25 = 3.1: the doubling happened within the cap's reach below today's bid
    assert abs(step["elasticity_down"].median() - np.log(2) / np.log(1.25)) < 0.4
    # above: nothing observed, the similar keywords' slope with its spread widened
    assert step["elasticity_up"].median() < 1.5
    # the power curve carries the step above today's bid
    assert step["elasticity"].median() > step["elasticity_up"].median() + 0.5
    assert (step["elasticity_up_se"] > step["elasticity_down_se"]).all()


def test_one_bid_level_takes_the_prior_on_both_sides_and_says_so():
    fit = _fit()
    one = fit.iloc[2 * N :]
    assert not one["curve_own_up"].any() and not one["curve_own_down"].any()
    np.testing.assert_allclose(one["elasticity_up"], one["elasticity_down"], rtol=0.3)


def test_slopes_cover_only_the_part_of_the_box_the_levels_reach():
    # levels at 0.7 and 0.8 of today's bid: nothing is known about [0.8, 1.0]
    rng = KeywordDraws([1], 0, "test")
    k_of, bid = np.array([0, 0]), np.array([0.7, 0.8])
    mean, var = rate_levels(k_of, np.array([300.0, 300.0]), np.array([30.0, 30.0]), 1)
    prior = (np.array([0.8]), np.array([0.3]))
    s = local_slopes(k_of, bid, mean, var, np.array([1.0]), 0.2, prior, rng, 2.0)
    assert not s.own_down[0] and not s.own_up[0]
    # the prior's slope, its sd doubled: N(0.8, 0.6) clipped at 0 has mean ~0.84, sd ~0.55
    assert 0.6 < s.down[0] < 1.1 and 0.4 < s.down_sd[0] < 0.7


def test_bids_see_each_side_of_the_curve_and_never_pay_above_the_bid():
    frame = from_roi(_fit().iloc[:3]).frame.copy()
    # 0: flat above, steep below; 1: a power curve both sides; 2: CPC flat at 0.95 of the bid
    frame["elasticity_up"] = [0.0, 1.5, 1.0]
    frame["elasticity_down"] = [3.0, 1.5, 1.0]
    frame["cpc_exponent_up"] = frame["cpc_exponent_down"] = [0.0, 0.5, 0.0]
    frame["cpc_ratio"] = [0.6, 0.6, 0.95]
    frame[[c for c in frame if c.endswith("_se")]] = 0.0
    model = KeywordModels(frame)
    b0 = model.current_bid
    m = moments(model, b0 * 0.8, b0 * 1.2, value_scale=np.ones(3), margin=0.3, step=0.01,
                draws=50, level=0.9, horizon_days=7, seed=1)  # fmt: skip
    now = m.current
    vpc = m.value[:, now] / m.cost[:, now]  # value per unit of cost at today's bid
    clicks = m.value / (vpc[:, None] * m.cost[:, now : now + 1])  # relative clicks
    # flat above: +20% buys no click and costs nothing more (CPC flat too)
    assert clicks[0, -1] == pytest.approx(clicks[0, now], rel=1e-9)
    assert m.cost[0, -1] == pytest.approx(m.cost[0, now], rel=1e-9)
    # steep below: -20% loses 1 - 0.8 ** 3 of the clicks
    assert clicks[0, 0] / clicks[0, now] == pytest.approx(0.8**3, rel=0.02)
    assert clicks[1, -1] / clicks[1, now] == pytest.approx(1.2**1.5, rel=0.02)
    # a flat CPC at 0.95 of today's bid is capped by a bid cut to 0.8 of it
    cpc_low = m.cost[2, 0] / (m.cost[2, now] / 0.95 / b0[2]) / (clicks[2, 0] / clicks[2, now])
    assert cpc_low == pytest.approx(m.bids[2, 0], rel=0.02)


@pytest.mark.parametrize("side", ["down", "up"])
def test_a_frame_without_the_curve_falls_back_to_the_power_curve(side):
    fit = _fit()
    frame = fit.iloc[:5].drop(columns=[c for c in fit if c.endswith(("_down", "_up")) or
                                       c.endswith(("_down_se", "_up_se"))])  # fmt: skip
    model = from_roi(frame)
    np.testing.assert_allclose(model.col(f"elasticity_{side}"), model.col("elasticity"))
    np.testing.assert_allclose(model.col(f"cpc_exponent_{side}"), model.col("cpc_exponent"))


def test_a_move_past_the_history_says_its_slope_is_borrowed():
    default_config = load_settings().settings.bidding
    frame = synthetic_models(n=2).frame
    # two very profitable keywords with plenty of data: both are raised; only the second's
    # history has a bid above today's
    frame["clicks"], frame["cvr"], frame["click_ceiling"] = 5000, 0.08, np.inf
    frame["cvr_lo"], frame["cvr_hi"] = 0.075, 0.085
    frame["cpc_bid"], frame["value_per_conversion"] = 1.0, 100.0
    frame["value_lo"] = frame["value_hi"] = frame["value_per_conversion"]
    frame["a_se"], frame["elasticity_se"] = 0.01, 0.02
    frame["curve_own_up"], frame["curve_own_down"] = [False, True], True
    context = Context(config=default_config, constraints=Constraints(margin=1.0))
    strategy = get_strategy("posterior", default_config.policy)
    table = recommend(model=KeywordModels(frame), strategy=strategy, context=context, seed=0).table
    assert (table["new_bid"] > table["current_bid"]).all()
    borrowed = "clicks above today's bid from similar keywords (no higher bid in its history)"
    assert borrowed in table["reason"].iloc[0]
    assert borrowed not in table["reason"].iloc[1]


def test_the_power_curve_setting_bids_on_one_slope_both_sides():
    model = from_roi(_fit().iloc[N : 2 * N], curve="power")
    for name in ("elasticity", "cpc_exponent"):
        for side in ("down", "up"):
            np.testing.assert_allclose(model.col(f"{name}_{side}"), model.col(name))
    assert load_settings().settings.bidding.response_curve in ("monotone", "power")
