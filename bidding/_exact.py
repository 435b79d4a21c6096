"""searchops' policy: shrunk value per click, segment multipliers, the exact optimizer.

Value per click (CVR x value per conversion) of a keyword with few clicks is noisy, and the
optimizer would chase that noise; the policy mixes in its ad group's clicks-weighted value per
click with ``shrinkage`` pseudo-clicks (James-Stein style, on top of sem's own pooling: Optuna
picks how much, 0 included). Per-match-type multipliers scale the value the optimizer sees (a
broad keyword's conversions are worth less to the business than their reported value when its
search terms drift). The optimizer then equalizes marginal return under the constraints inside
the guardrail box.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidding.models import KeywordModels
from bidding.optimizer import Optimizer
from bidding.strategy import BidStrategy, Context, Proposal


def shrunk_value_per_click(model: KeywordModels, shrinkage: float) -> np.ndarray:
    vpc = model.value_per_click()
    if shrinkage <= 0:
        return vpc
    clicks = np.nan_to_num(model.col("clicks"))
    frame = pd.DataFrame(
        {"g": model.frame["ad_group_id"].to_numpy(), "w": clicks * vpc, "c": clicks}
    )
    sums = frame.groupby("g")[["w", "c"]].transform("sum")
    total = clicks.sum()
    overall = float((clicks * vpc).sum() / total) if total > 0 else float(np.mean(vpc))
    with np.errstate(invalid="ignore", divide="ignore"):
        group = np.where(sums["c"] > 0, sums["w"] / sums["c"], overall)
    return (clicks * vpc + shrinkage * group) / (clicks + shrinkage)


class ExactStrategy(BidStrategy):
    name = "exact"

    def propose(self, *, model: KeywordModels, context: Context, seed: int = 0) -> Proposal:
        box = self.box(model, context)
        c = context.constraints
        policy = self.policy
        vpc = shrunk_value_per_click(model, policy.shrinkage) if policy else model.value_per_click()
        if policy:
            segment = {
                "EXACT": policy.exact_multiplier,
                "PHRASE": policy.phrase_multiplier,
                "BROAD": policy.broad_multiplier,
            }
            vpc = vpc * model.frame["match_type"].map(segment).fillna(1.0).to_numpy(float)
        opt = Optimizer(
            model.curves(vpc),
            box.lower,
            box.upper,
            margin=c.margin,
            iterations=context.config.bisection_iterations,
        )
        sol = opt.solve(objective=c.objective, budget=c.budget, target_roas=c.target_roas)
        return Proposal(
            bids=sol.bids,
            box=box,
            value_per_click=vpc,
            multiplier=sol.multiplier,
            binding=sol.binding,
            feasible=sol.feasible,
            notes={"optimizer": opt},
        )
