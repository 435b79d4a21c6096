"""The textbook target-ROAS rule: bid = CVR x value per conversion / target ROAS.

At that bid a click that costs the full bid returns exactly the target ROAS. Without a target
the break-even ROAS ``1 / margin`` is used. When a budget is given and the rule would overspend
(under the fitted curves), every bid is scaled down by one common factor until it fits: the
usual manual fix, kept so the comparison with the exact optimizer is fair.
"""

from __future__ import annotations

import numpy as np

from bidding.models import KeywordModels
from bidding.strategy import BidStrategy, Context, Proposal


class TargetRoasRule(BidStrategy):
    name = "target-roas-rule"

    def propose(self, *, model: KeywordModels, context: Context, seed: int = 0) -> Proposal:
        box = self.box(model, context)
        c = context.constraints
        roas = c.target_roas if c.target_roas else 1.0 / c.margin
        vpc = model.value_per_click()
        raw = vpc / roas

        def bids_at(scale: float) -> np.ndarray:
            return np.clip(raw * scale, box.lower, box.upper)

        bids = bids_at(1.0)
        binding = "none"
        if c.budget is not None:
            curves = model.curves()
            if curves.cost(bids).sum() > c.budget:
                lo, hi = 0.0, 1.0
                for _ in range(60):
                    mid = 0.5 * (lo + hi)
                    lo, hi = (mid, hi) if curves.cost(bids_at(mid)).sum() <= c.budget else (lo, mid)
                bids, binding = bids_at(lo), "budget"
        return Proposal(bids=bids, box=box, value_per_click=vpc, binding=binding)
