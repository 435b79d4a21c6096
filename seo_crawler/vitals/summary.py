"""Median, spread and 75th percentile per page and per template, rated against the
configured good / poor thresholds (pure functions of ``vitals.parquet`` rows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from seo_crawler.config import VitalsThreshold
from seo_crawler.vitals.schema import SUMMARY_METRICS

RATINGS = ("good", "ni", "poor")


def rate(value: float | None, threshold: VitalsThreshold | None) -> str | None:
    """good when value <= good, poor when value > poor, else ni (needs improvement)."""
    if threshold is None or value is None or np.isnan(value):
        return None
    if value <= threshold.good:
        return "good"
    return "poor" if value > threshold.poor else "ni"


def summarize(
    measurements: pd.DataFrame,
    thresholds: Mapping[str, VitalsThreshold],
    by: Sequence[str] = ("template",),
) -> pd.DataFrame:
    """One row per group and metric: p50 (median), p75, iqr (spread), n, rating of p75.

    Failed measurements (``error`` set) are left out; metrics a page never produced
    (INP without an interaction) have no row.
    """
    ok = measurements[measurements["error"].isna()] if "error" in measurements else measurements
    long = ok.melt(id_vars=list(by), value_vars=list(SUMMARY_METRICS), var_name="metric")
    long = long.dropna(subset=["value"])
    long["value"] = long["value"].astype(float)
    columns = [*by, "metric", "p50", "p75", "iqr", "n", "rating"]
    if long.empty:
        return pd.DataFrame(columns=columns)
    grouped = long.groupby([*by, "metric"], sort=True)["value"]
    out = pd.DataFrame(
        {
            "p50": grouped.median(),
            "p75": grouped.quantile(0.75),
            "iqr": grouped.quantile(0.75) - grouped.quantile(0.25),
            "n": grouped.size().astype("int64"),
        }
    ).reset_index()
    out["rating"] = [
        rate(v, thresholds.get(m)) for v, m in zip(out["p75"], out["metric"], strict=True)
    ]
    return out[columns]
