"""Bidding benchmark: profit over the next 28 days under the demo account's true curves.

On the demo account (10,000 keywords, 90 days of history; ``sem.demo``), every policy bids
from what it can know (models fitted on the history, ``sem.roi.fit_models``) and is scored by
the expected profit (margin x value - cost) of the next 28 days under the *true* curves
(``sem_truth``, weekday seasonality included). Printed as ratios to the oracle:

(a) current bids;
(b) the target-ROAS rule, bid = CVR x value per conversion / target ROAS (fitted CVR and
    value; target = break-even ROAS 1 / margin, or the scenario's target; bids scaled down
    together to fit a budget), floors/ceilings only; b1 the same inside the +/-20% and data
    guardrails;
(c) searchops: the exact optimizer on the fitted models with the guardrails:
    c1 one cycle at the default +/-20% step cap, held for 28 days;
    c4 four weekly cycles at +/-20% (each week's clicks simulated under the truth, models
       refitted on the last 90 days, bids recommended again); "week 4 only" is the fourth
       week's profit x 4, where the cycles are heading;
    cx one cycle with the step cap relaxed to 100% (floors, ceilings and the data guardrails
       stay);
(d) the oracle: the exact optimizer on the true curves, same budget / ROAS constraints and
    floors / ceilings, no step cap and no data guardrail.

Then the scale check: fit + optimize 100,000 keywords (time reported as a share of the
120 s target). Run: ``.venv/bin/python benchmarks/bidding.py [--keywords 10000] [--skip-scale]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the package it measures: keep its folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from datetime import timedelta  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bidding.models import from_roi  # noqa: E402
from bidding.optimizer import Optimizer, ResponseCurves  # noqa: E402
from bidding.recommend import round_into_box  # noqa: E402
from bidding.strategy import Constraints, Context, get_strategy  # noqa: E402
from searchops.settings import load_settings  # noqa: E402
from sem import demo  # noqa: E402
from sem.roi import fit_models, options_from_settings  # noqa: E402

HORIZON = 28


def truth_curves(truth: pd.DataFrame, ids: pd.Series) -> ResponseCurves:
    t = truth.set_index("criterion_id").loc[ids.to_numpy()]
    return ResponseCurves(
        scale=t["a"].to_numpy(float),
        elasticity=t["elasticity"].to_numpy(float),
        ceiling=t["click_ceiling"].to_numpy(float),
        cpc_ratio=t["cpc_ratio"].to_numpy(float),
        value_per_click=(t["cvr"] * t["value_per_conversion"]).to_numpy(float),
    )


def score(curves: ResponseCurves, bids: np.ndarray, margin: float, days: float) -> dict[str, float]:
    cost = float(curves.cost(bids).sum()) * days
    value = float(curves.value(bids).sum()) * days
    return {"profit": margin * value - cost, "cost": cost, "value": value}


def simulate_week(
    frames: dict[str, pd.DataFrame], truth: pd.DataFrame, bids: pd.Series, start, rng
) -> pd.DataFrame:
    """Seven days of keyword_daily rows at ``bids`` under the truth (Poisson clicks)."""
    kw = frames["sem_keywords"]
    t = truth.set_index("criterion_id").loc[kw["criterion_id"].to_numpy()]
    x = bids.loc[kw["criterion_id"].to_numpy()].to_numpy(float)
    rows = []
    for d in range(7):
        day = pd.Timestamp(start + timedelta(days=d))
        lam = (
            np.minimum(t["click_ceiling"], t["a"] * x ** t["elasticity"]).to_numpy()
            * demo.SEASON[day.day_of_week]
        )
        clicks = rng.poisson(lam)
        conv = rng.binomial(clicks, t["cvr"].to_numpy())
        rows.append(
            pd.DataFrame(
                {
                    "date": day,
                    "customer_id": kw["customer_id"].to_numpy(),
                    "campaign_id": kw["campaign_id"].to_numpy(),
                    "ad_group_id": kw["ad_group_id"].to_numpy(),
                    "criterion_id": kw["criterion_id"].to_numpy(),
                    "cpc_bid": x,
                    "clicks": clicks,
                    "impressions": clicks + rng.poisson(lam * 20),
                    "cost": np.round(clicks * t["cpc_ratio"].to_numpy() * x, 2),
                    "conversions": conv.astype(float),
                    "conversions_value": np.round(conv * t["value_per_conversion"].to_numpy(), 2),
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    return out[(out["impressions"] > 0)]


def recommend_bids(
    frames, settings, constraints, *, max_change: float, until
) -> tuple[pd.Series, object]:
    options = options_from_settings(settings)
    fit = fit_models(frames, since=until - timedelta(days=89), until=until, options=options)
    models = from_roi(fit)
    config = settings.bidding.model_copy(update={"max_change": max_change})
    policy = config.policy.model_copy(update={"step_cap": max_change})
    proposal = get_strategy("exact", policy).propose(
        model=models, context=Context(config=config, constraints=constraints)
    )
    box, down = proposal.box, proposal.binding != "none"
    bids = round_into_box(
        proposal.bids, box.lower, box.upper, config.bid_step, models.current_bid, down=down
    )
    return pd.Series(bids, index=models.frame["criterion_id"].to_numpy()), models


def run_scenario(name: str, account, settings, constraints: Constraints) -> None:
    frames = {k: v.copy() for k, v in account.frames.items()}
    truth = frames["sem_truth"]
    kw = frames["sem_keywords"]
    ids = kw["criterion_id"]
    curves = truth_curves(truth, ids)
    margin = constraints.margin
    cfg = settings.bidding
    current = kw["cpc_bid"].to_numpy(float)
    results: dict[str, dict[str, float]] = {"a current": score(curves, current, margin, HORIZON)}

    # (b) the target-ROAS rule on the fitted models, floors and ceilings only
    t0 = time.perf_counter()
    bids_c1, models = recommend_bids(
        frames, settings, constraints, max_change=cfg.max_change, until=account.until
    )
    fit_opt_s = time.perf_counter() - t0
    loose = cfg.model_copy(
        update={"max_change": 1.0, "min_clicks": 0, "max_cvr_interval_ratio": 1e9}
    )
    rule = get_strategy(
        "target-roas-rule", cfg.policy.model_copy(update={"step_cap": 1.0, "min_clicks": 0})
    )
    prop = rule.propose(model=models, context=Context(config=loose, constraints=constraints))
    rule_bids = pd.Series(prop.bids, index=models.frame["criterion_id"].to_numpy())
    results["b target-ROAS rule"] = score(curves, rule_bids.loc[ids].to_numpy(), margin, HORIZON)

    capped_rule = get_strategy("target-roas-rule", cfg.policy)
    prop = capped_rule.propose(model=models, context=Context(config=cfg, constraints=constraints))
    results["b1 target-ROAS rule, +/-20% guardrails"] = score(curves, prop.bids, margin, HORIZON)
    results["c1 searchops, 1 cycle +/-20%"] = score(
        curves, bids_c1.loc[ids].to_numpy(), margin, HORIZON
    )
    bids_cx, _ = recommend_bids(frames, settings, constraints, max_change=1.0, until=account.until)
    results["cx searchops, cap relaxed"] = score(
        curves, bids_cx.loc[ids].to_numpy(), margin, HORIZON
    )

    # c4: four weekly cycles, each refitted on simulated data at the previous week's bids
    rng = np.random.default_rng(11)
    weekly = []
    bids = bids_c1
    until = account.until
    for week in range(4):
        if week:
            frames["sem_keywords"] = frames["sem_keywords"].assign(cpc_bid=bids.loc[ids].to_numpy())
            bids, _ = recommend_bids(
                frames, settings, constraints, max_change=cfg.max_change, until=until
            )
        weekly.append(score(curves, bids.loc[ids].to_numpy(), margin, 7))
        new_rows = simulate_week(frames, truth, bids, until + timedelta(days=1), rng)
        frames["sem_keyword_daily"] = pd.concat(
            [frames["sem_keyword_daily"], new_rows], ignore_index=True
        )
        until = until + timedelta(days=7)
    results["c4 searchops, 4 weekly cycles +/-20%"] = {
        k: sum(w[k] for w in weekly) for k in weekly[0]
    }
    results["c4 week 4 only (x4)"] = {k: 4 * v for k, v in weekly[-1].items()}

    floor = np.full(len(ids), cfg.bid_floor)
    ceiling = np.full(len(ids), cfg.bid_ceiling)
    oracle = Optimizer(curves, floor, ceiling, margin=margin).solve(
        objective=constraints.objective,
        budget=constraints.budget,
        target_roas=constraints.target_roas,
    )
    results["d oracle"] = score(curves, oracle.bids, margin, HORIZON)
    capped = Optimizer(
        curves, np.maximum(floor, current * 0.8), np.minimum(ceiling, current * 1.2), margin=margin
    ).solve(
        objective=constraints.objective,
        budget=constraints.budget,
        target_roas=constraints.target_roas,
    )
    results["d' oracle with the +/-20% cap"] = score(curves, capped.bids, margin, HORIZON)

    metric = "profit" if constraints.objective == "profit" else "value"
    best = results["d oracle"][metric]
    print(f"\n== {name}  (fit + optimize {len(ids):,} keywords: {fit_opt_s:.1f} s)")
    print(f"{'policy':40s} {metric + '/oracle':>13s} {'spend/budget':>12s} {'ROAS':>6s}")
    budget = constraints.budget * HORIZON if constraints.budget else None
    for key, r in results.items():
        spend = f"{r['cost'] / budget:12.3f}" if budget else f"{'-':>12s}"
        print(f"{key:40s} {r[metric] / best:13.3f} {spend} {r['value'] / r['cost']:6.2f}")


def scale_check(settings, keywords: int) -> None:
    account = demo.generate(keywords=keywords, days=90, seed=1)
    t0 = time.perf_counter()
    fit = fit_models(account, options=options_from_settings(settings))
    t_fit = time.perf_counter() - t0
    models = from_roi(fit)
    t1 = time.perf_counter()
    get_strategy("exact", settings.bidding.policy).propose(
        model=models,
        context=Context(
            config=settings.bidding, constraints=Constraints(margin=settings.sem.margin)
        ),
    )
    t_opt = time.perf_counter() - t1
    total = t_fit + t_opt
    print(
        f"\n== scale: {keywords:,} keywords: fit {t_fit:.1f} s + optimize {t_opt:.2f} s = {total:.1f} s "
        f"({total / 120:.2f} of the 120 s target)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keywords", type=int, default=10_000)
    parser.add_argument("--scale-keywords", type=int, default=100_000)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--scale-only", action="store_true")
    args = parser.parse_args()
    settings = load_settings().settings
    if args.scale_only:
        scale_check(settings, args.scale_keywords)
        return
    margin = settings.sem.margin
    account = demo.generate(keywords=args.keywords, days=90, seed=0)
    base = Constraints(objective="profit", margin=margin)
    run_scenario("max profit, no budget", account, settings, base)
    kw = account.frames["sem_keywords"]
    truth = truth_curves(account.frames["sem_truth"], kw["criterion_id"])
    spend_now = float(truth.cost(kw["cpc_bid"].to_numpy(float)).sum())
    run_scenario(
        f"max conversion value, budget = today's spend ({spend_now:,.0f}/day)",
        account,
        settings,
        replace(base, objective="value", budget=spend_now),
    )
    run_scenario(
        f"max profit, budget = 40% of today's spend ({0.4 * spend_now:,.0f}/day)",
        account,
        settings,
        replace(base, budget=0.4 * spend_now),
    )
    if not args.skip_scale:
        scale_check(settings, args.scale_keywords)


if __name__ == "__main__":
    main()
