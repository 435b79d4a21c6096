"""Bidding strategies behind one small base class (keyword-only injection, Optuna style).

A strategy turns fitted keyword models into proposed bids inside the guardrail box::

    proposal = strategy.propose(model=models, context=context, seed=0)

Implementations live in private modules and are built by name with :func:`get_strategy`:

* ``exact`` (:mod:`bidding._exact`): searchops' policy: shrunk value per click, per-segment
  multipliers, the exact optimizer under the budget / target ROAS;
* ``target-roas-rule`` (:mod:`bidding._rule`): the textbook rule bid = CVR x value / target ROAS;
* ``current`` (:mod:`bidding._current`): keep today's bids (the do-nothing baseline).

Every implementation passes ``tests/bidding/test_strategy_conformance.py``: bids finite, one
per keyword, inside the box, deterministic for a seed, held keywords unchanged.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from bidding.config import BiddingConfig, PolicyConfig
from bidding.guardrails import Bounds, bounds, round_into_box
from bidding.models import KeywordModels
from bidding.optimizer import Objective


@dataclass(frozen=True)
class Constraints:
    """What the bids optimize and under which limits. ``objective`` and ``margin`` left out
    come from the settings (``[bidding] objective``, ``[sem] margin``): config is their one
    source."""

    objective: Objective = None  # type: ignore[assignment]  # "profit" | "value"; None: config
    margin: float = None  # type: ignore[assignment]  # profit = margin * value - cost; None: config
    budget: float | None = None  # per day, account currency
    target_roas: float | None = None  # conversion value / cost

    def __post_init__(self) -> None:
        if self.objective is None or self.margin is None:
            from searchops.settings import load_settings

            settings = load_settings().settings
            if self.objective is None:
                object.__setattr__(self, "objective", settings.bidding.objective)
            if self.margin is None:
                object.__setattr__(self, "margin", settings.sem.margin)


@dataclass(frozen=True)
class Context:
    config: BiddingConfig
    constraints: Constraints
    out_of_stock: np.ndarray | None = None  # per keyword: no increase
    landing_failed: np.ndarray | None = None  # per keyword: no increase
    # log sd of the account-wide volume over the horizon (a factor every keyword shares)
    account_log_sd: float = 0.0
    # how many keywords the strategy may pause for spending without converting (the pause
    # guardrails' room left after stock and landing-page pauses; None: none, bid down instead)
    pause_room: int | None = None


@dataclass(frozen=True)
class Proposal:
    bids: np.ndarray
    box: Bounds
    value_per_click: np.ndarray  # the estimate the strategy bid on
    multiplier: float = float("nan")  # w of the exact optimizer (marginal ROAS 1 / w)
    binding: str = "none"
    feasible: bool = True
    notes: dict[str, object] = field(default_factory=dict)

    def rounded(self, step: float, current: np.ndarray) -> np.ndarray:
        """The bids as they can be sent: on the ``step`` grid inside the box, rounded down
        when a budget or target binds (to the nearest cent could overspend)."""
        down = self.binding != "none"
        return round_into_box(self.bids, self.box.lower, self.box.upper, step, current, down=down)


class BidStrategy(abc.ABC):
    name: ClassVar[str]

    def __init__(self, policy: PolicyConfig | None = None) -> None:
        self.policy = policy

    def box(self, model: KeywordModels, context: Context) -> Bounds:
        policy = self.policy
        return bounds(
            model.current_bid,
            config=context.config,
            clicks=model.col("clicks"),
            cvr=model.col("cvr"),
            cvr_lo=model.col("cvr_lo"),
            cvr_hi=model.col("cvr_hi"),
            out_of_stock=context.out_of_stock,
            landing_failed=context.landing_failed,
            step_cap=policy.step_cap if policy else None,
            min_clicks=policy.min_clicks if policy else None,
        )

    @abc.abstractmethod
    def propose(self, *, model: KeywordModels, context: Context, seed: int = 0) -> Proposal:
        """Bids for every keyword of ``model``, inside :meth:`box`."""


def get_strategy(name: str, policy: PolicyConfig | None = None) -> BidStrategy:
    from bidding._current import CurrentBids
    from bidding._exact import ExactStrategy
    from bidding._posterior import PosteriorStrategy
    from bidding._rule import TargetRoasRule

    known: dict[str, type[BidStrategy]] = {
        cls.name: cls for cls in (ExactStrategy, PosteriorStrategy, TargetRoasRule, CurrentBids)
    }
    if name not in known:
        raise ValueError(f"unknown strategy {name!r}; known: {', '.join(known)}")
    return known[name](policy)
