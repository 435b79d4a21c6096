"""Optuna policy search: the outer parameters no closed form gives, tuned by backtesting.

The policy (:mod:`bidding._exact`) has parameters the optimizer cannot derive: how hard to
shrink a keyword's value per click toward its ad group's, how far to move per cycle, how much
data a keyword needs before it moves, and per-match-type multipliers. :func:`tune` picks them by
walking forward through history: for each fold ``f`` (the last ``folds`` weeks), fit the models
on the ``history_days`` before the fold's week, let the policy bid from the bids in effect
then, and score the realized result of that week:

* ``truth`` scorer (the demo account, ``sem_truth``): expected profit under the true curves;
* ``hindsight`` scorer (real accounts): the models refitted on the data including that week,
  evaluated at the policy's bids; counterfactual, but every week is scored by data the policy
  never saw.

The objective is the mean weekly gain over keeping the bids of what the constraints'
objective maximizes: profit, or conversion value for ``objective="value"`` (a policy tuned
for value must not be picked for profit: it would bid below what the budget or target ROAS
allows). Constraints go through ``trial.set_constraint`` (feasible when <= 0): no fold loses
money (profit) against keeping the bids, and, when given, no fold overspends the budget or
falls below the target ROAS by more than ``[bidding.tuning] constraint_tolerance`` (relative:
``budget_overrun`` and ``roas_shortfall`` are fractions beyond the tolerance).

Seeded (``TPESampler(seed)``, offset by the trials already done so a resumed study does not
replay its first proposals) and resumable: the study lives in SQLite
(``optuna.storages.RDBStorage``, ``load_if_exists=True``); re-running continues up to
``trials`` completed trials. The best parameters and their score go to the workspace table
``bid_policy`` (run_id, created_at, study, params JSON, score, baseline_score, trials, folds,
scorer), which ``bid recommend --policy tuned`` reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd

from bidding._exact import ExactStrategy
from bidding.config import BiddingConfig, PolicyConfig
from bidding.models import KeywordModels, from_roi
from bidding.optimizer import ResponseCurves
from bidding.strategy import Constraints, Context
from searchops.workspace import Workspace

WEEK = 7


@dataclass
class Fold:
    until: date  # last day the models see
    model: KeywordModels  # fitted on the history before the scored week
    outcome: ResponseCurves  # the scored week's curves (truth or hindsight), aligned to model
    season: float  # mean weekday multiplier of the scored week (truth; 1 for hindsight)


@dataclass
class TuningResult:
    params: PolicyConfig
    score: float  # mean weekly profit (or value, objective "value") gained over keeping bids
    baseline_score: float  # same for the config's policy
    trials: int
    folds: int
    scorer: str
    study: optuna.Study


def _with_bids_at(frames: Mapping[str, pd.DataFrame], day: date) -> dict[str, pd.DataFrame]:
    """The tables as of ``day``: keyword bids are the ones in effect that day."""
    out = dict(frames)
    daily = frames["sem_keyword_daily"]
    seen = daily[daily["date"] <= pd.Timestamp(day)].dropna(subset=["cpc_bid"])
    last = seen.sort_values("date").drop_duplicates("criterion_id", keep="last")
    kw = frames["sem_keywords"].copy()
    bid_then = kw["criterion_id"].map(last.set_index("criterion_id")["cpc_bid"])
    kw["cpc_bid"] = bid_then.fillna(kw["cpc_bid"]).to_numpy(float)
    out["sem_keywords"] = kw
    return out


def _truth_curves(truth: pd.DataFrame, model: KeywordModels) -> ResponseCurves:
    t = (
        truth.drop_duplicates("criterion_id")
        .set_index("criterion_id")
        .reindex(model.frame["criterion_id"])
    )

    def arr(col: str, fill: float) -> np.ndarray:
        return t[col].to_numpy(dtype=float, na_value=fill)

    return ResponseCurves(
        scale=arr("a", 0.0),
        elasticity=arr("elasticity", 0.0),
        ceiling=arr("click_ceiling", np.inf),
        cpc_ratio=arr("cpc_ratio", 1.0),
        value_per_click=arr("cvr", 0.0) * arr("value_per_conversion", 0.0),
    )


def build_folds(
    frames: Mapping[str, pd.DataFrame],
    settings: Any,
    *,
    folds: int,
    truth: pd.DataFrame | None = None,
    season: pd.DataFrame | None = None,
) -> list[Fold]:
    """Walk-forward folds over the last ``folds`` weeks of ``frames`` (sem tables)."""
    from sem.roi import fit_models, options_from_settings

    options = options_from_settings(settings)
    last_day = pd.Timestamp(frames["sem_keyword_daily"]["date"].max()).date()
    history = settings.bidding.history_days
    out = []
    for f in range(folds, 0, -1):
        until = last_day - timedelta(days=WEEK * f)
        week_end = until + timedelta(days=WEEK)
        asof = _with_bids_at(frames, until)
        fit = fit_models(
            asof, since=until - timedelta(days=history - 1), until=until, options=options
        )
        model = from_roi(fit)
        if truth is not None and not truth.empty:
            outcome = _truth_curves(truth, model)
            days = pd.date_range(until + timedelta(days=1), week_end)
            mult = 1.0
            if season is not None and not season.empty:
                mult = float(
                    season.set_index("dow")["multiplier"]
                    .reindex(days.day_of_week)
                    .fillna(1.0)
                    .mean()
                )
        else:
            later = fit_models(
                asof | {"sem_keyword_daily": frames["sem_keyword_daily"]},
                until=week_end,
                options=options,
            )
            later = (
                later.set_index("criterion_id").reindex(model.frame["criterion_id"]).reset_index()
            )
            outcome = from_roi(later.assign(status="ENABLED")).curves()
            mult = 1.0
        out.append(Fold(until=until, model=model, outcome=outcome, season=mult))
    return out


def _week(
    curves: ResponseCurves, bids: np.ndarray, margin: float, season: float
) -> dict[str, float]:
    clicks = curves.clicks(bids) * season * WEEK
    cost = float((clicks * curves.cpc(bids)).sum())
    value = float((clicks * curves.value_per_click).sum())
    return {"cost": cost, "value": value, "profit": margin * value - cost}


def evaluate(
    policy: PolicyConfig, folds: list[Fold], config: BiddingConfig, constraints: Constraints
) -> tuple[float, dict[str, float]]:
    """(mean weekly gain over keeping bids, constraint values) of ``policy``: the gain in
    profit, or in conversion value when ``constraints.objective`` is ``"value"``."""
    metric = "value" if constraints.objective == "value" else "profit"
    gains, losses, overspend, shortfall = [], [], [], []
    strategy = ExactStrategy(policy)
    for fold in folds:
        context = Context(config=config, constraints=constraints)
        proposal = strategy.propose(model=fold.model, context=context)
        current = fold.model.current_bid
        bids = proposal.rounded(config.bid_step, current)
        new = _week(fold.outcome, bids, constraints.margin, fold.season)
        old = _week(fold.outcome, current, constraints.margin, fold.season)
        gains.append(new[metric] - old[metric])
        losses.append(old["profit"] - new["profit"])
        # Relative misses beyond the tolerance: a week forecast by refitted or true curves
        # lands within ~2% of a budget or target the fitted curves aimed at exactly.
        tolerance = config.tuning.constraint_tolerance
        if constraints.budget is not None:
            overspend.append(new["cost"] / (constraints.budget * WEEK) - 1 - tolerance)
        if constraints.target_roas is not None and new["cost"] > 0:
            roas = new["value"] / new["cost"]
            shortfall.append(1 - roas / constraints.target_roas - tolerance)
    limits = {"worst_fold_loss": max(losses)}
    if overspend:
        limits["budget_overrun"] = max(overspend)
    if shortfall:
        limits["roas_shortfall"] = max(shortfall)
    return float(np.mean(gains)), limits


def _suggest(trial: optuna.Trial, config: BiddingConfig) -> PolicyConfig:
    t = config.tuning
    seg = t.segment_multiplier_range
    return PolicyConfig(
        shrinkage=trial.suggest_float("shrinkage", *t.shrinkage_range),
        step_cap=trial.suggest_float("step_cap", *t.step_cap_range),
        min_clicks=trial.suggest_int("min_clicks", *t.min_clicks_range),
        exact_multiplier=trial.suggest_float("exact_multiplier", *seg),
        phrase_multiplier=trial.suggest_float("phrase_multiplier", *seg),
        broad_multiplier=trial.suggest_float("broad_multiplier", *seg),
    )


def tune(
    folds: list[Fold],
    config: BiddingConfig,
    constraints: Constraints,
    *,
    storage: Path,
    study_name: str = "bid-policy",
    trials: int | None = None,
    seed: int | None = None,
    scorer: str = "truth",
) -> TuningResult:
    """Run (or resume) the study until ``trials`` trials are complete; see the module docstring."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    trials = trials or config.tuning.trials
    seed = config.tuning.seed if seed is None else seed
    storage.parent.mkdir(parents=True, exist_ok=True)
    rdb = optuna.storages.RDBStorage(f"sqlite:///{storage}")
    probe = (
        optuna.load_study(study_name=study_name, storage=rdb) if _exists(rdb, study_name) else None
    )
    done = 0 if probe is None else len(probe.get_trials(states=(optuna.trial.TrialState.COMPLETE,)))
    study = optuna.create_study(
        study_name=study_name,
        storage=rdb,
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed + done),
        load_if_exists=True,
    )
    if done == 0:  # start from the configured policy: TPE then has a known-good point
        study.enqueue_trial(config.policy.model_dump())

    def objective(trial: optuna.Trial) -> float:
        policy = _suggest(trial, config)
        score, limits = evaluate(policy, folds, config, constraints)
        for key, value in limits.items():
            trial.set_constraint(key, value)
        return score

    if trials > done:
        study.optimize(objective, n_trials=trials - done)
    feasible = [
        t
        for t in study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
        if all(v <= 0 for v in t.constraints.values())
    ]
    best = max(feasible, key=lambda t: t.value or -np.inf) if feasible else None
    params = PolicyConfig(**best.params) if best else config.policy
    baseline, _ = evaluate(config.policy, folds, config, constraints)
    score = float(best.value) if best and best.value is not None else baseline
    return TuningResult(
        params=params,
        score=score,
        baseline_score=baseline,
        trials=len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))),
        folds=len(folds),
        scorer=scorer,
        study=study,
    )


def _exists(storage: optuna.storages.BaseStorage, name: str) -> bool:
    return any(s.study_name == name for s in storage.get_all_studies())


def save_policy(workspace: Workspace, result: TuningResult, run_id: str) -> None:
    row = pd.DataFrame(
        [
            {
                "run_id": run_id,
                "created_at": datetime.now(UTC).replace(tzinfo=None),
                "study": result.study.study_name,
                "params": json.dumps(result.params.model_dump()),
                "score": result.score,
                "baseline_score": result.baseline_score,
                "trials": result.trials,
                "folds": result.folds,
                "scorer": result.scorer,
            }
        ]
    )
    workspace.replace_rows("bid_policy", row, "run_id", run_id)


def latest_policy(workspace: Workspace) -> PolicyConfig | None:
    if not workspace.has_table("bid_policy"):
        return None
    row = workspace.con.execute(
        "SELECT params FROM bid_policy ORDER BY created_at DESC LIMIT 1"
    ).fetchone()
    return PolicyConfig(**json.loads(row[0])) if row else None
