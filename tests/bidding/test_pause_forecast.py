"""A paused keyword (new bid 0) is forecast with no clicks, no cost and no value, whatever its
click curve's slope: along a flat curve (a slope drawn at 0, as ``sem.roi.monotone`` gives a
keyword whose clicks do not move with the bid) ``0 ** 0 = 1`` used to keep its clicks and value
at zero cost, overstating what a pause gains."""

from __future__ import annotations

import numpy as np
import pytest

from bidding.models import KeywordModels
from bidding.recommend import expected_changes
from tests.bidding.conftest import synthetic_models


@pytest.mark.parametrize("slope_below", [0.0, 0.8], ids=["flat", "sloped"])
def test_a_pause_forecasts_no_clicks_cost_or_value(slope_below: float) -> None:
    frame = synthetic_models(60, seed=2).frame.copy()
    frame["elasticity_down"], frame["elasticity_down_se"] = slope_below, 0.0
    model = KeywordModels(frame)
    old = model.current_bid
    kw = {"margin": 1.0, "days": 7, "level": 0.9, "draws": 200, "seed": 5}
    paused, totals = expected_changes(model, old, np.zeros(len(model)), **kw)
    kept, _ = expected_changes(model, old, old, **kw)
    assert (paused[["exp_clicks", "exp_cost"]].to_numpy() == 0).all()
    assert (kept["exp_clicks"] > 0).all()
    # all of today's clicks, cost and value go: the change is minus the forecast at today's bid
    np.testing.assert_allclose(paused["d_clicks"], -kept["exp_clicks"], rtol=1e-9)
    np.testing.assert_allclose(paused["d_cost"], -kept["exp_cost"], rtol=1e-9)
    assert (paused["d_value"] < 0).all() and totals["d_value"] < 0
