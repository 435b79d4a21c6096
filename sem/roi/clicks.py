"""Click model: clicks/day at bid ``x`` is ``min(click_ceiling, a * x ** b)``.

Each keyword's elasticity ``b`` is the conditional (keyword fixed-effect) Poisson MLE over its
bid levels, daily history plus bid-landscape points (weighted by ``landscape_weight``), with
weekday seasonality as exposure; it is then shrunk toward its category's mean with a
random-effects meta-analysis, so sparse keywords borrow strength. Given ``b``, the scale ``a``
is the volume posterior at the keyword's reference bid (:mod:`sem.roi.volume`). The ceiling
comes from landscapes that flatten out (else inf).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sem.roi.data import (
    bid_groups,
    exposure_start,
    history_window,
    keyword_blocks,
    missing_exposure,
)
from sem.roi.draws import KeywordDraws
from sem.roi.drift import Recency, fit_recency
from sem.roi.elasticity import elasticity_from_moves, levels_confounded, shrink_elasticity
from sem.roi.monotone import Slopes, category_prior, local_slopes, rate_levels
from sem.roi.options import RoiOptions
from sem.roi.pooling import MIN_PRIOR_KEYWORDS, shrink_normal
from sem.roi.shared import account_wide
from sem.roi.volume import joint_volume_posterior, volume_covariates, volume_posterior

# Bid moves (sem/roi/clicks.py bid_move_misfit): days compared on each side of a move (a week
# holds the weekday cycle), clicks needed on each side (log ratio about normal, count noise
# about 1/clicks), pairs needed on each of moves and controls, keyword-days per block.
_MOVE_DAYS = 7
_MISFIT_MIN_CLICKS = 5.0
_MISFIT_MIN_PAIRS = 20
_MISFIT_CHUNK = 2_000_000


@dataclass(frozen=True)
class ClickFit:
    """Each keyword's click curve and its uncertainty (arrays in keyword order)."""

    a: np.ndarray
    a_se: np.ndarray
    elasticity: np.ndarray
    elasticity_se: np.ndarray
    elasticity_raw: np.ndarray
    ceiling: np.ndarray
    clicks_lo: np.ndarray  # interval at the current bid (before capping by the point forecast)
    clicks_hi: np.ndarray
    log_sd: np.ndarray  # posterior sd of log clicks/day at the current bid
    bid_levels: np.ndarray  # (keyword, bid) observation groups per keyword
    diagnostics: dict[str, Any]
    phi: np.ndarray  # day-to-day dispersion of clicks (1 = Poisson)
    drift_var: np.ndarray | float  # log variance of the forecast window's rate beyond the posterior
    slopes: Slopes  # the monotone curve's slopes below and above today's bid (sem.roi.monotone)


