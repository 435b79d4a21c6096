"""Settings model of the ``[sem]`` section of default.toml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SemConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    margin: float = Field(ge=0, le=1)
    interval: float = Field(gt=0, lt=1)
    min_clicks: int = Field(ge=0)
    min_conversions: int = Field(ge=0)
    landscape_weight: float = Field(ge=0)
    bootstrap_draws: int = Field(ge=20)
    shrinkage: float = Field(ge=0)
    group_level_alpha: float = Field(gt=0, lt=1)
    seed: int
    recency_half_lives_days: list[float] = Field(min_length=0)
    forecast_days: int = Field(ge=7, le=91)
    fit_chunk_keywords: int = Field(ge=1)
    fit_prior_keywords: int = Field(ge=1)
    curve_window: float = Field(gt=0, lt=1)
    curve_extrapolation_sd: float = Field(ge=0)
    elasticity_window_days: int = Field(ge=1)
    api_retries: int = Field(ge=0)
    api_backoff_s: float = Field(ge=0)
    api_backoff_max_s: float = Field(ge=0)
    change_history_days: int = Field(ge=1, le=30)
    change_event_limit: int = Field(ge=1, le=10_000)
    conversion_lag_lookback_days: int = Field(ge=14, le=90)
    conversion_lag_min_completeness: float = Field(gt=0, le=1)
