"""Click elasticity from the bid moves themselves, not from bid levels weeks apart.

A keyword's searches drift (a random walk of log sd ~0.5 a month, issue 18) and follow the
seasons; a manager's bids drift too, so over a long history bid levels correlate with time,
and a fit that pools every day at one bid against every day at another reads a year of
volume drift as bid response (at 420 days the elasticity ran into its clip of 3). Here the
response is identified only by what changed *at* a bid move: per move, the clicks of the
days just before it (old bid) against the days just after it (new bid), each side at most
``window`` days and at most half of the constant-bid run it comes from, so that no day
serves two moves. Given the two sides' total, the clicks after the move are binomial
(conditional Poisson: the keyword's level at that moment cancels):

    p = e1 x1^b / (e0 x0^b + e1 x1^b)        (e: weekday-season exposure of each side)

The drift between the two sides and day-to-day overdispersion still add noise: both are
measured on the account's own control pairs (two adjacent ``window``-day spans at one bid),
``log(y1 / y0)^2 = phi (1 / y0 + 1 / y1) + tau2``, and enter as quasi-likelihood weights, so
a head keyword's move is worth at most what the drift leaves of it (``d^2 / tau2``) and the
standard error is honest. Bid-landscape points (Google's simulations of one period at several
bids) are a stratum of their own: no drift between them.

``elasticity_from_moves`` returns the per-keyword estimate and standard error (NaN / inf
without a move or landscape: the category prior decides, and the reason says so).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sem.roi.data import history_window, keyword_blocks
from sem.roi.shared import account_wide

_CHUNK_CELLS = 2_000_000  # keyword x day cells held at once
_MIN_CONTROL_CLICKS = 5.0  # each control span: the log ratio is about normal
_MIN_CONTROLS = 20
_B_START, _B_LO, _B_HI = 0.8, -2.0, 5.0


def elasticity_from_moves(
    daily: pd.DataFrame,
    landscape: pd.DataFrame,
    k_index: pd.Index,
    season: np.ndarray,
    ceiling_bid: np.ndarray,
    landscape_weight: float,
    window: int,
    since: Any = None,
    until: Any = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """(elasticity, its standard error, report) per keyword in ``k_index`` order."""
    k = len(k_index)
    report: dict[str, Any] = {"moves": 0, "controls": 0, "phi": 1.0, "tau2": 0.0,
                              "window_days": window}  # fmt: skip
    moves: list[np.ndarray] = []
    controls: list[np.ndarray] = []
    if not daily.empty:
        first_day, n_days = history_window(daily, since, until)
        by_day = season[(first_day.day_of_week + np.arange(n_days)) % 7]
        for ks, rows in keyword_blocks(daily, k_index):
            _collect(rows, k_index[ks], ks.start, (first_day, n_days), by_day, window,
                     moves, controls)  # fmt: skip
    m = np.concatenate(moves, axis=1) if moves else np.zeros((7, 0))
    kk, x0, x1 = m[0].astype(np.int64), m[5], m[6]
    above = (x0 > ceiling_bid[kk] * 1.0001) | (x1 > ceiling_bid[kk] * 1.0001)
    m = m[:, ~above]  # past a landscape's ceiling clicks do not move: no slope there
    c = np.concatenate(controls, axis=1) if controls else np.zeros((2, 0))
    phi, tau2 = account_wide("elasticity.noise", lambda: _move_noise(c))
    report.update(moves=int(m.shape[1]), controls=int(c.shape[1]), phi=phi, tau2=tau2)
    land = _landscape_points(landscape, k_index, ceiling_bid, landscape_weight)
    b, se, scale = _newton(m, land, k, phi, tau2)
    report["pearson_dispersion"] = scale
    return b, se, report


def _collect(
    daily: pd.DataFrame,
    k_index: pd.Index,
    offset: int,
    window_days: tuple[pd.Timestamp, int],
    by_day: np.ndarray,
    window: int,
    moves: list[np.ndarray],
    controls: list[np.ndarray],
) -> None:
    """Append these keywords' moves (keyword, y0, y1, e0, e1, x0, x1) and control pairs."""
    first_day, n_days = window_days
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    day = (daily["date"] - first_day).dt.days.to_numpy()
    ok = (pos >= 0) & (day >= 0) & (day < n_days)
    pos, day = pos[ok], day[ok]
    bid = daily["cpc_bid"].to_numpy(float)[ok]
    clicks = daily["clicks"].to_numpy(float)[ok]
    known = np.isfinite(bid) & (bid > 0)
    if not known.any():
        return
    # only keywords whose bid changed
    order = np.lexsort((day, pos))
    kb, bb = pos[order][known[order]], bid[order][known[order]]
    changed = (kb[1:] == kb[:-1]) & ~np.isclose(bb[1:], bb[:-1])
    movers = np.unique(kb[1:][changed])
    step = max(1, _CHUNK_CELLS // n_days)
    for begin in range(0, movers.size, step):
        chunk = movers[begin : begin + step]
        sel = np.isin(pos, chunk)
        row = np.searchsorted(chunk, pos[sel])
        y = np.zeros((chunk.size, n_days))
        np.add.at(y, (row, day[sel]), clicks[sel])
        # bid carried forward over days without a row (no impression: 0 clicks at that bid);
        # a row without a known bid (older than the change history) breaks the run
        x = np.full((chunk.size, n_days), np.nan)
        x[row, day[sel]] = np.where(known[sel], bid[sel], -1.0)
        x = pd.DataFrame(x.T).ffill().to_numpy().T
        x = np.where(x < 0, np.nan, x)
        _runs(y, x, by_day, chunk + offset, window, moves, controls)


def _runs(
    y: np.ndarray,
    x: np.ndarray,
    by_day: np.ndarray,
    keys: np.ndarray,
    window: int,
    moves: list[np.ndarray],
    controls: list[np.ndarray],
) -> None:
    n, days = y.shape
    same = np.isclose(x[:, 1:], x[:, :-1]) | (np.isnan(x[:, 1:]) & np.isnan(x[:, :-1]))
    new_run = np.concatenate([np.ones((n, 1), bool), ~same], axis=1)
    r_k, r_start = np.nonzero(new_run)  # runs in keyword, then day order
    r_end = np.r_[r_start[1:], 0]
    last_of_k = np.r_[r_k[1:] != r_k[:-1], True]
    r_end = np.where(last_of_k, days, r_end)
    r_bid = x[r_k, r_start]
    length = r_end - r_start
    first_of_k = np.r_[True, r_k[1:] != r_k[:-1]]
    cy = np.concatenate([np.zeros((n, 1)), np.cumsum(y, axis=1)], axis=1)
    ce = np.concatenate([[0.0], np.cumsum(by_day)])
    # A move: run j -> run j + 1 of one keyword, both at known bids. Each run lends its
    # second half to the move after it and its first half to the move before it.
    j = np.flatnonzero(~last_of_k)
    j = j[np.isfinite(r_bid[j]) & np.isfinite(r_bid[j + 1])]
    before = np.minimum(window, np.where(first_of_k[j], length[j], length[j] // 2))
    after = np.minimum(window, np.where(last_of_k[j + 1], length[j + 1], length[j + 1] // 2))
    j, before, after = j[(before > 0) & (after > 0)], before[(before > 0) & (after > 0)], \
        after[(before > 0) & (after > 0)]  # fmt: skip
    t = r_end[j]
    kr = r_k[j]
    y0 = cy[kr, t] - cy[kr, t - before]
    y1 = cy[kr, t + after] - cy[kr, t]
    e0 = ce[t] - ce[t - before]
    e1 = ce[t + after] - ce[t]
    moves.append(np.vstack([keys[kr], y0, y1, e0, e1, r_bid[j], r_bid[j + 1]]))
    # Controls: adjacent window-day spans inside one run at a known bid, every 2 windows.
    runs = np.flatnonzero(np.isfinite(r_bid) & (length >= 2 * window))
    if runs.size == 0:
        return
    per = length[runs] // (2 * window)
    rr = np.repeat(runs, per)
    idx = np.arange(rr.size) - np.repeat(np.cumsum(per) - per, per)
    mid = r_start[rr] + window * (2 * idx + 1)
    kc = r_k[rr]
    c0 = cy[kc, mid] - cy[kc, mid - window]
    c1 = cy[kc, mid + window] - cy[kc, mid]
    s0, s1 = ce[mid] - ce[mid - window], ce[mid + window] - ce[mid]
    enough = (c0 >= _MIN_CONTROL_CLICKS) & (c1 >= _MIN_CONTROL_CLICKS)
    c0, c1, s0, s1 = c0[enough], c1[enough], s0[enough], s1[enough]
    r = np.log(c1 / s1) - np.log(c0 / s0)
    controls.append(np.vstack([r**2, 1 / c0 + 1 / c1]))


def _move_noise(c: np.ndarray) -> tuple[float, float]:
    """(phi, tau2) of ``r^2 = phi * s + tau2`` over the control pairs (least squares, phi >= 1,
    tau2 >= 0); (1, 0) with fewer than ``_MIN_CONTROLS`` pairs (Poisson noise, no drift)."""
    if c.shape[1] < _MIN_CONTROLS:
        return 1.0, 0.0
    r2, s = c
    design = np.column_stack([s, np.ones_like(s)])
    phi, tau2 = np.linalg.lstsq(design, r2, rcond=None)[0]
    if phi < 1.0:
        phi = 1.0
        tau2 = float(np.mean(r2 - s))
    if tau2 < 0.0:
        tau2 = 0.0
        phi = max(float(np.sum(r2 * s) / np.sum(s * s)), 1.0)
    return float(phi), float(max(tau2, 0.0))


def _landscape_points(
    landscape: pd.DataFrame, k_index: pd.Index, ceiling_bid: np.ndarray, weight: float
) -> tuple[np.ndarray, ...] | None:
    """(keyword, clicks, exposure, log bid) of the landscape points at or below the ceiling."""
    if weight <= 0 or landscape.empty:
        return None
    pos = k_index.get_indexer(pd.Index(landscape["criterion_id"].to_numpy()))
    bid = landscape["cpc_bid"].to_numpy(float)
    ok = (pos >= 0) & np.isfinite(bid) & (bid > 0)
    ok[ok] &= bid[ok] <= ceiling_bid[pos[ok]] * 1.0001
    span = (landscape["end_date"] - landscape["start_date"]).dt.days.to_numpy() + 1
    clicks = landscape["clicks"].to_numpy(float)
    return (pos[ok], weight * clicks[ok], weight * span[ok].astype(float), np.log(bid[ok]))


def _newton(
    m: np.ndarray, land: tuple[np.ndarray, ...] | None, k: int, phi: float, tau2: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Quasi-likelihood Newton steps for ``b`` per keyword, vectorized over keywords.

    Moves: score ``d (y1 - n p) / (phi + tau2 V)``, information ``V d^2 / (phi + tau2 V)``
    with ``V = n p (1 - p)`` (the drift's log variance ``tau2`` makes ``p`` itself uncertain).
    Landscape: the conditional Poisson of one keyword's points (a multinomial over them)."""
    kk = m[0].astype(np.int64)
    y0, y1, e0, e1 = m[1], m[2], m[3], m[4]
    d = np.log(m[6]) - np.log(m[5])
    n = y0 + y1
    use = (n > 0) & (e0 > 0) & (e1 > 0)
    kk, y1, e0, e1, d, n = kk[use], y1[use], e0[use], e1[use], d[use], n[use]
    base = np.log(e1 / e0)
    if land is not None:
        lk, ly, le, lx = land
        center = np.bincount(lk, le * lx, minlength=k) / np.maximum(
            np.bincount(lk, le, minlength=k), 1e-300
        )
        lx = lx - center[lk]
        ly_k = np.bincount(lk, ly, minlength=k)
        l_sxy = np.bincount(lk, ly * lx, minlength=k)
    b: np.ndarray = np.full(k, _B_START)
    info: np.ndarray = np.zeros(k)
    for _ in range(40):
        p = 1 / (1 + np.exp(-np.clip(base + b[kk] * d, -30, 30)))
        v = n * p * (1 - p)
        w = 1 / (phi + tau2 * v)
        score: np.ndarray = np.bincount(kk, w * d * (y1 - n * p), minlength=k)
        info = np.bincount(kk, w * v * d * d, minlength=k)
        if land is not None:
            lw = le * np.exp(np.clip(b[lk] * lx, -30, 30))
            sw = np.maximum(np.bincount(lk, lw, minlength=k), 1e-300)
            mean_x = np.bincount(lk, lw * lx, minlength=k) / sw
            var_x = np.bincount(lk, lw * lx * lx, minlength=k) / sw - mean_x**2
            score = score + (l_sxy - ly_k * mean_x)
            info = info + ly_k * np.maximum(var_x, 0.0)
        step = np.where(info > 1e-9, score / np.maximum(info, 1e-9), 0.0)
        b = np.clip(b + np.clip(step, -1, 1), _B_LO, _B_HI)
        if np.max(np.abs(step), initial=0.0) < 1e-6:
            break
    se = np.where(info > 1e-9, 1 / np.sqrt(np.maximum(info, 1e-9)), np.inf)
    # Pearson's chi-square over its degrees of freedom (moves less one slope per keyword that
    # moved), reported: how much the moves scatter beyond the noise model (a staircase or a
    # ceiling shows here). Not applied: on the response simulator the errors' z-scores
    # already have sd 0.9-1.1 (benchmarks/sem_elasticity.py).
    p = 1 / (1 + np.exp(-np.clip(base + b[kk] * d, -30, 30)))
    v = n * p * (1 - p)
    dof = kk.size - np.unique(kk).size
    chi2 = np.sum((y1 - n * p) ** 2 / np.maximum(v * (phi + tau2 * v), 1e-12))
    scale = float(chi2 / dof) if dof > 0 else float("nan")
    return np.where(np.isfinite(se), b, np.nan), se, scale


# Between-keyword sd of the elasticity within a category: a grid over 0..3 (a flat prior on
# the sd, Gelman 2006), fine near 0 where a small account's likelihood sits.
_TAU_GRID = np.r_[0.0, np.geomspace(0.01, 3.0, 47)]
_MIN_CATEGORY = 5  # estimates a category needs for a prior of its own (else the account's)


def shrink_elasticity(
    est: np.ndarray, se: np.ndarray, cat: np.ndarray, n_cat: int, shrinkage: float
) -> tuple[np.ndarray, np.ndarray, list[dict[str, float]]]:
    """Each keyword's elasticity shrunk toward its category's, the category's mean and spread
    integrated over rather than plugged in: (posterior mean, posterior sd, per category
    {mean, tau2, keywords}).

    Moves identify a keyword's slope weakly (a 20% step against drift: a standard error of
    1-1.5 at 90 days is common), and from such estimates the between-keyword spread is barely
    identified: a plugged-in estimate (DerSimonian-Laird) came out anywhere from 0 to 0.5 on
    accounts with a true 0.07, and at 0 every keyword's interval collapsed onto the category
    mean (27% coverage of a 90% interval on one such account). Here the spread's posterior on
    a grid (normal likelihood, the mean integrated under a flat prior) weighs each keyword's
    normal-normal posterior, so an uncertain spread widens the intervals as it should.
    ``shrinkage`` scales the prior variance down (0: no pooling, the keyword's own estimate).
    """
    ok = np.isfinite(est) & np.isfinite(se) & (se > 0)
    if shrinkage <= 0:
        return np.where(ok, est, np.nan), np.where(ok, se, np.inf), []
    weights, mu, var_mu, report = account_wide(
        "elasticity.prior", lambda: _hyper_posterior(est, se, ok, cat, n_cat)
    )
    y = np.where(ok, est, 0.0)
    v = np.where(ok, se, 1.0) ** 2
    first = np.zeros(len(est))
    second = np.zeros(len(est))
    for g, tau in enumerate(_TAU_GRID):
        p = weights[g][cat]
        m, vm = mu[g][cat], var_mu[g][cat]
        pv = tau**2 / shrinkage
        if pv > 0:
            keep = np.where(ok, pv / (pv + v), 0.0)  # the keyword's own estimate's weight
            mean = keep * y + (1 - keep) * m
            var = np.where(ok, keep * v, pv) + (1 - keep) ** 2 * vm
        else:
            mean, var = m, vm
        first += p * mean
        second += p * (var + mean**2)
    return first, np.sqrt(np.maximum(second - first**2, 1e-12)), report


def _hyper_posterior(
    est: np.ndarray, se: np.ndarray, ok: np.ndarray, cat: np.ndarray, n_cat: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, float]]]:
    """Per grid point and category: posterior weight of that spread, the category mean given
    it and the mean's variance (``len(_TAU_GRID) x n_cat`` each); the report's summary."""
    y, v = est[ok], se[ok] ** 2
    c = cat[ok]
    counts = np.bincount(c, minlength=n_cat)
    own = counts >= _MIN_CATEGORY
    # columns 0..n_cat-1: each category's own estimates; column n_cat: every estimate (the
    # prior of categories too thin for their own)
    slot = np.r_[np.where(own[c], c, -1), np.full(len(y), n_cat)]
    y2, v2 = np.r_[y, y], np.r_[v, v]
    keep = slot >= 0
    slot, y2, v2 = slot[keep], y2[keep], v2[keep]
    size = n_cat + 1
    log_like = np.zeros((len(_TAU_GRID), size))
    mu = np.full((len(_TAU_GRID), size), _B_START)
    var_mu = np.ones((len(_TAU_GRID), size))
    for g, tau in enumerate(_TAU_GRID):
        w = 1 / (v2 + tau**2)
        sw = np.maximum(np.bincount(slot, w, minlength=size), 1e-300)
        m = np.bincount(slot, w * y2, minlength=size) / sw
        q = np.bincount(slot, w * (y2 - m[slot]) ** 2, minlength=size)
        # the normal likelihood with the mean integrated out (flat prior: the log sw term)
        log_like[g] = -0.5 * (np.bincount(slot, np.log(v2 + tau**2), minlength=size) + q
                              + np.log(sw))  # fmt: skip
        mu[g], var_mu[g] = m, 1 / sw
    if len(y) == 0:  # no keyword moved: a vague prior around a typical elasticity
        log_like[:] = 0.0
        mu[:], var_mu[:] = _B_START, 0.25
    width = np.gradient(_TAU_GRID)[:, None]  # flat prior on the sd
    log_post = log_like + np.log(width)
    log_post -= log_post.max(axis=0, keepdims=True)
    post = np.exp(log_post)
    post /= post.sum(axis=0, keepdims=True)
    # categories without a prior of their own take the account's (slot n_cat)
    take = np.where(own, np.arange(n_cat), n_cat)
    weights, mu, var_mu = post[:, take], mu[:, take], var_mu[:, take]
    tau2 = (weights * _TAU_GRID[:, None] ** 2).sum(axis=0)
    mean = (weights * mu).sum(axis=0)
    report = [{"mean": float(mean[i]), "tau2": float(tau2[i]), "keywords": int(counts[i])}
              for i in range(n_cat)]  # fmt: skip
    return weights, mu, var_mu, report


_CONFOUNDED_Z = 3.0  # the levels' fit is rejected at |z| > 3 (a false alarm about 0.3%)


def levels_confounded(
    b_levels: np.ndarray, se_levels: np.ndarray, b_moves: np.ndarray, se_moves: np.ndarray
) -> tuple[bool, dict[str, Any]]:
    """Do the bid levels' slopes disagree with the moves' beyond noise (a Hausman test)?

    Without drift both estimate the same slope, the levels' more precisely, so their
    difference has variance ``var_moves - var_levels`` (floored at half of ``var_moves``).
    Two statistics over the keywords with both: the precision-weighted mean difference (the
    levels read a trend as response: one sign) and the squared differences' excess over
    their degrees of freedom (drift that goes either way per keyword: scatter); either beyond
    ``_CONFOUNDED_Z`` rejects the levels."""
    both = np.isfinite(b_levels) & np.isfinite(b_moves) & np.isfinite(se_moves)
    both &= (b_moves > _B_LO) & (b_moves < _B_HI) & (b_levels > _B_LO) & (b_levels < _B_HI)
    n = int(both.sum())
    report: dict[str, Any] = {"keywords_compared": n, "mean_z": 0.0, "scatter_z": 0.0}
    if n < _MIN_CONTROLS:
        return False, report
    diff = b_levels[both] - b_moves[both]
    var = np.maximum(se_moves[both] ** 2 - se_levels[both] ** 2, se_moves[both] ** 2 / 2)
    mean_z = float(np.sum(diff / var) / np.sqrt(np.sum(1 / var)))
    scatter_z = float((np.sum(diff**2 / var) - n) / np.sqrt(2 * n))
    report.update(mean_z=mean_z, scatter_z=scatter_z)
    return bool(abs(mean_z) > _CONFOUNDED_Z or scatter_z > _CONFOUNDED_Z), report
