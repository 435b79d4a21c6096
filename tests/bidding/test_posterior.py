"""The posterior strategy (issue 18 items 3-4): decisions over the draws instead of data holds,
cuts of keywords that spend without converting, hold counts per reason, and --budget as a
chance constraint."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from bidding.decide import posterior_draws
from bidding.export import write_outputs
from bidding.models import KeywordModels
from bidding.recommend import HOLD_REASONS, recommend
from bidding.strategy import Constraints, Context, get_strategy
from sem.roi.draws import KeywordDraws
from tests.bidding.conftest import synthetic_models


def _with_rows(models: KeywordModels, rows: dict[str, dict[str, float]]) -> KeywordModels:
    """``models`` with its first rows replaced (by position) by the given values."""
    frame = models.frame.copy()
    for i, (name, values) in enumerate(rows.items()):
        frame.loc[i, "keyword"] = name
        for col, value in values.items():
            frame.loc[i, col] = value
    return KeywordModels(frame)


def _truth_draws(models: KeywordModels, seed: int) -> KeywordDraws:
    """Truths drawn from the posterior, on draws the strategy never saw."""
    return KeywordDraws(models.frame["criterion_id"], seed, "truth")


def _side(truths, key, r):
    """A drawn slope on the move's side of today's bid (the curves may be flat or stepped)."""
    return np.where(r > 1, truths[f"{key}_up"], truths[f"{key}_down"])


def _cpc(truths, cur, r):
    """Drawn CPC at ``r`` x today's bid, never above the bid."""
    return np.minimum(truths["k"] * cur[:, None] * r ** _side(truths, "g", r), cur[:, None] * r)


def _recommend(models, config, margin=0.3, **constraints):
    context = Context(config=config, constraints=Constraints(margin=margin, **constraints))
    strategy = get_strategy("posterior", config.policy)
    return recommend(model=models, strategy=strategy, context=context, seed=0)


def test_a_keyword_that_spends_without_converting_is_paused_and_a_converting_one_is_not(
    default_config,
):
    # 600 clicks, no conversion: its conversion rate's 90% interval [0, 0.4%]; at the full
    # margin and a 1.20 CPC a click needs 1.20 / 80 = 1.5% to break even (0.96 / 80 = 1.2% at
    # the bottom of the box). The other converts at 6% of 80 (4.8 a click).
    dead = {"clicks": 600, "cvr": 0.0015, "cvr_lo": 0.00005, "cvr_hi": 0.004,
            "value_per_conversion": 80.0, "value_lo": 70.0, "value_hi": 90.0,
            "cpc_bid": 1.60, "cpc_ratio": 0.75, "a": 20.0, "click_ceiling": np.inf}  # fmt: skip
    alive = {**dead, "cvr": 0.06, "cvr_lo": 0.045, "cvr_hi": 0.075}
    models = _with_rows(synthetic_models(60, seed=3), {"dead": dead, "alive": alive})
    t = _recommend(models, default_config, margin=1.0).table.set_index("keyword")
    assert t.loc["dead", "action"] == "pause"
    assert t.loc["dead", "reasons"] == "PAUSE_NO_CONVERSIONS"
    assert "spends without converting" in t.loc["dead", "reason"]
    assert t.loc["dead", "d_cost"] < 0 and t.loc["dead", "d_value"] <= 0
    assert t.loc["dead", "spend_saved"] == -t.loc["dead", "d_cost"]
    assert t.loc["alive", "action"] != "pause"


def test_a_keyword_with_few_clicks_is_not_cut_on_its_prior_alone(default_config):
    few = {"clicks": default_config.pause_min_clicks - 1, "cvr": 0.0015, "cvr_lo": 0.00005,
           "cvr_hi": 0.004, "value_per_conversion": 80.0, "value_lo": 70.0, "value_hi": 90.0}  # fmt: skip
    models = _with_rows(synthetic_models(60, seed=3), {"few": few})
    t = _recommend(models, default_config, margin=1.0).table.set_index("keyword")
    assert t.loc["few", "action"] != "pause"
    assert "CUT_NO_CONVERSIONS" not in t.loc["few", "reasons"]