def fit_clicks(
    daily: pd.DataFrame,
    landscape: pd.DataFrame,
    kw: pd.DataFrame,
    k_index: pd.Index,
    cat_codes: np.ndarray,
    n_cat: int,
    season: np.ndarray,
    totals: dict[str, np.ndarray],
    opts: RoiOptions,
    since: date | None,
    until: date | None,
) -> ClickFit:
    """Fit every keyword's click curve on the daily history and bid landscapes."""
    k = len(kw)
    current_bid = kw["cpc_bid"].to_numpy(float)
    groups = bid_groups(daily, landscape, k_index, current_bid, season, opts.landscape_weight)
    # Observations above a landscape's ceiling carry no information about the slope.
    ceiling_bid, ceiling = _landscape_ceiling(landscape, k_index)
    below = groups["bid"] <= ceiling_bid[groups["k"]] * 1.0001
    groups = {name: values[below] for name, values in groups.items()}

    # Two estimates of each keyword's slope: across all its bid levels (efficient while the
    # searches hold still) and from what each bid move changed (sem/roi/elasticity.py: drift
    # and seasons cancel). Where they disagree beyond their noise, the levels were reading the
    # searches' drift as bid response (issue 18: at 420 days the levels' fit ran into its clip
    # of 3), and the moves are used.
    b_raw, b_raw_se = _elasticity_mle(groups, k)
    dispersion = account_wide("clicks.dispersion", lambda: _click_dispersion(groups, b_raw, k))
    b_raw_se = b_raw_se * math.sqrt(max(dispersion, 1.0))
    b_move, b_move_se, moves_report = elasticity_from_moves(
        daily, landscape, k_index, season, ceiling_bid, opts.landscape_weight,
        opts.elasticity_window_days, since, until,
    )  # fmt: skip
    confounded, test = account_wide(
        "clicks.levels_confounded", lambda: levels_confounded(b_raw, b_raw_se, b_move, b_move_se)
    )
    moves_report = moves_report | test | {"used": confounded}
    if confounded:
        b_raw, b_raw_se = b_move, b_move_se
        # toward similar keywords', the spread between them integrated over (barely
        # identified when each keyword's moves say little)
        b, b_se, elast_prior = shrink_elasticity(b_raw, b_raw_se, cat_codes, n_cat, opts.shrinkage)
    else:
        b, b_se, elast_prior = shrink_normal(
            b_raw, b_raw_se, cat_codes, n_cat, opts.shrinkage, informative_se=0.3
        )
    b = np.clip(b, 0.05, 3.0)

    # Days of the window without a row had no impression (Google's reports omit them): they
    # are zero-click exposure, most of a long-tail keyword's history. Without them a sparse
    # keyword's rate is clicks per day *with impressions*, several times its real rate.
    x_ref = _reference_bid(groups, k, current_bid)
    missing = missing_exposure(daily, k_index, season, since, until)
    # Impressions say how often the keyword is shown, clicks or not: the prior is conditional
    # on them (a zero-click keyword shown daily is not a keyword never shown).
    impressions_per_day = (totals["impressions"] + 0.5) / np.maximum(totals["days"] + missing, 1.0)
    y_k = np.bincount(groups["k"], groups["y"], minlength=k).astype(float)
    s_k = (
        np.bincount(
            groups["k"],
            groups["e"] * (groups["bid"] / x_ref[groups["k"]]) ** b[groups["k"]],
            minlength=k,
        )
        + missing
    )
    landscape_var, bias_var = _landscape_bias_variance(
        landscape, k_index, x_ref, b, ceiling_bid, opts.landscape_weight, y_k, s_k
    )
    i_k = np.bincount(groups["k"], groups["impressions"], minlength=k).astype(float)
    recency = _recency(
        daily, k_index, season, x_ref, b, ceiling_bid, current_bid, opts, since, until
    )
    drift_var: np.ndarray | float = 0.0
    if recency is None:
        if dispersion > 1:  # quasi-Poisson: extra-Poisson noise makes each click worth less
            y_k, s_k, i_k = y_k / dispersion, s_k / dispersion, i_k / dispersion
    else:
        if recency.weighted:  # the daily history's part, recent weeks weighing more
            y_k = np.maximum(y_k - recency.clicks_total + recency.clicks_weighted, 0.0)
            s_k = np.maximum(s_k - recency.exposure_total + recency.exposure_weighted, 1e-12)
            i_k = np.maximum(i_k - recency.impressions_total + recency.impressions_weighted, 0.0)
        # Day-to-day overdispersion (quasi-likelihood): a noisy day is worth less.
        phi = recency.phi
        if (phi > 1).any():
            y_k, s_k, i_k = y_k / phi, s_k / phi, i_k / phi
        drift_var = recency.drift_var
    if i_k.sum() > 0 and np.all(i_k >= y_k - 1e-6):
        # Impressions reported: clicks/day = impressions/day x CTR, each with its own
        # posterior (the likelihood factorizes: impressions ~ Poisson, clicks | impressions ~
        # binomial). A zero-click keyword's few impressions are then data on its volume, not
        # a noisy covariate of it.
        volume = joint_volume_posterior(y_k, s_k, i_k, kw, cat_codes, n_cat, x_ref, opts)
    else:  # impressions incomplete (an import without them): clicks alone
        known = bool(np.isfinite(totals["impressions"]).all() and totals["impressions"].sum() > 0)
        volume = volume_posterior(
            y_k,
            s_k,
            volume_covariates(kw, cat_codes, n_cat, x_ref, impressions_per_day if known else None),
            totals["impressions"] if known else np.full(k, np.inf),  # inf: no count spread
            opts,
            seed=opts.seed,
            groups=kw["ad_group_id"].to_numpy(),
        )
    # Clicks/day at the current bid: log c = u + b * log(x / x_ref), b's uncertainty added.
    shift = np.log(np.where(current_bid > 0, current_bid, x_ref) / x_ref)
    # A power curve is not the auction's shape (position steps, a reserve price): what the
    # account's own bid moves did beyond it, per squared log bid step, widens a forecast away
    # from the bids the volume was measured at.
    phi_k = recency.phi if recency is not None else np.ones(k)
    misfit, misfit_report = account_wide(
        "clicks.bid_move_misfit",
        lambda: bid_move_misfit(daily, k_index, b, phi_k, since, until),
    )
    # The drift: how far the forecast window's rate moves from the posterior's.
    log_sd = np.sqrt(
        volume["var"] + (shift * b_se) ** 2 + misfit * shift**2 + landscape_var + drift_var
    )
    widen = log_sd / np.sqrt(np.maximum(volume["var"], 1e-300))
    centre = volume["log_mean"] + b * shift
    # A ceiling is read off the simulations' flat part: it carries their bias too.
    z = stats.norm.ppf((1 + opts.interval) / 2)
    ceiling_sd = math.sqrt(bias_var)
    clicks_lo = np.minimum(
        ceiling * math.exp(-z * ceiling_sd),
        np.exp(centre + (volume["log_lo"] - volume["log_mean"]) * widen),
    )
    clicks_hi = np.minimum(
        ceiling * math.exp(z * ceiling_sd),
        np.exp(centre + (volume["log_hi"] - volume["log_mean"]) * widen),
    )
    a = volume["mean"] / x_ref**b
    # The curve the bids are chosen on: monotone over the observed levels, flat or stepped,
    # the power curve's category prior only past them (sem/roi/monotone.py). The levels are
    # clicks per day, where the response is: a higher bid buys impressions (auctions won,
    # impression share) as well as click-through (position); on the demo account all of it is
    # impressions, and click-through levels saw no response at all. Where the levels were found
    # confounded with the searches' drift (above) and impressions are reported, they are
    # click-through rates instead: the drift, which swamps a 20% bid step between levels weeks
    # apart, cancels in clicks / impressions (the impressions a bid gains or loses are then not
    # measured across levels: below the lowest level and above the highest the prior holds).
    # Clicks per day carry the drift in each level's variance.
    kk = groups["k"]
    phi_g = phi_k[kk]  # quasi-Poisson: a noisy day is worth less
    with_imp = groups["impressions"] >= np.maximum(groups["y"], 1e-9)
    ctr_kw = (np.bincount(kk, ~with_imp, minlength=k) == 0) & confounded
    use_ctr = ctr_kw[kk]
    level_mean, level_var = rate_levels(
        kk,
        np.where(use_ctr, groups["y"], groups["y"] / phi_g),
        np.where(use_ctr, groups["impressions"], groups["e"] / phi_g),
        k,
    )
    drift_k = np.broadcast_to(np.asarray(drift_var, float), (k,))
    level_var = level_var + np.where(use_ctr, 0.0, drift_k[kk])
    slopes = local_slopes(
        kk,
        groups["bid"],
        level_mean,
        level_var,
        current_bid,
        opts.curve_window,
        category_prior(elast_prior, cat_codes),
        KeywordDraws(kw["criterion_id"], opts.seed, "click_slopes"),
        opts.curve_extrapolation_sd,
    )
    return ClickFit(
        a=a,
        a_se=volume["sd"] / x_ref**b,
        elasticity=b,
        elasticity_se=b_se,
        elasticity_raw=b_raw,
        ceiling=ceiling,
        clicks_lo=clicks_lo,
        clicks_hi=clicks_hi,
        log_sd=log_sd,
        bid_levels=np.bincount(groups["k"], minlength=k),
        diagnostics={
            "clicks": _click_diagnostics(groups, a, b, k) | {"dispersion": dispersion},
            "elasticity_prior": elast_prior,
            "volume_prior": volume["prior"],
            "recency": recency.diagnostics if recency is not None else None,
            "bid_move_misfit": misfit_report,
            "elasticity_moves": moves_report,
        },
        phi=recency.phi if recency is not None else np.full(k, max(dispersion, 1.0)),
        drift_var=drift_var,
        slopes=slopes,
    )


