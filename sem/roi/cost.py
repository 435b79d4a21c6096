"""Cost-per-click model: actual CPC as a share of the bid (``cpc_ratio``), shrunk toward the
category's, and how CPC moves with the bid (``cpc_exponent``: ``cpc ~ bid ** gamma``,
estimated from cost / clicks at each observed bid level and the bid landscapes' cost points,
not proportional by assumption)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sem.roi.data import by_keyword_blocks
from sem.roi.draws import KeywordDraws
from sem.roi.monotone import Slopes, local_slopes
from sem.roi.options import RoiOptions
from sem.roi.pooling import shrink_normal
from sem.roi.shared import account_wide

# (keyword, log bid, clicks, log CPC) per (keyword, bid level), and the pooled log CPC variance
CpcLevels = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]


def cpc_ratio(
    daily: pd.DataFrame, k_index: pd.Index, cat: np.ndarray, n_cat: int, shrinkage: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Actual CPC as a share of the max CPC bid, shrunk toward the category's with 20
    pseudo-clicks (about a week of a typical keyword): (ratio, its sd, the clicks-weighted
    mean bid it was measured at; NaN without clicks)."""
    k = len(k_index)
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    ok = (pos >= 0) & np.isfinite(daily["cpc_bid"].to_numpy(float))
    pos = pos[ok]
    clicks = daily["clicks"].to_numpy(float)[ok]
    bid_clicks = np.bincount(pos, clicks * daily["cpc_bid"].to_numpy(float)[ok], minlength=k)
    cost = np.bincount(pos, daily["cost"].to_numpy(float)[ok], minlength=k)
    n = np.bincount(pos, clicks, minlength=k)

    def category_ratios() -> tuple[np.ndarray, np.ndarray]:
        ratio_c = np.full(n_cat, 0.8)
        sd_c = np.full(n_cat, 0.1)
        for c in range(n_cat):
            sel = (cat == c) & (bid_clicks > 0)
            if sel.sum() >= 3:
                ratio_c[c] = cost[sel].sum() / bid_clicks[sel].sum()
                sd_c[c] = max(float(np.std(cost[sel] / bid_clicks[sel])), 0.01)
        return ratio_c, sd_c

    ratio_c, sd_c = account_wide("cost.category_ratio", category_ratios)
    pseudo = 20.0 * shrinkage
    mean_bid = np.where(n > 0, bid_clicks / np.maximum(n, 1), 1.0)
    ratio = (cost + pseudo * ratio_c[cat] * mean_bid) / np.maximum(
        bid_clicks + pseudo * mean_bid, 1e-9
    )
    ratio = np.where((n > 0) | (pseudo > 0), ratio, ratio_c[cat])
    return ratio, sd_c[cat] / np.sqrt(1 + n / 20.0), np.where(n > 0, mean_bid, np.nan)


def cpc_exponent(
    daily: pd.DataFrame,
    landscape: pd.DataFrame,
    k_index: pd.Index,
    cat: np.ndarray,
    n_cat: int,
    shrinkage: float,
    landscape_weight: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, float]], CpcLevels]:
    """How CPC moves with the bid, ``cpc ~ bid ** gamma``, from the data: per keyword, a
    clicks-weighted least-squares line of log(cost / clicks) on log bid over its bid levels
    (daily history, plus bid-landscape cost points weighted by ``landscape_weight``), shrunk
    toward its category's with a random-effects meta-analysis.

    A second-price auction charges what keeps the ad's rank, which moves less than the bid:
    ``gamma`` is often well below 1 (a proportional CPC is ``gamma = 1``). A keyword whose
    history has one bid level cannot identify its slope: it gets its category's (similar
    keywords'), and ``own`` is False. The standard error uses the per-click log CPC spread
    measured within bid levels, pooled over the account.

    Returns (gamma, its posterior sd, own, the category priors, the levels: keyword, log bid,
    clicks, log CPC per (keyword, bid level) and the pooled per-click log CPC variance)."""
    # A block of keywords at a time (memory: the per-row arrays of one block).
    parts = [
        part
        for _, part in by_keyword_blocks(
            lambda rows, ks: _level_lines(rows, landscape, ks, landscape_weight), daily, k_index
        )
    ]
    sxx = np.concatenate([part[0] for part in parts])
    sxy = np.concatenate([part[1] for part in parts])
    # each level's (keyword, log bid, clicks, log CPC), keyword positions account-wide
    starts = np.cumsum([0] + [len(part[0]) for part in parts[:-1]])
    k_j, lx, n_j, ly = (
        np.concatenate([part[4][i] + (start if i == 0 else 0) for part, start in
                        zip(parts, starts, strict=True)])
        for i in range(4)
    )  # fmt: skip
    # Within a bid level a day's log CPC varies by about sigma^2 / clicks: pooled sigma^2.
    sigma2 = account_wide(
        "cost.log_cpc_variance",
        lambda: _pooled_variance(sum(p[2] for p in parts), sum(p[3] for p in parts)),
    )
    own = sxx > 1e-6
    est = np.where(own, sxy / np.where(own, sxx, 1.0), np.nan)
    se = np.where(own, np.sqrt(sigma2 / np.where(own, sxx, 1.0)), np.inf)
    gamma, sd, prior = shrink_normal(est, se, cat, n_cat, shrinkage, informative_se=0.3)
    return np.clip(gamma, 0.05, 1.5), sd, own, prior, (k_j, lx, n_j, ly, float(sigma2))