def test_holds_are_counted_per_reason_in_the_summary_and_the_outputs(default_config, tmp_path):
    models = synthetic_models(300, seed=1)
    rec = _recommend(models, default_config)
    t, s = rec.table, rec.summary
    holds = s["holds"]
    assert sum(holds.values()) == int(t["action"].eq("hold").sum()) > 0
    assert set(holds) <= {*HOLD_REASONS, "OTHER"}
    # uncertain keywords are held because no move survives the draws, not for lack of clicks
    assert holds.get("HELD_NO_SUPPORTED_MOVE", 0) > 0 and "HELD_INSUFFICIENT_DATA" not in holds
    unsupported = t[t["reasons"].str.contains("HELD_NO_SUPPORTED_MOVE")]
    assert (unsupported["new_bid"] == unsupported["current_bid"]).all()
    assert unsupported["reason"].str.startswith("held: no bid within the step cap gains").all()
    # keywords with few clicks still move when their draws agree (no blanket data hold)
    few = models.col("clicks") < 30
    moved = t["action"].eq("set_bid").to_numpy()
    assert (few & moved).any()
    paths = write_outputs(rec, tmp_path / "out", "run-1")
    payload = json.loads(paths["json"].read_text())
    assert payload["summary"]["holds"] == holds
    code, count = next(iter(holds.items()))
    review = paths["review"].read_text()
    assert f"bids kept, by reason: {code} {count:,}" in review
    # the review's title counts these holds (not the exact strategy's data holds, none here)
    held = int((t["action"].eq("hold") & ~t["reasons"].str.contains("SKIPPED_SMART")).sum())
    assert s["held"] == held > 0
    parts = ("raised", "lowered", "held", "paused", "smart_bidding_skipped")
    assert sum(s[k] for k in parts) == len(t)
    assert f"{s['raised']} up, {s['lowered']} down, {held} held" in " ".join(review.split())
    # no bid is set to a target marginal ROAS under this strategy, and the review says so
    assert "every freely moving bid is set to it" not in review
    quantile = f"{default_config.risk_quantile:.0%}"
    assert f"each bid moved only as far as its gain holds at the {quantile} quantile" in review
    assert f"only for a mean gain of {default_config.min_move_gain:g}/day or more" in review


def test_a_lower_risk_quantile_moves_fewer_keywords_and_never_more_than_the_step_cap(
    default_config,
):
    models = synthetic_models(300, seed=2)
    bold = _recommend(models, default_config.model_copy(update={"risk_quantile": 0.5})).table
    careful = _recommend(models, default_config.model_copy(update={"risk_quantile": 0.1})).table
    assert careful["action"].eq("set_bid").sum() < bold["action"].eq("set_bid").sum()
    for t in (bold, careful):
        moved = t[t["action"].eq("set_bid")]
        change = (moved["new_bid"] / moved["current_bid"] - 1).abs()
        assert (change <= default_config.max_change + 0.005 / moved["current_bid"] + 1e-9).all()