def _recency(
    daily: pd.DataFrame,
    k_index: pd.Index,
    season: np.ndarray,
    x_ref: np.ndarray,
    b: np.ndarray,
    ceiling_bid: np.ndarray,
    current_bid: np.ndarray,
    opts: RoiOptions,
    since: date | None,
    until: date | None,
) -> Recency | None:
    """Recency weights, day dispersion and drift (:mod:`sem.roi.drift`); None without two
    weeks of daily history (the bid-level dispersion stands in)."""
    if daily.empty:
        return None
    window = history_window(daily, since, until)
    if window[1] < 14:
        return None
    start = exposure_start(daily, k_index, window)
    return fit_recency(
        daily,
        k_index,
        season,
        (x_ref, b, ceiling_bid, current_bid),
        start,
        window,
        opts.recency_half_lives,
        opts.forecast_days,
    )


def bid_move_misfit(
    daily: pd.DataFrame,
    k_index: pd.Index,
    b: np.ndarray,
    phi: np.ndarray,
    since: date | None = None,
    until: date | None = None,
) -> tuple[float, dict[str, Any]]:
    """Variance of log clicks/day that a bid move adds beyond the fitted curve, per squared
    log bid step (``kappa``; 0 unless significant), from the history's own bid moves.

    At each day a keyword's bid changed, with the same bid the ``_MOVE_DAYS`` days before
    and after, the log ratio of the two spans' clicks is compared with the curve's
    ``b * log(new / old)``; spans of the same keywords without a move (control points every
    ``2 * _MOVE_DAYS`` days where the bid held) measure what drift, day noise and counts do
    alone. ``kappa`` = (mean squared move residual - controls') / mean squared log step:
    a staircase of ad positions or a reserve price makes it large, a true power curve ~0.
    """
    report: dict[str, Any] = {"moves": 0, "controls": 0, "kappa": 0.0}
    if daily.empty:
        return 0.0, report
    first_day, n_days = history_window(daily, since, until)
    if n_days < 2 * _MOVE_DAYS:
        return 0.0, report
    moves: list[np.ndarray] = []
    controls: list[np.ndarray] = []
    # A block of keywords at a time (memory): pairs come in keyword order either way.
    for ks, rows in keyword_blocks(daily, k_index):
        _move_pairs(rows, k_index[ks], b[ks], phi[ks], (first_day, n_days), moves, controls)
    if not moves:  # no keyword's bid moved (or no day with a known bid: no Max CPC)
        return 0.0, report
    m, c = np.concatenate(moves, axis=1), np.concatenate(controls, axis=1)
    report.update(moves=int(m.shape[1]), controls=int(c.shape[1]))
    if m.shape[1] < _MISFIT_MIN_PAIRS or c.shape[1] < _MISFIT_MIN_PAIRS:
        return 0.0, report
    excess = float(m[0].mean() - c[0].mean())
    se = math.sqrt(m[0].var(ddof=1) / m.shape[1] + c[0].var(ddof=1) / c.shape[1])
    step2 = float(m[1].mean())
    kappa = excess / step2 if excess > 2 * se and step2 > 0 else 0.0
    report.update(kappa=kappa, excess_log_var=excess, se=se, mean_squared_log_step=step2)
    return kappa, report


