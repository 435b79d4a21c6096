"""searchops' default policy: bids chosen over the posterior draws (:mod:`bidding.decide`).

The value per click the bids aim at is the exact policy's (shrunk toward the ad group,
per-match-type multipliers, :func:`bidding._exact.shrunk_value_per_click`). Each keyword
moves to the grid bid inside its step-cap box whose gain is largest at the ``[bidding]
risk_quantile`` of the posterior, only when that quantile is a gain; keywords whose profit is
negative in ``pause_probability`` of the draws at the bottom of their box are cut.

Constraints, on the same draws:

* ``--budget``: a chance constraint. Total spend per day over the horizon is at most the
  budget with probability ``budget_confidence`` (normal approximation: mean + z sd, the
  keywords' variances summed and an account-wide factor ``account_log_sd`` on top, common to
  every keyword, since one keyword's errors do not cancel another's when the whole account's
  volume moves); the objective weight ``w`` is lowered by bisection until it holds;
* ``--target-roas``: expected value / expected cost at least the target, the same way.
"""

from __future__ import annotations

import numpy as np

from bidding._exact import shrunk_value_per_click
from bidding.decide import Moments, moments, normal_z
from bidding.guardrails import Bounds, bounds
from bidding.models import KeywordModels
from bidding.strategy import BidStrategy, Context, Proposal

W_LOW = 1e-6
W_VALUE = 1e6  # the value objective: weight on value so large that cost barely counts


def spend_quantile(
    mom: Moments, cols: np.ndarray, z: float, account_log_sd: float, paused: np.ndarray
) -> float:
    """The ``z``-sd upper bound of total spend per day at the chosen grid columns (``paused``
    keywords spend nothing)."""
    mean, var = mom.spend(cols, ~paused)
    var += (np.expm1(account_log_sd**2)) * mean**2
    return mean + z * np.sqrt(var)


class PosteriorStrategy(BidStrategy):
    name = "posterior"

    def box(self, model: KeywordModels, context: Context) -> Bounds:
        """The guardrail box without the data hold (``min_clicks``, ``max_cvr_interval_ratio``):
        the draws decide how far a keyword with little data moves."""
        cfg = context.config.model_copy(
            update={"min_clicks": 0, "max_cvr_interval_ratio": float("inf")}
        )
        return bounds(
            model.current_bid,
            config=cfg,
            clicks=model.col("clicks"),
            cvr=model.col("cvr"),
            cvr_lo=model.col("cvr_lo"),
            cvr_hi=model.col("cvr_hi"),
            out_of_stock=context.out_of_stock,
            landing_failed=context.landing_failed,
            step_cap=self.policy.step_cap if self.policy else None,
            min_clicks=0,
        )

    def propose(self, *, model: KeywordModels, context: Context, seed: int = 0) -> Proposal:
        box = self.box(model, context)
        c, cfg = context.constraints, context.config
        policy = self.policy
        vpc = shrunk_value_per_click(model, policy.shrinkage) if policy else model.value_per_click()
        if policy:
            segment = {
                "EXACT": policy.exact_multiplier,
                "PHRASE": policy.phrase_multiplier,
                "BROAD": policy.broad_multiplier,
            }
            vpc = vpc * model.frame["match_type"].map(segment).fillna(1.0).to_numpy(float)
        model_vpc = model.value_per_click()
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(model_vpc > 0, vpc / model_vpc, 1.0)
        mom = moments(
            model,
            box.lower,
            box.upper,
            value_scale=scale,
            margin=c.margin,
            step=cfg.bid_step,
            draws=cfg.interval_draws,
            level=cfg.interval_level,
            horizon_days=cfg.horizon_days,
            seed=seed,
        )
        z = normal_z(1 - cfg.risk_quantile)
        # a move must also be worth sending: its expected gain per day (in the objective's
        # units: profit, or value when the objective is value) at least min_move_gain
        min_gain = cfg.min_move_gain
        w_free = c.margin if c.objective == "profit" else W_VALUE
        free_cols, supported = mom.choose(w_free, z, min_gain)
        # cut before the constraints: a paused keyword's spend is no longer in the budget
        cut = (mom.p_loss_low >= cfg.pause_probability) & (
            np.nan_to_num(model.col("clicks")) >= cfg.pause_min_clicks
        )
        now = mom.pick("cost", mom.current)
        order = np.argsort(-np.where(cut, now, -np.inf), kind="stable")
        paused = np.zeros(len(model), bool)
        paused[order[: min(context.pause_room or 0, int(cut.sum()))]] = True
        free_cols = np.where(cut, 0, free_cols)
        w, cols, binding, feasible = w_free, free_cols, [], True
        lowest = False  # a budget even the lowest bids overspend: every bid to its bottom
        zb = normal_z(cfg.budget_confidence)
        acct = context.account_log_sd

        def over_budget(weight: float) -> bool:
            chosen, _ = mom.choose(weight, z, min_gain)
            chosen = np.where(cut, 0, chosen)
            return spend_quantile(mom, chosen, zb, acct, paused) > (c.budget or 0.0)

        def below_roas(weight: float) -> bool:
            chosen, _ = mom.choose(weight, z, min_gain)
            chosen = np.where(cut, 0, chosen)
            cost = np.where(paused, 0.0, mom.pick("cost", chosen)).sum()
            value = np.where(paused, 0.0, mom.pick("value", chosen)).sum()
            return bool(value < (c.target_roas or 0.0) * cost)

        for name, fails, active in (
            ("budget", over_budget, c.budget is not None),
            ("roas", below_roas, c.target_roas is not None),
        ):
            if not active or not fails(w):
                continue
            binding.append(name)
            if fails(W_LOW):
                feasible, w = False, W_LOW
                if name == "budget":
                    lowest = True
                continue
            lo, hi = np.log(W_LOW), np.log(w)
            for _ in range(cfg.bisection_iterations // 2):
                mid = 0.5 * (lo + hi)
                lo, hi = (lo, mid) if fails(float(np.exp(mid))) else (mid, hi)
            w = float(np.exp(lo))
        if binding:
            cols, supported = mom.choose(w, z, min_gain)
        if lowest:  # the closest to the budget the guardrails allow, as the exact optimizer
            cols, supported = np.zeros(len(model), int), np.ones(len(model), bool)
        cols = np.where(cut, 0, cols)
        bids = mom.pick("bids", cols)
        spend = spend_quantile(mom, cols, zb, acct, paused)
        return Proposal(
            bids=bids,
            box=box,
            value_per_click=vpc,
            multiplier=w if c.objective == "profit" or binding else float("nan"),
            binding="+".join(binding) or "none",
            feasible=feasible,
            notes={
                "supported": supported | cut,
                "cut": cut,
                "cut_pause": paused,
                "p_loss": mom.p_loss_low,
                "free_bids": mom.pick("bids", free_cols),
                "spend_quantile": spend,
                "spend_mean": mom.spend(cols, ~paused)[0],
                # per keyword, mean spend per day at the bottom and top of its box (paused: 0)
                "spend_low": np.where(paused, 0.0, mom.pick("cost", 0)),
                "spend_high": np.where(paused, 0.0, mom.pick("cost", -1)),
            },
        )
