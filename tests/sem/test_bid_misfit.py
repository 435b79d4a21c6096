"""A click curve's misfit at bid moves (sem/roi/clicks.py ``bid_move_misfit``).

Small daily histories built here (seeds and dates pinned): every keyword's bid moves by
10-30% up or down every two to three weeks; its clicks either follow ``bid ** 0.8`` (the power
curve the model fits) or a staircase of ad positions (a move that crosses the keyword's own
step halves or doubles its clicks, a move that does not changes nothing). The misfit must be
found on the staircase and not on the power curve. False-alarm rates over seeds:
``benchmarks/recency.py --misfit``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from sem.roi.clicks import bid_move_misfit

FIRST_DAY = date(2025, 3, 3)
DAYS = 120
KEYWORDS = 300
ELASTICITY = 0.8


def history(seed: int, stepped: bool) -> tuple[pd.DataFrame, pd.Index]:
    rng = np.random.default_rng(seed)
    bids = np.empty((KEYWORDS, DAYS))
    bid = np.round(np.exp(rng.normal(0, 0.3, KEYWORDS)), 2)
    next_move = rng.integers(10, 20, KEYWORDS)
    for t in range(DAYS):
        move = next_move == t
        factor = 1 + rng.choice([-1, 1], KEYWORDS) * rng.uniform(0.1, 0.3, KEYWORDS)
        bid = np.where(move, np.round(bid * factor, 2), bid)
        next_move = np.where(move, t + rng.integers(14, 22, KEYWORDS), next_move)
        bids[:, t] = bid
    level = np.exp(rng.normal(np.log(8.0), 0.5, KEYWORDS))
    if stepped:  # position 1 above the keyword's step, position 2 (half the clicks) below
        step = bids[:, :1] * np.exp(rng.normal(0, 0.2, (KEYWORDS, 1)))
        rate = level[:, None] * np.where(bids >= step, 1.0, 0.5)
    else:
        rate = level[:, None] * (bids / bids[:, :1]) ** ELASTICITY
    clicks = rng.poisson(rate)
    k, d = np.nonzero(np.ones_like(clicks, bool))
    daily = pd.DataFrame(
        {
            "criterion_id": k + 1,
            "date": pd.Timestamp(FIRST_DAY) + pd.to_timedelta(d, unit="D"),
            "cpc_bid": bids[k, d],
            "clicks": clicks[k, d].astype(float),
        }
    )
    return daily, pd.Index(np.arange(KEYWORDS) + 1)


@pytest.mark.parametrize("seed", [3, 11])
def test_a_staircase_shows_misfit_a_power_curve_does_not(seed: int) -> None:
    b = np.full(KEYWORDS, ELASTICITY)
    phi = np.ones(KEYWORDS)
    daily, index = history(seed, stepped=True)
    kappa, report = bid_move_misfit(daily, index, b, phi)
    # Crossing a step is a log ratio of 0.69 where the curve says about 0.16, not crossing
    # one 0 where it says 0.16: over many times the squared log step (~0.04) of a move
    # (1.6-2.0 over seeds 0-5, its standard error about 0.15).
    assert report["moves"] > 100 and report["controls"] > 100
    assert kappa > 1.0, report
    daily, index = history(seed, stepped=False)
    kappa, report = bid_move_misfit(daily, index, b, phi)
    assert report["moves"] > 100
    assert kappa < 0.5, report


def test_no_moves_no_misfit() -> None:
    daily, index = history(5, stepped=True)
    first = daily.groupby("criterion_id")["cpc_bid"].transform("first")
    ones = np.ones(KEYWORDS)
    kappa, report = bid_move_misfit(daily.assign(cpc_bid=first), index, ones, ones)
    assert kappa == 0.0 and report["moves"] == 0
