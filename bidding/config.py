"""Settings models of the ``[bidding]`` and ``[coverage]`` sections of default.toml."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PolicyConfig(BaseModel):
    """Outer parameters of the bidding policy (tuned by ``searchops bid tune``)."""

    model_config = ConfigDict(extra="forbid")

    shrinkage: float = Field(ge=0)
    step_cap: float = Field(gt=0, le=1)
    min_clicks: int = Field(ge=0)
    exact_multiplier: float = Field(gt=0)
    phrase_multiplier: float = Field(gt=0)
    broad_multiplier: float = Field(gt=0)


class TuningConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    trials: int = Field(ge=1)
    folds: int = Field(ge=1)
    seed: int
    shrinkage_range: tuple[float, float]
    step_cap_range: tuple[float, float]
    min_clicks_range: tuple[int, int]
    segment_multiplier_range: tuple[float, float]
    constraint_tolerance: float = Field(ge=0, lt=1)


class TermsConfig(BaseModel):
    """``[bidding.terms]``: search-term mining (``searchops bid terms``)."""

    model_config = ConfigDict(extra="forbid")

    min_conversions: float = Field(gt=0)
    new_match_type: Literal["Exact", "Phrase", "Broad"]
    term_prior_clicks: float = Field(ge=0)
    group_prior_clicks: float = Field(ge=0)
    value_prior_conversions: float = Field(ge=0)
    negative_max_p: float = Field(gt=0, lt=1)
    negative_match_type: Literal["Negative Exact", "Negative Phrase"]
    keyword_max_chars: int = Field(ge=1)
    keyword_max_words: int = Field(ge=1)


class GuardrailsConfig(BaseModel):
    """``[bidding.guardrails]``: limits on status changes (pauses) per cycle."""

    model_config = ConfigDict(extra="forbid")

    max_pauses: int = Field(ge=0)
    max_pause_share: float = Field(ge=0, le=1)


class BiddingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_change: float = Field(gt=0, le=1)
    bid_floor: float = Field(gt=0)
    bid_ceiling: float = Field(gt=0)
    bid_step: float = Field(gt=0)
    min_clicks: int = Field(ge=0)
    max_cvr_interval_ratio: float = Field(gt=0)
    objective: Literal["profit", "value"]
    strategy: Literal["posterior", "exact", "target-roas-rule", "current"]
    response_curve: Literal["monotone", "power"]
    default_cpc_ratio: float = Field(gt=0, le=1)
    history_days: int = Field(ge=7)
    horizon_days: int = Field(ge=1)
    bisection_iterations: int = Field(ge=20)
    frontier_points: int = Field(ge=3)
    interval_level: float = Field(gt=0, lt=1)
    interval_draws: int = Field(ge=20)
    risk_quantile: float = Field(gt=0, le=0.5)
    min_move_gain: float = Field(ge=0)
    budget_confidence: float = Field(ge=0.5, lt=1)
    pause_probability: float = Field(gt=0.5, le=1)
    pause_min_clicks: int = Field(ge=0)
    stale_bid_days: int = Field(ge=0)
    block_increase_out_of_stock: bool
    block_increase_failed_landing: bool
    pause_out_of_stock: bool
    pause_failed_landing: bool
    policy: PolicyConfig
    guardrails: GuardrailsConfig
    tuning: TuningConfig
    terms: TermsConfig

    @model_validator(mode="after")
    def _floor_below_ceiling(self) -> BiddingConfig:
        if self.bid_floor >= self.bid_ceiling:
            raise ValueError("bid_floor must be below bid_ceiling")
        return self


class CoverageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    top_n: int = Field(ge=1)
    cvr_prior_clicks: float = Field(gt=0)
    default_clicks_per_day: float = Field(gt=0)
    default_cpc: float = Field(gt=0)
    horizon_days: int = Field(ge=1)
    interval_level: float = Field(gt=0, lt=1)
    keyword_words: list[str]
    keyword_match_types: list[Literal["Exact", "Phrase", "Modified", "Broad"]]
    headline_max: int = Field(ge=1)
    description_max: int = Field(ge=1)
