"""Options of the ROI models (``[sem]`` of ``config/default.toml``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RoiOptions:
    """Options of the ROI models. No defaults here: ``[sem]`` of ``config/default.toml`` is the
    one source (:meth:`from_settings`; ``fit_models`` without options reads it)."""

    margin: float
    interval: float
    shrinkage: float
    group_level_alpha: float
    landscape_weight: float
    min_clicks: int
    min_conversions: int
    draws: int
    seed: int
    recency_half_lives: tuple[float, ...]
    forecast_days: int
    chunk_keywords: int
    prior_keywords: int
    curve_window: float
    curve_extrapolation_sd: float
    elasticity_window_days: int

    @classmethod
    def from_settings(cls, settings: Any = None, **overrides: Any) -> RoiOptions:
        """From loaded settings (default: ``load_settings()``, i.e. default.toml and the
        project's searchops.toml as the CLI reads them); ``None`` overrides are ignored."""
        from searchops.settings import resolve_settings

        settings = resolve_settings(settings)
        sem = settings.sem
        base = {
            "margin": sem.margin,
            "interval": sem.interval,
            "shrinkage": sem.shrinkage,
            "group_level_alpha": sem.group_level_alpha,
            "landscape_weight": sem.landscape_weight,
            "min_clicks": sem.min_clicks,
            "min_conversions": sem.min_conversions,
            "draws": sem.bootstrap_draws,
            "seed": sem.seed,
            "recency_half_lives": tuple(sem.recency_half_lives_days),
            "forecast_days": sem.forecast_days,
            "chunk_keywords": sem.fit_chunk_keywords,
            "prior_keywords": sem.fit_prior_keywords,
            "curve_window": sem.curve_window,
            "curve_extrapolation_sd": sem.curve_extrapolation_sd,
            "elasticity_window_days": sem.elasticity_window_days,
        }
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)


def options_from_settings(settings: Any = None, **overrides: Any) -> RoiOptions:
    return RoiOptions.from_settings(settings, **overrides)
