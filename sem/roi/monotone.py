"""Monotone response over a keyword's observed bid levels, with its uncertainty.

An auction is a staircase: an ad climbs a position (or clears the reserve price) when its
bid passes a competitor's, and nothing moves between two such bids. A power curve fitted
through a keyword's bid levels turns one observed step into a slope on both sides of
today's bid, and so invents gains above it. Here the response is only assumed
non-decreasing in the bid:

* per keyword, each observed bid level's log rate (click-through rate, or clicks per exposure
  day without impressions; cost per click) has a posterior (gamma counts, shrunk by one
  pseudo-count toward the keyword's pooled rate, plus the drift between the periods the
  levels were measured in where it does not cancel);
* each posterior draw is projected onto non-decreasing curves over the levels (isotonic
  regression, the pool-adjacent-violators solution, written as its max-min formula so it
  vectorizes over keywords and draws: a keyword has a handful of levels; scipy's
  ``isotonic_regression`` solves one series a call, 10^7 calls at 100,000 keywords);
* the curve is linear in log bid between two levels and flat beyond the lowest and the
  highest (no gain the history did not show);
* the bidding code needs the response over the step-cap box around today's bid: the mean
  log slope over ``[bid (1 - cap), bid]`` (down) and ``[bid, bid (1 + cap)]`` (up). Over the
  part of a half-box the levels span, the draws' slope is weighed against similar keywords'
  (the category prior) by precision: the isotonic projection keeps only the upward half of
  the noise, so a noisy pair of levels looks steep, and only levels measured well enough
  should move a keyword away from its peers. The part beyond the levels takes the prior's
  slope, its spread widened (:func:`local_slopes`), and says so (``own`` False when no level
  lies on that side).

Memory: keywords are taken ``_CHUNK`` at a time (``chunk x levels x draws`` floats), and
only a few floats per keyword are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from sem.roi.draws import KeywordDraws

MAX_LEVELS = 8  # levels kept per keyword: the nearest to today's bid (in log bid)
DRAWS = 64  # posterior draws per keyword: a slope's mean and sd within a few percent
_CHUNK = 2000
_PSEUDO_COUNT = 1.0  # each level's rate is shrunk by one count toward the keyword's pooled rate


@dataclass(frozen=True)
class Slopes:
    """Per keyword: mean log slope of the response over each half of the step-cap box (and
    its posterior sd), from the keyword's own levels where they reach, a prior beyond."""

    down: np.ndarray
    down_sd: np.ndarray
    up: np.ndarray
    up_sd: np.ndarray
    own_down: np.ndarray  # a level lies below today's bid
    own_up: np.ndarray  # a level lies above today's bid
    levels: np.ndarray  # levels used per keyword


