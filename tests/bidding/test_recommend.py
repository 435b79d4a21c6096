"""Recommendations: reason codes, expected changes with intervals, and the exports."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bidding.export import EDITOR_COLUMNS, editor_frame, write_outputs
from bidding.recommend import REASONS, recommend
from bidding.strategy import Constraints, Context, get_strategy


def test_expected_changes_have_consistent_intervals(models, config):
    context = Context(config=config, constraints=Constraints(margin=0.3))
    rec = recommend(
        model=models, strategy=get_strategy("exact", config.policy), context=context, seed=1
    )
    t = rec.table
    for m in ("clicks", "cost", "value", "profit"):
        assert (t[f"d_{m}_lo"] <= t[f"d_{m}_hi"]).all()
        # the mean sits inside the central interval except for strongly skewed draws (a keyword
        # pinned at its click ceiling in most draws)
        inside = (t[f"d_{m}_lo"] <= t[f"d_{m}"] + 1e-9) & (t[f"d_{m}"] <= t[f"d_{m}_hi"] + 1e-9)
        assert inside.mean() > 0.95
        s = rec.summary
        assert s[f"d_{m}_lo"] <= s[f"d_{m}"] <= s[f"d_{m}_hi"]
    raised = t["new_bid"] > t["current_bid"] + 0.005
    lowered = t["new_bid"] < t["current_bid"] - 0.005
    # moving a bid moves clicks and cost the same way (the curves are increasing)
    assert (t.loc[raised, "d_clicks"] >= 0).all() and (t.loc[lowered, "d_cost"] <= 0).all()
    # the optimizer expects to gain profit overall, with an interval above zero
    assert rec.summary["d_profit_lo"] > 0
    codes = {c for r in t["reasons"] for c in r.split(";") if c}
    assert codes <= set(REASONS)
    assert raised.sum() == t["reasons"].str.contains("RAISE_MARGINAL_RETURN").sum()
    assert lowered.sum() == t["reasons"].str.contains("LOWER_MARGINAL_RETURN").sum()
    # the frontier: spend and value grow along the multiplier, one point marks the choice
    assert rec.frontier["cost"].is_monotonic_increasing


def test_keeping_bids_changes_nothing(models, config):
    context = Context(config=config, constraints=Constraints(margin=0.3))
    rec = recommend(model=models, strategy=get_strategy("current"), context=context)
    inside = (models.current_bid >= config.bid_floor) & (models.current_bid <= config.bid_ceiling)
    assert np.allclose(rec.table.loc[inside, ["d_clicks", "d_cost", "d_value", "d_profit"]], 0)


def test_editor_csv_and_json(tmp_path, models, config):
    context = Context(config=config, constraints=Constraints(margin=0.3))
    rec = recommend(model=models, strategy=get_strategy("exact", config.policy), context=context)
    paths = write_outputs(rec, tmp_path / "out", "bid-test")
    csv = pd.read_csv(paths["csv"], dtype={"Customer ID": str})
    assert list(csv.columns) == EDITOR_COLUMNS
    changed = rec.table[(rec.table["new_bid"] - rec.table["current_bid"]).abs() > 0.005]
    assert len(csv) == len(changed) == len(editor_frame(rec.table))
    assert set(csv["Criterion Type"]) <= {"Exact", "Phrase", "Broad"}
    np.testing.assert_allclose(
        csv.set_index("Keyword ID")["Max CPC"].sort_index(),
        changed.set_index("criterion_id")["new_bid"].sort_index(),
    )
    payload = json.loads(paths["json"].read_text())
    assert payload["run_id"] == "bid-test" and len(payload["recommendations"]) == len(models)
    assert payload["summary"]["binding"] == "none"


def test_a_binding_budget_is_named_on_the_keywords_it_holds_back(models, config):
    free = recommend(
        model=models,
        strategy=get_strategy("exact", config.policy),
        context=Context(config=config, constraints=Constraints(margin=0.3)),
    )
    spend = float(models.curves().cost(free.table["new_bid"].to_numpy()).sum())
    box = get_strategy("exact", config.policy).box(
        models, Context(config=config, constraints=Constraints())
    )
    floor_spend = float(models.curves().cost(box.lower).sum())
    budget = floor_spend + 0.5 * (spend - floor_spend)  # binding, and reachable within the box
    context = Context(config=config, constraints=Constraints(margin=0.3, budget=budget))
    rec = recommend(model=models, strategy=get_strategy("exact", config.policy), context=context)
    assert rec.summary["binding"] == "budget" and rec.summary["feasible"]
    assert rec.summary["cost_per_day_new"] <= budget * (1 + 1e-3)  # bids rounded to cents
    held_back = rec.table["reasons"].str.contains("BUDGET_CONSTRAINT")
    assert held_back.any()
    assert (
        rec.table.loc[held_back, "new_bid"] <= free.table.loc[held_back, "new_bid"] + 1e-9
    ).all()
    assert not free.table["reasons"].str.contains("BUDGET_CONSTRAINT").any()


def test_reasons_state_the_numbers_behind_the_move(models, config):
    context = Context(config=config, constraints=Constraints(margin=0.3))
    rec = recommend(model=models, strategy=get_strategy("exact", config.policy), context=context)
    t = rec.table
    target = rec.summary["target_marginal_roas"]
    assert target == pytest.approx(1 / 0.3)  # max profit: a cent of bid must return 1 / margin
    raised = t["new_bid"] > t["current_bid"] + 0.005
    lowered = t["new_bid"] < t["current_bid"] - 0.005
    # the move follows the marginal ROAS at the current bid against the target
    assert (t.loc[raised, "marginal_roas"] > target).all()
    assert (t.loc[lowered, "marginal_roas"] < target).all()
    assert (t["marginal_roas_lo"] <= t["marginal_roas_hi"]).all()
    assert (t["exp_clicks_lo"] <= t["exp_clicks_hi"]).all() and (t["exp_cost_lo"] >= 0).all()
    for r in t[raised | lowered].itertuples():
        if r.marginal_roas == 0:  # a zero says why (issue 19: "0.00 [0.00, 0.00]")
            assert "marginal ROAS 0 (clicks at their ceiling" in r.reason, r.reason
        else:
            assert f"marginal ROAS {r.marginal_roas:.2f}" in r.reason
        assert f"target {target:.2f}" in r.reason and f"to {r.new_bid:.2f}" in r.reason
        assert (
            f"{r.exp_clicks:,.0f} clicks [{r.exp_clicks_lo:,.0f}, {r.exp_clicks_hi:,.0f}]"
            in r.reason
        )
    held = t["reasons"].str.contains("HELD_INSUFFICIENT_DATA")
    few = held & (models.frame["clicks"] < config.min_clicks)
    assert few.any()
    for r, clicks in zip(t[few].itertuples(), models.frame.loc[few, "clicks"], strict=True):
        assert r.reason.startswith(
            f"held: {clicks:,.0f} clicks of history, {config.min_clicks} needed"
        )


def test_an_unreachable_budget_says_what_keeps_spend_up(models, config):
    box = get_strategy("exact", config.policy).box(
        models, Context(config=config, constraints=Constraints())
    )
    floor_spend = float(models.curves().cost(box.lower).sum())
    context = Context(config=config, constraints=Constraints(margin=0.3, budget=floor_spend / 2))
    rec = recommend(model=models, strategy=get_strategy("exact", config.policy), context=context)
    check = rec.summary["budget_check"]
    assert not rec.summary["feasible"] and check["status"] == "over"
    assert check["budget_per_day"] == floor_spend / 2
    # every bid goes to the bottom of its box: spend lands on the lowest the guardrails allow
    assert check["projected_spend_per_day"] == pytest.approx(floor_spend, rel=1e-3)
    assert check["min_spend_per_day"] == pytest.approx(floor_spend)
    limits = {lim["limit"].split(":")[0]: lim for lim in check["limits"]}
    assert {"held", "step cap"} <= set(limits)
    assert sum(lim["spend_per_day"] for lim in check["limits"]) == pytest.approx(floor_spend)
    assert sum(lim["keywords"] for lim in check["limits"]) == len(models)
    assert "cannot be met" in check["message"] and f"{floor_spend / 2:,.2f}" in check["message"]


def test_an_older_workspace_takes_the_new_columns(tmp_path, models, config):
    from bidding.data import save_recommendation
    from searchops.workspace import Workspace

    context = Context(config=config, constraints=Constraints(margin=0.3))
    rec = recommend(model=models, strategy=get_strategy("exact", config.policy), context=context)
    with Workspace(tmp_path / "ws.duckdb") as ws:
        # the table as an earlier release wrote it: no reason sentence, no forecasts
        ws.con.execute(
            "CREATE TABLE bid_recommendations (run_id VARCHAR, criterion_id BIGINT, "
            "new_bid DOUBLE, reasons VARCHAR)"
        )
        ws.con.execute("INSERT INTO bid_recommendations VALUES ('bid-old', 1, 1.0, 'NO_CHANGE')")
        save_recommendation(ws, rec, "bid-new")
        rows = ws.con.execute(
            "SELECT run_id, count(*), count(reason), count(exp_clicks), count(action), "
            "count(spend_saved) FROM bid_recommendations GROUP BY run_id ORDER BY run_id"
        ).fetchall()
    n = len(models)
    assert rows == [("bid-new", n, n, n, n, n), ("bid-old", 1, 0, 0, 0, 0)]