def test_a_move_expected_to_gain_less_than_min_move_gain_a_day_is_not_sent(default_config):
    """The threshold only holds keywords (never moves one that was held), holds exactly the
    moves whose expected gain is below it, and leaves cuts of keywords that do not convert to
    the pause rule."""
    # without the policy's ad-group shrinkage the decision's value per click is the forecast's,
    # so the threshold can be checked on the forecast the table shows
    policy = default_config.policy.model_copy(update={"shrinkage": 0.0})
    config = default_config.model_copy(update={"policy": policy})
    models = synthetic_models(300, seed=2)
    free = _recommend(models, config.model_copy(update={"min_move_gain": 0.0})).table
    gain = free["d_profit"] / config.horizon_days
    cut = free["reasons"].str.contains("CUT_NO_CONVERSIONS")
    moved_free = free["action"].eq("set_bid") & ~cut
    threshold = float(gain[moved_free].median())
    strict = _recommend(models, config.model_copy(update={"min_move_gain": threshold}))
    t = strict.table
    moved = t["action"].eq("set_bid") & ~t["reasons"].str.contains("CUT_NO_CONVERSIONS")
    assert 0 < moved.sum() < moved_free.sum()
    assert not (moved & ~moved_free).any()
    # the forecast's own draws differ from the decision's: 20% slack for Monte Carlo noise
    assert (t.loc[moved, "d_profit"] / config.horizon_days >= 0.8 * threshold).all()
    dropped = moved_free & ~moved
    assert (gain[dropped] < 1.25 * threshold).all()
    assert t.loc[dropped, "reasons"].eq("HELD_NO_SUPPORTED_MOVE").all()
    assert f"and {threshold:g}/day on average" in t.loc[dropped, "reason"].iloc[0]
    assert t.loc[cut, "action"].ne("hold").all()
    assert strict.summary["min_move_gain"] == threshold


def test_the_budget_holds_with_its_stated_probability_on_a_simulated_account(default_config):
    """Truths drawn from the same posterior the strategy bids on (400 accounts): spend at the
    recommended bids stays within the budget in >= 90% of them by construction; the test
    fails below 85% (false-alarm rate under 1e-3: 3.3 binomial sds below 0.9 at n = 400)."""
    models = synthetic_models(200, seed=5)
    models = KeywordModels(models.frame.assign(click_ceiling=np.inf))
    spend_now = float(models.curves().cost(models.current_bid).sum())
    budget = 0.7 * spend_now
    rec = _recommend(models, default_config, margin=1.0, budget=budget)
    t = rec.table
    check = rec.summary["budget_check"]
    assert check["confidence"] == default_config.budget_confidence == 0.9
    assert "with probability 90%" in check["message"]
    new = np.where(t["action"].eq("pause"), 0.0, t["new_bid"].to_numpy(float))
    cur = t["current_bid"].to_numpy(float)
    truths = posterior_draws(models, slice(None), 400, 0.9, _truth_draws(models, 11))
    r = np.where(cur > 0, new / cur, 0.0)[:, None]
    clicks = truths["c0"] * r ** _side(truths, "e", r)
    spend = (clicks * _cpc(truths, cur, r)).sum(0)
    within = float(np.mean(spend <= budget))
    assert within >= 0.85, (within, check)
    # and the chance constraint is not met by starving the account: spend still near the budget
    assert np.median(spend) > 0.6 * budget


def test_the_expected_change_interval_covers_the_simulated_truth(default_config):
    """The profit change's 90% interval against 200 truths drawn from the posterior: it holds
    the truth in 75-99% of them (false-alarm rate under 1e-3 for a calibrated interval)."""
    models = synthetic_models(200, seed=6)
    models = KeywordModels(models.frame.assign(click_ceiling=np.inf))
    rec = _recommend(models, default_config)
    s, t = rec.summary, rec.table
    new = np.where(t["action"].eq("pause"), 0.0, t["new_bid"].to_numpy(float))
    cur = t["current_bid"].to_numpy(float)
    truths = posterior_draws(models, slice(None), 200, 0.9, _truth_draws(models, 12))
    r = np.where(cur > 0, new / cur, 0.0)[:, None]
    c0 = truths["c0"]
    c1 = c0 * r ** _side(truths, "e", r)
    vpc = truths["vpc"]
    cost0 = c0 * truths["k"] * cur[:, None]
    cost1 = c1 * _cpc(truths, cur, r)
    d_profit = ((0.3 * (c1 - c0) * vpc - (cost1 - cost0)).sum(0)) * default_config.horizon_days
    inside = (d_profit >= s["d_profit_lo"]) & (d_profit <= s["d_profit_hi"])
    assert 0.75 <= inside.mean() <= 0.99, (inside.mean(), s["d_profit_lo"], s["d_profit_hi"])
    assert pd.notna(s["d_profit"])
