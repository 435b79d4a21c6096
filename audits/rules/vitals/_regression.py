"""Is a template slower than in the baseline? Two tests must agree, plus a floor.

A lab median moves between two runs of an unchanged site (machine load, network
jitter, GC), so a plain "median went up" would cry wolf every week. A template's
metric has regressed only when:

1. a one-sided Mann-Whitney U test (``scipy.stats.mannwhitneyu``: no normality
   assumption, robust to the long right tail of load times) says the current loads
   are stochastically larger, after Holm's correction over every template x metric
   tested in the comparison (``statsmodels.stats.multitest.multipletests``);
2. the lower bound of a bootstrap confidence interval (``scipy.stats.bootstrap``) of
   the median difference clears the minimum effect; and
3. the minimum effect is max(absolute floor of the metric, ratio x baseline median)
   (``[vitals.regression]``), so a significant but negligible change is not flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from seo_crawler.config import VitalsRegression

# Fixed so that auditing the same two runs twice gives the same intervals.
BOOTSTRAP_SEED = 20240401


@dataclass(frozen=True)
class Comparison:
    template: str
    metric: str
    n_current: int
    n_baseline: int
    baseline_median: float
    current_median: float
    p_value: float  # one-sided Mann-Whitney U, before correction
    ci_low: float  # bootstrap interval of median(current) - median(baseline)
    ci_high: float
    min_effect: float
    p_adjusted: float = float("nan")
    regressed: bool = False


def _median_difference(current: np.ndarray, baseline: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.median(current, axis=axis) - np.median(baseline, axis=axis)


def compare_samples(
    template: str,
    metric: str,
    current: np.ndarray,
    baseline: np.ndarray,
    floor: float,
    settings: VitalsRegression,
) -> Comparison:
    """The raw statistics of one template x metric (no multiple-testing correction)."""
    base_median = float(np.median(baseline))
    cur_median = float(np.median(current))
    if np.ptp(np.concatenate([current, baseline])) == 0:
        p_value = 1.0  # every load identical (a CLS of 0 everywhere): nothing changed
        low = high = 0.0
    else:
        p_value = float(stats.mannwhitneyu(current, baseline, alternative="greater").pvalue)
        interval = stats.bootstrap(
            (current, baseline),
            _median_difference,
            n_resamples=settings.bootstrap_resamples,
            confidence_level=settings.confidence,
            method="percentile",
            vectorized=True,
            rng=np.random.default_rng(BOOTSTRAP_SEED),
        ).confidence_interval
        low, high = float(interval.low), float(interval.high)
    return Comparison(
        template=template,
        metric=metric,
        n_current=len(current),
        n_baseline=len(baseline),
        baseline_median=base_median,
        current_median=cur_median,
        p_value=p_value,
        ci_low=low,
        ci_high=high,
        min_effect=max(floor, settings.min_effect_ratio * abs(base_median)),
    )


def compare_runs(
    current: pd.DataFrame, baseline: pd.DataFrame, settings: VitalsRegression
) -> list[Comparison]:
    """Every template x metric with enough loads on both sides, with the decision.

    ``current`` and ``baseline``: one row per successful load, columns ``template``,
    ``metric``, ``value`` (long format).
    """
    raw = []
    for (template, metric), now in current.groupby(["template", "metric"], sort=True):
        before = baseline[(baseline["template"] == template) & (baseline["metric"] == metric)]
        cur = now["value"].to_numpy(dtype=float)
        base = before["value"].to_numpy(dtype=float)
        if min(len(cur), len(base)) < settings.min_samples:
            continue
        floor = settings.min_effect[str(metric)]
        raw.append(compare_samples(str(template), str(metric), cur, base, floor, settings))
    if not raw:
        return []
    reject, adjusted, _, _ = multipletests([c.p_value for c in raw], settings.alpha, method="holm")
    return [
        Comparison(
            **{
                **c.__dict__,
                "p_adjusted": float(p),
                "regressed": bool(r) and c.ci_low >= c.min_effect,
            }
        )
        for c, p, r in zip(raw, adjusted, reject, strict=True)
    ]
