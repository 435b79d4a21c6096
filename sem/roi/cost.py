"""Cost-per-click model: actual CPC as a share of the bid (``cpc_ratio``), shrunk toward the
category's."""

from __future__ import annotations

import numpy as np
import pandas as pd


def cpc_ratio(
    daily: pd.DataFrame, k_index: pd.Index, cat: np.ndarray, n_cat: int, shrinkage: float
) -> tuple[np.ndarray, np.ndarray]:
    """Actual CPC as a share of the max CPC bid, shrunk toward the category's with 20
    pseudo-clicks (about a week of a typical keyword)."""
    k = len(k_index)
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    ok = (pos >= 0) & np.isfinite(daily["cpc_bid"].to_numpy(float))
    pos = pos[ok]
    clicks = daily["clicks"].to_numpy(float)[ok]
    bid_clicks = np.bincount(pos, clicks * daily["cpc_bid"].to_numpy(float)[ok], minlength=k)
    cost = np.bincount(pos, daily["cost"].to_numpy(float)[ok], minlength=k)
    n = np.bincount(pos, clicks, minlength=k)
    ratio_c = np.full(n_cat, 0.8)
    sd_c = np.full(n_cat, 0.1)
    for c in range(n_cat):
        sel = (cat == c) & (bid_clicks > 0)
        if sel.sum() >= 3:
            ratio_c[c] = cost[sel].sum() / bid_clicks[sel].sum()
            sd_c[c] = max(float(np.std(cost[sel] / bid_clicks[sel])), 0.01)
    pseudo = 20.0 * shrinkage
    mean_bid = np.where(n > 0, bid_clicks / np.maximum(n, 1), 1.0)
    ratio = (cost + pseudo * ratio_c[cat] * mean_bid) / np.maximum(
        bid_clicks + pseudo * mean_bid, 1e-9
    )
    ratio = np.where((n > 0) | (pseudo > 0), ratio, ratio_c[cat])
    return ratio, sd_c[cat] / np.sqrt(1 + n / 20.0)