def _move_pairs(
    daily: pd.DataFrame,
    k_index: pd.Index,
    b: np.ndarray,
    phi: np.ndarray,
    window: tuple[pd.Timestamp, int],
    moves: list[np.ndarray],
    controls: list[np.ndarray],
) -> None:
    """Append the move and control span pairs (:func:`_span_pairs`) of these keywords."""
    first_day, n_days = window
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    day = (daily["date"] - first_day).dt.days.to_numpy()
    bid = daily["cpc_bid"].to_numpy(float)
    ok = (pos >= 0) & (day >= 0) & (day < n_days) & np.isfinite(bid) & (bid > 0)
    pos, day, bid = pos[ok], day[ok], bid[ok]
    if pos.size < 2:  # no day with a known bid (a daily report without Max CPC): no move
        return
    clicks = daily["clicks"].to_numpy(float)[ok]
    order = np.lexsort((day, pos))
    pos, day, bid, clicks = pos[order], day[order], bid[order], clicks[order]
    changed = np.r_[False, (pos[1:] == pos[:-1]) & ~np.isclose(bid[1:], bid[:-1])]
    movers = np.unique(pos[changed])
    if movers.size == 0:
        return
    step = max(1, _MISFIT_CHUNK // n_days)
    for begin in range(0, movers.size, step):
        chunk = movers[begin : begin + step]
        # rows are sorted by keyword: the chunk's are one slice of them
        first = int(np.searchsorted(pos, chunk[0], side="left"))
        last = int(np.searchsorted(pos, chunk[-1], side="right"))
        rows = np.arange(first, last)
        rows = rows[np.isin(pos[rows], chunk)]
        row_of = np.searchsorted(chunk, pos[rows])
        # keyword x day: clicks (0 on days without a row), bid carried forward over gaps
        y = np.zeros((chunk.size, n_days))
        np.add.at(y, (row_of, day[rows]), clicks[rows])
        x = np.full((chunk.size, n_days), np.nan)
        x[row_of, day[rows]] = bid[rows]
        x = pd.DataFrame(x.T).ffill().to_numpy().T
        moves.append(_span_pairs(y, x, b[chunk], phi[chunk], move=True))
        controls.append(_span_pairs(y, x, b[chunk], phi[chunk], move=False))


def _span_pairs(
    y: np.ndarray, x: np.ndarray, b: np.ndarray, phi: np.ndarray, move: bool
) -> np.ndarray:
    """(squared residual beyond count noise, squared log step) of each pair of
    ``_MOVE_DAYS``-day spans around a bid change (``move``) or a control point, both spans at
    one bid each, with enough clicks for the log ratio to be about normal."""
    n = _MOVE_DAYS
    days = y.shape[1]
    cum = np.concatenate([np.zeros((len(y), 1)), np.cumsum(y, axis=1)], axis=1)
    # the bid is constant over [t - n, t) and over [t, t + n)
    same = np.isclose(x[:, 1:], x[:, :-1]) | (np.isnan(x[:, 1:]) & np.isnan(x[:, :-1]))
    run = np.concatenate([np.zeros((len(y), 1), int), np.cumsum(~same, axis=1)], axis=1)
    t = np.arange(n, days - n + 1)
    before_flat = run[:, t - 1] == run[:, t - n]
    after_flat = run[:, t + n - 1] == run[:, t]
    at = before_flat & after_flat & np.isfinite(x[:, t - 1]) & np.isfinite(x[:, t])
    if move:
        at &= ~np.isclose(x[:, t], x[:, t - 1])
    else:  # control points every 2n days where the bid held over both spans
        at &= np.isclose(x[:, t], x[:, t - 1]) & ((t - n) % (2 * n) == 0)[None, :]
    kk, j = np.nonzero(at)
    tt = t[j]
    y0 = cum[kk, tt] - cum[kk, tt - n]
    y1 = cum[kk, tt + n] - cum[kk, tt]
    enough = (y0 >= _MISFIT_MIN_CLICKS) & (y1 >= _MISFIT_MIN_CLICKS)
    kk, tt, y0, y1 = kk[enough], tt[enough], y0[enough], y1[enough]
    d = np.log(x[kk, tt] / x[kk, tt - 1])
    r = np.log(y1 / y0) - b[kk] * d
    noise = phi[kk] * (1 / y0 + 1 / y1)
    return np.vstack([r**2 - noise, d**2])


def _elasticity_mle(groups: dict[str, np.ndarray], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-keyword conditional Poisson MLE of the elasticity (Newton, vectorized).

    With a free scale per keyword, the scale's MLE given ``b`` is closed-form, leaving a
    one-dimensional concave likelihood in ``b`` per keyword; statsmodels would need one
    GLM per keyword (10^5 fits), so the Newton steps are written out in numpy here.
    """
    kk, y, e = groups["k"], groups["y"], groups["e"]
    logx = np.log(groups["bid"])
    center = np.bincount(kk, e * logx, minlength=k) / np.maximum(
        np.bincount(kk, e, minlength=k), 1e-12
    )
    x = logx - center[kk]
    y_k = np.bincount(kk, y, minlength=k)
    sxy = np.bincount(kk, y * x, minlength=k)
    b: np.ndarray = np.full(k, 0.8)
    info: np.ndarray = np.zeros(k)
    for _ in range(30):
        w = e * np.exp(np.clip(b[kk] * x, -30, 30))
        sw = np.maximum(np.bincount(kk, w, minlength=k), 1e-300)
        mean_x = np.bincount(kk, w * x, minlength=k) / sw
        var_x = np.bincount(kk, w * x * x, minlength=k) / sw - mean_x**2
        score = sxy - y_k * mean_x
        info = y_k * np.maximum(var_x, 0)
        step = np.where(info > 1e-9, score / np.maximum(info, 1e-9), 0.0)
        b = np.clip(b + np.clip(step, -1, 1), -2.0, 5.0)
        if np.max(np.abs(step)) < 1e-6:
            break
    se = np.where(info > 1e-9, 1 / np.sqrt(np.maximum(info, 1e-9)), np.inf)
    return np.where(np.isfinite(se), b, np.nan), se


def _click_dispersion(groups: dict[str, np.ndarray], b: np.ndarray, k: int) -> float:
    """Pearson dispersion of the per-keyword power fits (>1: extra-Poisson noise)."""
    mu = _group_means(groups, np.nan_to_num(b, nan=0.0), k)
    kk = groups["k"]
    informative = np.isfinite(b[kk]) & (mu > 0)
    if informative.sum() < 10:
        return 1.0
    n_groups = informative.sum()
    n_params = 2 * np.unique(kk[informative]).size
    chi2 = ((groups["y"][informative] - mu[informative]) ** 2 / mu[informative]).sum()
    return float(chi2 / max(n_groups - n_params, 1))


def _group_means(groups: dict[str, np.ndarray], b: np.ndarray, k: int) -> np.ndarray:
    kk = groups["k"]
    curve = groups["e"] * groups["bid"] ** b[kk]
    a = np.bincount(kk, groups["y"], minlength=k) / np.maximum(
        np.bincount(kk, curve, minlength=k), 1e-300
    )
    return a[kk] * curve


def _reference_bid(groups: dict[str, np.ndarray], k: int, current_bid: np.ndarray) -> np.ndarray:
    """Each keyword's exposure-weighted geometric mean bid: where its volume is measured."""
    kk, e = groups["k"], groups["e"]
    weight = np.bincount(kk, e, minlength=k)
    log_mean = np.bincount(kk, e * np.log(groups["bid"]), minlength=k) / np.maximum(weight, 1e-300)
    fallback = np.where(np.isfinite(current_bid) & (current_bid > 0), current_bid, np.nan)
    median = account_wide(
        "clicks.median_bid",
        lambda: float(np.nanmedian(fallback)) if np.isfinite(fallback).any() else 1.0,
    )
    fallback = np.where(np.isfinite(fallback), fallback, median)
    return np.where(weight > 0, np.exp(log_mean), fallback)


def _landscape_ceiling(landscape: pd.DataFrame, k_index: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """(bid, clicks/day) where each keyword's bid landscape stops rising: the ceiling.

    Per keyword, the landscape (bid, clicks) points on log scales are split into a rising
    power part (the first ``j`` points, a line) and a flat part (a constant); the split with
    the best AIC wins, "no ceiling" included. A few points per keyword make this a small
    exhaustive search, vectorized over keywords with padded arrays. inf where none is found.
    """
    k = len(k_index)
    ceiling_bid, ceiling = np.full(k, np.inf), np.full(k, np.inf)
    if landscape.empty:
        return ceiling_bid, ceiling
    pts = landscape.assign(k=k_index.get_indexer(pd.Index(landscape["criterion_id"])))
    pts = pts[(pts["k"] >= 0) & (pts["clicks"] > 0) & (pts["cpc_bid"] > 0)]
    pts = pts.sort_values(["k", "cpc_bid"])
    if pts.empty:
        return ceiling_bid, ceiling
    span = (pts["end_date"] - pts["start_date"]).dt.days.to_numpy() + 1
    keys, pos = np.unique(pts["k"].to_numpy(), return_inverse=True)
    slot = pts.groupby("k").cumcount().to_numpy()
    m = int(slot.max()) + 1
    x = np.full((len(keys), m), np.nan)
    y = np.full((len(keys), m), np.nan)
    x[pos, slot] = np.log(pts["cpc_bid"].to_numpy(float))
    y[pos, slot] = np.log(pts["clicks"].to_numpy(float) / span)
    n = np.sum(~np.isnan(x), axis=1)
    best_aic = np.full(len(keys), np.inf)
    best_j = n.copy()
    for j in range(3, m + 1):
        rising = np.arange(m) < j
        xr, yr = np.where(rising, x, np.nan), np.where(rising, y, np.nan)
        mx, my = np.nanmean(xr, axis=1), np.nanmean(yr, axis=1)
        sxx = np.nansum((xr - mx[:, None]) ** 2, axis=1)
        slope = np.nansum((xr - mx[:, None]) * (yr - my[:, None]), axis=1) / np.maximum(sxx, 1e-12)
        sse = np.nansum((yr - my[:, None] - slope[:, None] * (xr - mx[:, None])) ** 2, axis=1)
        flat = np.where(~rising, y, np.nan)
        has_flat = j < n
        if has_flat.any():
            level = np.nanmean(np.where(has_flat[:, None], flat, 0.0), axis=1)
            sse = sse + np.nansum((flat - level[:, None]) ** 2, axis=1)
        params = 3 + has_flat  # intercept, slope, noise (+ the ceiling level)
        valid = (j <= n) & (slope > 0)
        aic = n * np.log(np.maximum(sse / n, 1e-8)) + 2 * params
        better = valid & (aic < best_aic - 2 * has_flat)  # a ceiling must earn its keep
        best_aic = np.where(better, aic, best_aic)
        best_j = np.where(better, j, best_j)
    found = best_j < n
    rows = np.flatnonzero(found)
    last = best_j[rows] - 1
    ceiling_bid[keys[rows]] = np.exp(x[rows, last])
    ceiling[keys[rows]] = np.exp(
        np.nanmean(np.where(np.arange(m) >= best_j[rows, None], y[rows], np.nan), axis=1)
    )
    return ceiling_bid, ceiling


def _landscape_bias_variance(
    landscape: pd.DataFrame,
    k_index: pd.Index,
    x_ref: np.ndarray,
    b: np.ndarray,
    ceiling_bid: np.ndarray,
    weight: float,
    y: np.ndarray,
    s: np.ndarray,
) -> tuple[np.ndarray, float]:
    """Extra log variance of each keyword's volume from its bid simulations' bias, and the
    bias variance itself.

    Google's simulations are model estimates, biased per keyword, not counts: counted as
    clicks they would make a keyword with a landscape look surer than it is. The bias spread
    is measured on keywords with both plenty of history and a landscape (the spread of the
    log ratio of the two rates beyond Poisson noise); a keyword's volume carries it in
    proportion to the landscape's share of its exposure.
    """
    k = len(k_index)
    if weight <= 0 or landscape.empty:
        return np.zeros(k), 0.0
    pos = k_index.get_indexer(pd.Index(landscape["criterion_id"].to_numpy()))
    bid = landscape["cpc_bid"].to_numpy(float)
    ok = (pos >= 0) & (bid > 0)
    ok[ok] &= bid[ok] <= ceiling_bid[pos[ok]] * 1.0001
    pos, bid = pos[ok], bid[ok]
    span = (landscape["end_date"] - landscape["start_date"]).dt.days.to_numpy()[ok] + 1
    e = weight * span * (bid / x_ref[pos]) ** b[pos]
    e_land = np.bincount(pos, e, minlength=k)
    y_land = np.bincount(pos, weight * landscape["clicks"].to_numpy(float)[ok], minlength=k)
    y_hist, s_hist = y - y_land, s - e_land

    def bias_variance() -> float | None:
        both = (y_hist >= 300) & (y_land >= 100) & (s_hist > 0)  # Poisson noise << the bias
        if both.sum() < MIN_PRIOR_KEYWORDS:
            return None
        d = np.log(y_land[both] / e_land[both]) - np.log(y_hist[both] / s_hist[both])
        noise = np.mean(1 / y_hist[both] + 1 / y_land[both])
        spread = (1.4826 * np.median(np.abs(d - np.median(d)))) ** 2  # robust: MAD
        return max(float(spread - noise), 0.0)

    bias = account_wide("clicks.landscape_bias", bias_variance)
    if bias is None:
        return np.zeros(k), 0.0
    share = np.where(s > 0, e_land / np.maximum(s, 1e-300), 0.0)
    return share**2 * bias, bias


def _click_diagnostics(
    groups: dict[str, np.ndarray], a: np.ndarray, b: np.ndarray, k: int
) -> dict[str, float]:
    """Deviance of the shrunk power curves vs a constant rate per keyword, residual checks."""
    kk, y, e = groups["k"], groups["y"], groups["e"]
    mu = np.maximum(a[kk] * e * groups["bid"] ** b[kk], 1e-12)
    rate0 = np.bincount(kk, y, minlength=k) / np.maximum(np.bincount(kk, e, minlength=k), 1e-12)
    mu0 = np.maximum(rate0[kk] * e, 1e-12)

    def deviance(m: np.ndarray) -> float:
        term = np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / m), 0.0) - (y - m)
        return float(2 * term.sum())

    dev, dev0 = deviance(mu), deviance(mu0)
    pearson = (y - mu) / np.sqrt(mu)
    return {
        "groups": len(y),
        "deviance": dev,
        "deviance_constant_rate": dev0,
        "pseudo_r2_vs_constant_rate": float(1 - dev / dev0) if dev0 > 0 else float("nan"),
        "pearson_dispersion": float((pearson**2).sum() / max(len(y) - 2 * k, 1)),
        "residual_fitted_corr": float(np.corrcoef(pearson, np.log(mu))[0, 1])
        if len(y) > 2
        else 0.0,
    }