def isotonic_max_min(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted isotonic (non-decreasing) regression along the last-but-one axis.

    ``values`` and ``weights`` are ``(..., m, d)``: ``m`` ordered points, ``d`` independent
    series (draws) sharing the weights' ``(..., m, 1)`` or full shape. The solution at
    ``j`` is ``max_{i <= j} min_{l >= j} mean(i..l)``, the weighted mean over points
    ``i..l`` (Robertson, Wright & Dykstra 1988, Thm 1.4.4), the same as pool-adjacent-
    violators; ``m`` is small, so the ``m x m`` block means are cheap and vectorize."""
    w = np.broadcast_to(weights, values.shape)
    m = values.shape[-2]
    zero = np.zeros((*values.shape[:-2], 1, *values.shape[-1:]))
    cw = np.concatenate([zero, np.cumsum(w, axis=-2)], axis=-2)
    cwy = np.concatenate([zero, np.cumsum(w * values, axis=-2)], axis=-2)
    out = np.full(values.shape, -np.inf)
    for j in range(m):
        best = np.full(values.shape[:-2] + values.shape[-1:], -np.inf)
        for i in range(j + 1):
            low = np.full_like(best, np.inf)
            for last in range(j, m):
                mean = (cwy[..., last + 1, :] - cwy[..., i, :]) / np.maximum(
                    cw[..., last + 1, :] - cw[..., i, :], 1e-300
                )
                low = np.minimum(low, mean)
            best = np.maximum(best, low)
        out[..., j, :] = best
    return out


def category_prior(
    report: list[dict[str, float]], cat_codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per keyword, (mean, sd) of its category's slope prior (``shrink_normal``'s report)."""
    if not report:
        return np.full(len(cat_codes), np.nan), np.full(len(cat_codes), np.nan)
    mean = np.array([c["mean"] for c in report])
    sd = np.sqrt([c["tau2"] for c in report])
    return mean[cat_codes], sd[cat_codes]


def rate_levels(
    k_of: np.ndarray, count: np.ndarray, exposure: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """(mean, variance) of each level's log rate ``count / exposure``: the gamma posterior of a
    Poisson rate with ``_PSEUDO_COUNT`` counts of the keyword's pooled rate as its prior (a
    level with no click is not a rate of 0), in its log-normal approximation."""
    pooled = (np.bincount(k_of, count, minlength=k) + 0.5) / np.maximum(
        np.bincount(k_of, exposure, minlength=k), 1e-12
    )
    shape = count + _PSEUDO_COUNT
    rate = exposure + _PSEUDO_COUNT / pooled[k_of]
    return special.digamma(shape) - np.log(rate), special.polygamma(1, shape)


def local_slopes(
    k_of: np.ndarray,
    bid: np.ndarray,
    log_mean: np.ndarray,
    log_var: np.ndarray,
    current_bid: np.ndarray,
    window: float,
    prior: tuple[np.ndarray, np.ndarray],
    rng: KeywordDraws,
    extrapolation_sd: float = 2.0,
) -> Slopes:
    """Slopes of a monotone response over each keyword's levels, over ``[b (1 - window), b]``
    and ``[b, b (1 + window)]`` around today's bid ``b``.

    ``k_of, bid, log_mean, log_var``: one row per (keyword, bid level), the level's log
    response and its posterior variance (drift between periods included by the caller);
    ``current_bid`` per keyword; ``prior``: (mean, sd) per keyword of the slope similar
    keywords show: weighed against the levels' slope by precision where they reach, and past
    them taken with its mean but its sd times ``extrapolation_sd`` (a gain the history did not
    show is possible, not likely enough to bank on); ``rng``: the keywords' draws (row ``i``
    keyword ``i``'s).
    """
    k = len(current_bid)
    b0 = np.where(np.isfinite(current_bid) & (current_bid > 0), current_bid, np.nan)
    prior_mean = np.maximum(np.nan_to_num(prior[0]), 0.0)
    prior_sd_own = np.nan_to_num(prior[1], nan=1.0)
    out = {n: np.zeros(k) for n in ("down", "down_sd", "up", "up_sd")}
    own_down, own_up = np.zeros(k, bool), np.zeros(k, bool)
    levels = np.zeros(k, int)
    ok = (k_of >= 0) & (bid > 0) & np.isfinite(log_mean) & np.isfinite(log_var)
    ok &= np.isfinite(b0[np.maximum(k_of, 0)])
    order = np.flatnonzero(ok)[np.lexsort((bid[ok], k_of[ok]))]
    k_of, bid, log_mean, log_var = k_of[order], bid[order], log_mean[order], log_var[order]
    for first in range(0, k, _CHUNK):
        sl = slice(*np.searchsorted(k_of, [first, first + _CHUNK]))
        ks = slice(first, min(first + _CHUNK, k))
        part = _chunk_slopes(
            k_of[sl] - first, bid[sl], log_mean[sl], log_var[sl], b0[ks], window,
            prior_mean[ks], prior_sd_own[ks], extrapolation_sd * prior_sd_own[ks], rng[ks],
        )  # fmt: skip
        for name in out:
            out[name][ks] = part[name]
        own_down[ks], own_up[ks], levels[ks] = part["own_down"], part["own_up"], part["levels"]
    return Slopes(own_down=own_down, own_up=own_up, levels=levels, **out)


def _chunk_slopes(
    kk: np.ndarray,
    bid: np.ndarray,
    log_mean: np.ndarray,
    log_var: np.ndarray,
    b0: np.ndarray,
    cap: float,
    prior_mean: np.ndarray,
    prior_sd_own: np.ndarray,
    prior_sd: np.ndarray,
    rng: KeywordDraws,
) -> dict[str, np.ndarray]:
    n = len(b0)
    lx = np.log(bid) - np.log(b0[kk])  # log bid relative to today's
    # keep each keyword's MAX_LEVELS levels nearest today's bid, in bid order
    near = np.lexsort((np.abs(lx), kk))
    rank = np.arange(len(kk)) - np.searchsorted(kk[near], kk[near])
    keep = np.sort(near[rank < MAX_LEVELS])
    kk, lx, mu, var = kk[keep], lx[keep], log_mean[keep], log_var[keep]
    slot = np.arange(len(kk)) - np.searchsorted(kk, kk)
    n_levels = np.bincount(kk, minlength=n)
    m = max(int(n_levels.max()) if len(kk) else 1, 1)
    x = np.full((n, m), np.nan)
    y = np.zeros((n, m))
    v = np.ones((n, m))
    x[kk, slot], y[kk, slot], v[kk, slot] = lx, mu, var
    real = np.isfinite(x)
    # a keyword's draw at its j-th level is its normal number j * DRAWS + d, however many
    # levels the other keywords of the chunk have
    normals = rng.normal("levels", m * DRAWS).reshape(n, m, DRAWS)
    draws = y[:, :, None] + np.sqrt(v)[:, :, None] * normals
    # padding after the last level: its value repeats the last level's, weight ~0
    last = np.maximum(n_levels - 1, 0)
    draws = np.where(real[:, :, None], draws, draws[np.arange(n), last][:, None, :])
    weight = np.where(real, 1.0 / np.maximum(v, 1e-12), 1e-12)[:, :, None]
    curve = isotonic_max_min(draws, weight)
    curve = np.where(real[:, :, None], curve, curve[np.arange(n), last][:, None, :])
    x_fill = np.where(real, x, np.nanmax(np.where(real, x, -np.inf), axis=1)[:, None])
    x_fill = np.where(n_levels[:, None] > 0, x_fill, 0.0)
    lo_x, hi_x = x_fill[:, 0], x_fill[np.arange(n), last]
    span_down, span_up = -np.log1p(-cap), np.log1p(cap)
    at = {
        name: _interpolate(x_fill, curve, np.full(n, point))
        for name, point in (("low", -span_down), ("now", 0.0), ("high", span_up))
    }
    # share of each half-box inside the observed levels' range: the rest takes the prior's
    # slope (the curve itself is flat there)
    has = n_levels > 0
    cover_down = np.clip(np.minimum(hi_x, 0.0) - np.maximum(lo_x, -span_down), 0, None)
    cover_up = np.clip(np.minimum(hi_x, span_up) - np.maximum(lo_x, 0.0), 0, None)
    # (a level within a cent's rounding of the box's end leaves none of it covered)
    cover_down = np.where(has & (cover_down > 1e-3), cover_down / span_down, 0.0)
    cover_up = np.where(has & (cover_up > 1e-3), cover_up / span_up, 0.0)
    # Past the levels: the prior's slope clipped at 0 (a curve never falls), its moments in
    # closed form. The mean is the prior's own; only the spread is widened (a wider clipped
    # normal would also have a higher mean: a gain invented by the widening).
    extra_mean, _ = _clipped_normal(prior_mean, prior_sd_own)
    _, extra_var = _clipped_normal(prior_mean, prior_sd)
    out: dict[str, np.ndarray] = {}
    for side, own_part, cover in (
        ("down", (at["now"] - at["low"]) / span_down, cover_down),
        ("up", (at["high"] - at["now"]) / span_up, cover_up),
    ):
        # the covered part's slope: the levels' (mean and sd over the isotonic draws, which
        # keep only the upward part of the noise: a noisy pair of levels looks steep) weighed
        # against similar keywords' slope by precision (normal-normal), so that only levels
        # measured well enough move it away from the prior
        covered = np.maximum(cover, 1e-12)[:, None]
        own = np.where(has[:, None], own_part, 0.0) / covered
        own_mean, own_var = own.mean(1), np.maximum(own.var(1), 1e-6)
        prior_var = np.maximum(prior_sd_own**2, 1e-6)
        post_var = 1 / (1 / own_var + 1 / prior_var)
        post_mean = post_var * (own_mean / own_var + prior_mean / prior_var)
        post_mean = np.maximum(post_mean, 0.0)
        out[side] = cover * post_mean + (1 - cover) * extra_mean
        out[f"{side}_sd"] = np.sqrt(cover**2 * post_var + (1 - cover) ** 2 * extra_var)
    out["own_down"], out["own_up"] = cover_down > 0, cover_up > 0
    out["levels"] = n_levels
    return out


def _clipped_normal(mean: np.ndarray, sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of ``max(X, 0)`` for ``X ~ N(mean, sd^2)``."""
    sd = np.maximum(sd, 1e-12)
    ratio = mean / sd
    cdf, pdf = special.ndtr(ratio), np.exp(-(ratio**2) / 2) / np.sqrt(2 * np.pi)
    first = mean * cdf + sd * pdf
    second = (mean**2 + sd**2) * cdf + mean * sd * pdf
    return first, np.maximum(second - first**2, 0.0)


def _interpolate(x: np.ndarray, curve: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Each keyword's curve (``keywords x levels x draws``, at log bids ``x``, ascending)
    at ``at`` (one log bid per keyword): linear between levels, flat beyond them."""
    n, m = x.shape
    rows = np.arange(n)
    j = np.clip((x <= at[:, None]).sum(1) - 1, 0, m - 1)
    j_next = np.minimum(j + 1, m - 1)
    x0, x1 = x[rows, j], x[rows, j_next]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(x1 > x0, (at - x0) / (x1 - x0), 0.0)
    t = np.clip(t, 0.0, 1.0)[:, None]
    return curve[rows, j] * (1 - t) + curve[rows, j_next] * t