def cpc_slopes(
    levels: CpcLevels, current_bid: np.ndarray, prior: tuple[np.ndarray, np.ndarray],
    opts: RoiOptions, k_index: pd.Index,
) -> Slopes:  # fmt: skip
    """How CPC moves below and above today's bid, from cost / clicks at each observed bid level
    (``levels`` from :func:`cpc_exponent`): a second-price CPC is a staircase too, jumping when
    the bid passes a competitor's and staying put between. The monotone curve of
    :mod:`sem.roi.monotone` over the levels, the category's ``cpc_exponent`` prior past them
    (``k_index``: the keywords' ids, whose draws the curve's are)."""
    k_j, lx, n_j, ly, sigma2 = levels
    return local_slopes(
        k_j,
        np.exp(lx),
        ly,
        sigma2 / n_j,
        current_bid,
        opts.curve_window,
        prior,
        KeywordDraws(k_index, opts.seed, "cpc_slopes"),
        opts.curve_extrapolation_sd,
    )


def _level_lines(
    daily: pd.DataFrame, landscape: pd.DataFrame, k_index: pd.Index, landscape_weight: float
) -> tuple[np.ndarray, np.ndarray, float, float, tuple[np.ndarray, ...]]:
    """These keywords' clicks-weighted sums of squares ``sxx`` and products ``sxy`` of log CPC
    on log bid over their bid levels, the within-level log CPC variance's sum and degrees
    of freedom (:func:`_log_cpc_variance`, daily rows only), and the levels (keyword position
    in this block, log bid, clicks, log CPC)."""
    k = len(k_index)
    parts = []
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    bid = daily["cpc_bid"].to_numpy(float)
    clicks = daily["clicks"].to_numpy(float)
    cost = daily["cost"].to_numpy(float)
    ok = (pos >= 0) & np.isfinite(bid) & (bid > 0) & (clicks > 0) & (cost > 0)
    parts.append((pos[ok], bid[ok], clicks[ok], cost[ok]))
    del pos, bid, clicks, cost, ok
    within, dof = _log_cpc_variance(*parts[0])
    if landscape_weight > 0 and not landscape.empty and "cost" in landscape.columns:
        lpos = k_index.get_indexer(pd.Index(landscape["criterion_id"].to_numpy()))
        lbid = landscape["cpc_bid"].to_numpy(float)
        lclicks = landscape_weight * landscape["clicks"].to_numpy(float)
        lcost = landscape_weight * landscape["cost"].to_numpy(float)
        lok = (lpos >= 0) & np.isfinite(lbid) & (lbid > 0) & (lclicks > 0) & (lcost > 0)
        parts.append((lpos[lok], lbid[lok], lclicks[lok], lcost[lok]))
    p = np.concatenate([x[0] for x in parts]).astype(np.int64)
    b = np.concatenate([x[1] for x in parts])
    n = np.concatenate([x[2] for x in parts])
    c = np.concatenate([x[3] for x in parts])
    del parts
    key = p * 10**10 + np.rint(b * 1e4).astype(np.int64)
    del p, b
    levels, group = np.unique(key, return_inverse=True)
    n_j = np.bincount(group, n, minlength=len(levels))
    c_j = np.bincount(group, c, minlength=len(levels))
    k_j = levels // 10**10
    lx = np.log((levels % 10**10) / 1e4)
    ly = np.log(c_j / n_j)
    w = np.bincount(k_j, n_j, minlength=k)
    mx = np.bincount(k_j, n_j * lx, minlength=k) / np.maximum(w, 1e-300)
    my = np.bincount(k_j, n_j * ly, minlength=k) / np.maximum(w, 1e-300)
    dx = lx - mx[k_j]
    sxx = np.bincount(k_j, n_j * dx * dx, minlength=k)
    sxy = np.bincount(k_j, n_j * dx * (ly - my[k_j]), minlength=k)
    return sxx, sxy, within, dof, (k_j, lx, n_j, ly)


def _pooled_variance(within: float, dof: float) -> float:
    """Per-click variance of log CPC within (keyword, bid) levels: a day's log CPC over ``c``
    clicks varies by about ``sigma^2 / c``; 0.05 (a ~22% spread) when too few levels repeat."""
    if dof < 20:
        return 0.05
    return within / dof


def _log_cpc_variance(
    pos: np.ndarray, bid: np.ndarray, clicks: np.ndarray, cost: np.ndarray
) -> tuple[float, float]:
    """(sum of clicks x squared deviation of log CPC from its (keyword, bid) level's mean,
    degrees of freedom: days beyond the first of each level)."""
    if pos.size == 0:
        return 0.0, 0.0
    key = pos.astype(np.int64) * 10**10 + np.rint(bid * 1e4).astype(np.int64)
    _, group = np.unique(key, return_inverse=True)
    y = np.log(cost / clicks)
    weight = np.bincount(group, clicks)
    mean = np.bincount(group, clicks * y) / np.maximum(weight, 1e-300)
    days = np.bincount(group)
    dof = float(np.maximum(days - 1, 0).sum())
    return float(np.sum(clicks * (y - mean[group]) ** 2)), dof
