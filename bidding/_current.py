"""The do-nothing baseline: today's bids, brought inside the hard floor and ceiling."""

from __future__ import annotations

import numpy as np

from bidding.models import KeywordModels
from bidding.strategy import BidStrategy, Context, Proposal


class CurrentBids(BidStrategy):
    name = "current"

    def propose(self, *, model: KeywordModels, context: Context, seed: int = 0) -> Proposal:
        box = self.box(model, context)
        bids = np.clip(model.current_bid, box.lower, box.upper)
        return Proposal(bids=bids, box=box, value_per_click=model.value_per_click())
