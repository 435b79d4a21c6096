"""Drift and day-to-day overdispersion of keyword volumes: which past days the volume posterior
weighs, how noisy a day's clicks are, and how far a rate moves by the forecast window.

Real keyword rates drift (a keyword's clicks/day moves from one month to the next beyond
Poisson noise) and daily counts are overdispersed (a head keyword's days vary several times
more than Poisson). Three things are estimated from the account's own daily history, on weekly
blocks of each keyword's days (7 days hold the weekday cycle, and drift within a week is small):

* **Day dispersion** ``phi``: the Pearson statistic of each week's days around the week's own
  rate (conditionally on the week's total it is exactly ``days - 1`` under Poisson, zero-click
  days included), pooled over keywords in buckets of mean clicks/day; a bucket's ``phi`` is 1
  unless its excess is significant. The volume posterior divides counts and exposure by it
  (quasi-likelihood): an overdispersed day carries less information.
* **Recency weighting**: a week ``a`` weeks old weighs ``0.5 ** (7 a / half_life)`` in the
  volume posterior (a discounted likelihood, the exponentially weighted form of a local-level
  model). The half-life is chosen by a rolling-origin backtest on the history itself: origins
  every week back, forecast the next two weeks from the weeks before (at least two),
  Poisson deviance summed over keywords; a candidate must beat equal weights by a clear margin
  (on a stationary account equal weights win and nothing changes). The account's choice over
  all keywords comes first; a bucket departs from it only if another candidate beats it there
  clearly (a bucket of a handful of head keywords cannot pass the margin alone, and fell back
  to equal weights while every other bucket followed the drift).
* **Drift variance**: at the chosen weighting, the variance of log(actual / forecast) of the
  backtest's keywords beyond their count noise: what the next window's mean rate moves by,
  added to the volume's log variance so the intervals cover it. It is measured at an origin
  every week (overlapping windows): origins a whole window apart left a 62-day history one
  origin and a 48-day one none, so its forecasts had no drift in their intervals at all.

statsmodels' state-space models (``UnobservedComponents``) fit one series at a time: 10^5
keywords would be 10^5 Kalman filters and MLEs. The discounted gamma-Poisson posterior is the
closed form of that local-level model, vectorized over keywords here.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.statespace.structural import UnobservedComponents

from sem.roi.data import by_keyword_blocks, stacked
from sem.roi.shared import account_wide

_WEEK = 7
# Buckets of a keyword's mean clicks/day: the day dispersion grows with volume, and the weeks
# worth weighing shrink with it.
_BUCKET_EDGES = (0.3, 1.0, 3.0, 10.0, 30.0)
# A bucket's Pearson dispersion counts only above 1 + this many standard errors (sqrt(2/dof)).
_DISPERSION_Z = 3.0
# A half-life must beat equal weights by this much scaled deviance (about a chi-square test
# with one degree of freedom at p = 0.001) to be chosen: else noise picks a weighting.
_HALF_LIFE_MIN_GAIN = 10.8
# ... and by this share of it: keyword-level forecasts share bids and days, so the deviance
# terms are not independent and the chi-square margin alone is too easily passed.
_HALF_LIFE_MIN_SHARE = 0.01
# A yearly season is fitted with this many weeks of history: the forecast window's weeks of
# the year before are then in it.
_YEAR_WEEKS = 53
_YEARLY_HARMONICS = 2
# Expected clicks a keyword needs in a week to count in the account's weekly index.
_YEARLY_MIN_CLICKS = 5.0
# Weeks forecast by the half-life backtest (origins every week back).
_SHORT_SPAN_WEEKS = 2
# Keywords counted in the drift variance: enough clicks in both windows that the log ratio is
# about normal and its count noise about phi / clicks.
_DRIFT_MIN_CLICKS = 10.0
# Keywords of a bucket needed to measure its own drift (else the account's at its weighting).
_DRIFT_MIN_KEYWORDS = 30


@dataclass(frozen=True)
class Recency:
    """Per keyword (arrays in keyword order): the volume's clicks, exposure and impressions
    from the daily history, unweighted (``*_total``) and recency-weighted (``*_weighted``), the
    day dispersion ``phi``, the ``half_life`` (days, inf = equal weights) and ``drift_var``
    (log variance of the forecast window's rate beyond the posterior's)."""

    clicks_total: np.ndarray
    exposure_total: np.ndarray
    impressions_total: np.ndarray
    clicks_weighted: np.ndarray
    exposure_weighted: np.ndarray
    impressions_weighted: np.ndarray
    phi: np.ndarray
    half_life: np.ndarray
    drift_var: np.ndarray
    yearly: bool = False  # the weighted exposure carries the yearly season's ratio
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def weighted(self) -> bool:
        return self.yearly or bool(np.isfinite(self.half_life).any())


@dataclass(frozen=True)
class _Weeks:
    """Per keyword (rows) and week of age (columns, 0 = the latest 7 days)."""

    clicks: np.ndarray
    exposure: np.ndarray  # seasonal, bid-adjusted days (days without a row at the reference bid)
    impressions: np.ndarray
    square: np.ndarray  # sum of clicks^2 / exposure over a week's rows (Pearson statistic)
    days: np.ndarray  # days counted (rows used plus days without a row)


def fit_recency(
    daily: pd.DataFrame,
    k_index: pd.Index,
    season: np.ndarray,
    factor: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    start: np.ndarray,
    window: tuple[pd.Timestamp, int],
    half_lives: tuple[float, ...],
    forecast_days: int,
) -> Recency:
    """``factor``: (reference bid, elasticity, ceiling bid, current bid) per keyword, so a day
    at another bid counts as exposure ``season * (bid / x_ref) ** b`` (rows above the ceiling
    bid, or without a bid when the keyword has some, are left out as in the click curve);
    ``start``: each keyword's first counted day (:func:`sem.roi.data.exposure_start`);
    ``window``: (first day, number of days).

    Everything is estimated per bucket of mean clicks/day (:data:`_BUCKET_EDGES`): a head
    keyword's days say much about its current level, so it follows drift with a short
    half-life; a tail keyword's weeks say little, so it pools more of them."""
    weeks = _weekly(daily, k_index, season, factor, start, window)
    n_weeks = weeks.clicks.shape[1]
    bucket = _bucket(weeks)
    phi_by_bucket, phi_report = account_wide(
        "drift.day_dispersion", lambda: _day_dispersion(weeks, bucket)
    )
    phi = phi_by_bucket[bucket]
    ages = np.arange(n_weeks, dtype=float)
    full_weeks = window[1] // _WEEK
    span = max(round(forecast_days / _WEEK), 1)
    # The half-life is chosen on forecasts of the next _SHORT_SPAN_WEEKS weeks from every week
    # back with two weeks before it. The weighting that follows a drifting level best hardly
    # depends on the horizon (a random walk's forecast is its current level at any horizon);
    # the drift variance does, and is measured over the full window. Origins a whole 28-day
    # window apart left a 48-day history none (equal weights: clicks/day MAE 1.09x the
    # last-28-day mean's on the auction simulator without bid moves) and a 62-day one a single
    # origin (volatile simulator 0.96x -> 0.92x with weekly origins; 90-day drifting account
    # of benchmarks/recency.py 0.864 -> 0.863, stationary still equal weights).
    choice_span = min(span, _SHORT_SPAN_WEEKS)
    origins = [a for a in range(choice_span, full_weeks) if full_weeks - a >= 2]
    # The drift is measured at every week's origin (overlapping windows): one origin every
    # forecast window leaves a 62-day history a single origin, too few keywords to measure it.
    drift_origins = _origins(forecast_days, full_weeks)
    half_life_by_bucket, drift_by_bucket, report, account = account_wide(
        "drift.half_lives",
        lambda: _half_lives(
            weeks, bucket, phi, ages, (origins, drift_origins), (choice_span, span), half_lives
        ),
    )
    half_life, drift_var = half_life_by_bucket[bucket], drift_by_bucket[bucket]
    w = _weights(ages[None, :], half_life[:, None])
    exposure_weighted = (weeks.exposure * w).sum(1)
    yearly, yearly_report = account_wide("drift.yearly", lambda: _yearly_season(weeks, span))
    if yearly is not None:
        # The forecast window's yearly season over the season of the weeks the keyword's
        # rate is measured on (its recency weights): the rate is scaled by their ratio (its
        # exposure divided), so a keyword measured in a trough is forecast into the peak.
        past, future = yearly
        with np.errstate(invalid="ignore", divide="ignore"):
            measured = (weeks.exposure * w) @ past / exposure_weighted
        exposure_weighted = exposure_weighted * np.exp(-(future - np.nan_to_num(measured)))
    return Recency(
        clicks_total=weeks.clicks.sum(1),
        exposure_total=weeks.exposure.sum(1),
        impressions_total=weeks.impressions.sum(1),
        clicks_weighted=(weeks.clicks * w).sum(1),
        exposure_weighted=exposure_weighted,
        impressions_weighted=(weeks.impressions * w).sum(1),
        yearly=yearly is not None,
        phi=phi,
        half_life=half_life,
        drift_var=drift_var,
        diagnostics={
            **account,
            "day_dispersion": phi_report,
            "buckets": report,
            "backtest_origins_weeks_back": origins,
            "backtest_span_weeks": choice_span,
            "yearly_season": yearly_report,
        },
    )


def _yearly_season(
    weeks: _Weeks, span: int
) -> tuple[tuple[np.ndarray, float] | None, dict[str, Any]]:
    """The account's yearly season, with a year of history (else None): per week of age, its
    log season, and its mean over the next ``span`` weeks.

    The account's weekly index (its clicks over what each keyword's mean rate gives at that
    week's exposure: weekdays, bids and keyword mix taken out) is fitted by statsmodels'
    ``UnobservedComponents``: a random-walk level (the account's drift, which the keywords'
    recency weights already follow) plus a trigonometric yearly season (two harmonics). Only
    the season is used; its forecast is the state space model's own."""
    n_weeks = weeks.clicks.shape[1]
    if n_weeks < _YEAR_WEEKS:
        return None, {"fitted": False, "weeks": n_weeks, "needs_weeks": _YEAR_WEEKS}
    y, f = weeks.clicks, weeks.exposure
    rate = y.sum(1) / np.maximum(f.sum(1), 1e-300)
    expected = f * rate[:, None]
    # Each keyword's week over its own mean, averaged in logs with equal weight over the
    # keywords with enough clicks that week: keyword levels drift apart over a year, and a
    # clicks-weighted index would be the few head keywords' random walks, not the season.
    counted = expected >= _YEARLY_MIN_CLICKS
    log_ratio = np.where(counted, np.log((y + 0.5) / (expected + 0.5)), 0.0)
    n = counted.sum(0)
    if (n == 0).any():
        return None, {"fitted": False, "weeks": n_weeks, "reason": "a week without keywords"}
    index = (log_ratio.sum(0) / n)[::-1]  # oldest week first
    model = UnobservedComponents(
        index,
        level="llevel",
        freq_seasonal=[{"period": 365.25 / _WEEK, "harmonics": _YEARLY_HARMONICS}],
        stochastic_freq_seasonal=[False],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short series
        res = model.fit(disp=False)
    season = np.asarray(res.freq_seasonal[0]["smoothed"], dtype=float)[::-1]  # by age
    level = float(np.asarray(res.level["filtered"])[-1])
    future = float(np.mean(np.asarray(res.forecast(span)) - level))
    if not (np.isfinite(season).all() and math.isfinite(future)):
        return None, {"fitted": False, "weeks": n_weeks, "reason": "no finite fit"}
    report = {"fitted": True, "weeks": n_weeks, "next_window_log_season": future,
              "latest_4_weeks_log_season": float(season[:4].mean()),
              "amplitude": float(season.max() - season.min())}  # fmt: skip
    return (season, future), report


def _half_lives(
    weeks: _Weeks,
    bucket: np.ndarray,
    phi: np.ndarray,
    ages: np.ndarray,
    origins: tuple[list[int], list[int]],
    spans: tuple[int, int],
    half_lives: tuple[float, ...],
) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]], dict[str, Any]]:
    """Per bucket: the half-life chosen by the backtest (at ``origins[0]``, forecasting
    ``spans[0]`` weeks) and the drift left at it (at ``origins[1]``, over ``spans[1]`` weeks);
    report per bucket; the account's own choice."""
    choice_origins, drift_origins = origins
    choice_span, span = spans
    candidates = (math.inf, *half_lives)
    n_buckets = len(_BUCKET_EDGES) + 1
    half_life, drift_var = np.full(n_buckets, math.inf), np.zeros(n_buckets)
    report = []
    # The drift left at each weighting, measured on every keyword with enough clicks: a
    # bucket of tail keywords has none, and borrows it at its own weighting.
    pooled = {
        h: _drift_variance(weeks, phi, _weights(ages, h), drift_origins, span) for h in candidates
    }
    # The account's own choice over all keywords: a bucket too small to tell candidates apart
    # keeps it (equal weights there would ignore the drift every other bucket shows).
    account_h, account_scores = _choose_half_life(
        weeks, phi, None, candidates, choice_origins, choice_span
    )
    for j in range(n_buckets):
        sel = bucket == j
        if not sel.any():
            continue
        h, scores = _choose_half_life(
            weeks, phi, j, candidates, choice_origins, choice_span, candidates.index(account_h)
        )
        own = _drift_variance(weeks, phi, _weights(ages, h), drift_origins, span, j)
        drift = own if own[1]["keywords"] >= _DRIFT_MIN_KEYWORDS else pooled[h]
        half_life[j], drift_var[j] = h, drift[0]
        report.append({"below_clicks_per_day": _edge(j), "keywords": int(sel.sum()),
                       "half_life_days": h if math.isfinite(h) else None,
                       "drift_log_var": drift[0], "drift": drift[1],
                       "backtest_deviance": scores})  # fmt: skip
    account = {
        "account_half_life_days": account_h if math.isfinite(account_h) else None,
        "account_backtest_deviance": account_scores,
    }
    return half_life, drift_var, report, account


def _edge(j: int) -> float:
    return _BUCKET_EDGES[j] if j < len(_BUCKET_EDGES) else math.inf


def _weights(ages: np.ndarray, half_life: float | np.ndarray) -> np.ndarray:
    """Weight of a week ``ages`` weeks old (1 for the latest; equal weights at inf)."""
    with np.errstate(divide="ignore"):
        return np.asarray(0.5 ** (_WEEK * ages / np.asarray(half_life, dtype=float)))


def _weekly(
    daily: pd.DataFrame,
    k_index: pd.Index,
    season: np.ndarray,
    factor: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    start: np.ndarray,
    window: tuple[pd.Timestamp, int],
) -> _Weeks:
    # A block of keywords at a time (memory: the per-row arrays of one block), stacked.
    def step(rows: pd.DataFrame, ks: pd.Index, *block: np.ndarray) -> _Weeks:
        *kw_factor, kw_start = block
        return _weekly_rows(rows, ks, season, tuple(kw_factor), kw_start, window)  # type: ignore[arg-type]

    parts = by_keyword_blocks(step, daily, k_index, *factor, start)
    return stacked([part for _, part in parts])  # type: ignore[no-any-return]


def _weekly_rows(
    daily: pd.DataFrame,
    k_index: pd.Index,
    season: np.ndarray,
    factor: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    start: np.ndarray,
    window: tuple[pd.Timestamp, int],
) -> _Weeks:
    first_day, n_days = window
    k = len(k_index)
    n_weeks = max(-(-n_days // _WEEK), 1)
    x_ref, b, ceiling_bid, current_bid = factor
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    day = (daily["date"] - first_day).dt.days.to_numpy()
    inside = (pos >= 0) & (day >= 0) & (day < n_days)
    pos, day = pos[inside], day[inside]
    age = (n_days - 1 - day) // _WEEK
    dow_season = season[(first_day.day_of_week + day) % _WEEK]
    bid = daily["cpc_bid"].to_numpy(float)[inside]
    known = np.isfinite(bid) & (bid > 0)
    has_known = np.bincount(pos[known], minlength=k) > 0
    # As the click curve: days without a bid count only for a keyword that never had one
    # (at today's bid), and days above a landscape's ceiling bid are left out.
    bid = np.where(known, bid, np.where(has_known[pos], np.nan, current_bid[pos]))
    with np.errstate(invalid="ignore"):
        used = np.isfinite(bid) & (bid > 0) & (bid <= ceiling_bid[pos] * 1.0001)
    with np.errstate(invalid="ignore", divide="ignore"):
        bid_factor = np.where(used, (bid / x_ref[pos]) ** b[pos], 0.0)
    f = dow_season * bid_factor
    key = pos * n_weeks + age
    size = k * n_weeks

    def per_week(values: np.ndarray | None, mask: np.ndarray) -> np.ndarray:
        weights = None if values is None else values[mask]
        return np.bincount(key[mask], weights, minlength=size).reshape(k, n_weeks).astype(float)

    y = daily["clicks"].to_numpy(float)[inside]
    imp = np.nan_to_num(daily["impressions"].to_numpy(float)[inside])
    clicks = per_week(y, used)
    exposure = per_week(f, used)
    impressions = per_week(imp, used)
    with np.errstate(invalid="ignore", divide="ignore"):
        square = per_week(np.where(f > 0, y * y / f, 0.0), used)
    rows_used = per_week(None, used)
    rows_season = per_week(dow_season, np.ones_like(used))
    rows_all = per_week(None, np.ones_like(used))
    # Days without a row from each keyword's start: zero clicks, seasonal exposure.
    by_day = season[(first_day.day_of_week + np.arange(n_days)) % _WEEK]
    day_age = (n_days - 1 - np.arange(n_days)) // _WEEK
    counted = np.arange(n_days)[None, :] >= start[:, None]  # keywords x days: bounded below
    week_season = np.zeros((k, n_weeks))
    week_days = np.zeros((k, n_weeks))
    for a in range(n_weeks):
        cols = day_age == a
        week_season[:, a] = (counted[:, cols] * by_day[cols]).sum(1)
        week_days[:, a] = counted[:, cols].sum(1)
    del counted
    missing_season = np.maximum(week_season - rows_season, 0.0)
    missing_days = np.maximum(week_days - rows_all, 0.0)
    return _Weeks(
        clicks=clicks,
        exposure=exposure + missing_season,
        impressions=impressions,
        square=square,
        days=rows_used + missing_days,
    )


def _day_dispersion(weeks: _Weeks, bucket: np.ndarray) -> tuple[np.ndarray, list[dict[str, float]]]:
    """Per bucket: the Pearson dispersion of days within weeks, pooled per bucket. Given a
    week's total ``Y > 0`` over days of exposure ``f_d`` (sum ``F``), the statistic
    ``F / Y * sum(y_d^2 / f_d) - Y`` has expectation exactly ``days - 1`` under Poisson
    (multinomial days), zero-click days included (they add nothing to the sum)."""
    y, f = weeks.clicks, weeks.exposure
    ok = (y > 0) & (f > 0) & (weeks.days >= 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = np.where(ok, f / np.where(ok, y, 1) * weeks.square - y, 0.0)
    dof = np.where(ok, weeks.days - 1, 0.0)
    stat_k, dof_k = stat.sum(1), dof.sum(1)
    phi = np.ones(len(_BUCKET_EDGES) + 1)
    report = []
    for j in range(len(_BUCKET_EDGES) + 1):
        sel = bucket == j
        d = float(dof_k[sel].sum())
        if d <= 0:
            continue
        estimate = float(stat_k[sel].sum()) / d
        significant = estimate > 1 + _DISPERSION_Z * math.sqrt(2 / d)
        phi[j] = estimate if significant else 1.0
        report.append({"below_clicks_per_day": _edge(j), "keywords": int(sel.sum()), "dof": d,
                       "pearson": estimate, "phi": float(phi[j])})  # fmt: skip
    return phi, report


def _origins(forecast_days: int, full_weeks: int) -> list[int]:
    """Ages (in weeks) of the drift backtest's origins: every week back, as long as two weeks
    (or the window, if shorter) remain before it to fit on."""
    span = max(round(forecast_days / _WEEK), 1)
    return [a for a in range(span, full_weeks) if full_weeks - a >= min(span, 2)]


def _forecast(
    weeks: _Weeks, origin: int, span: int, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """At ``origin`` (weeks back): the next ``span`` weeks' clicks and exposure, and from the
    weeks before it the weighted clicks, exposure and sum of ``w^2 y``."""
    past, test = slice(origin, None), slice(origin - span, origin)
    wp = w[: weeks.clicks.shape[1] - origin]
    return (
        weeks.clicks[:, test].sum(1),
        weeks.exposure[:, test].sum(1),
        weeks.clicks[:, past] @ wp,
        weeks.exposure[:, past] @ wp,
        weeks.clicks[:, past] @ wp**2,
    )


def _bucket(weeks: _Weeks, origin: int = 0) -> np.ndarray:
    """Each keyword's bucket of mean clicks/day over the weeks from ``origin`` back: in the
    backtest only the weeks before the origin place a keyword (placed by the weeks it is
    scored on, a quiet test window would pull it into a quiet bucket, and the forecasts that
    weigh recent weeks less would look better)."""
    y, f = weeks.clicks[:, origin:].sum(1), weeks.exposure[:, origin:].sum(1)
    mean = np.where(f > 0, y / np.maximum(f, 1e-300), 0.0)
    return np.searchsorted(np.asarray(_BUCKET_EDGES), mean)


def _choose_half_life(
    weeks: _Weeks,
    phi: np.ndarray,
    j: int | None,
    candidates: tuple[float, ...],
    origins: list[int],
    span: int,
    base: int = 0,
) -> tuple[float, list[dict[str, Any]]]:
    """The candidate (``candidates[0]`` is equal weights) with the smallest scaled Poisson
    deviance of the history's own rolling-origin forecasts over the keywords of bucket ``j``
    (every keyword: None); ``candidates[base]`` unless another beats it by
    ``_HALF_LIFE_MIN_GAIN`` and ``_HALF_LIFE_MIN_SHARE``."""
    if not origins or len(candidates) < 2:
        return candidates[base], []
    ages = np.arange(weeks.clicks.shape[1], dtype=float)
    members = {
        origin: np.ones(len(phi), bool) if j is None else _bucket(weeks, origin) == j
        for origin in origins
    }
    scores: list[dict[str, Any]] = []
    for h in candidates:
        deviance = 0.0
        for origin in origins:
            sel = members[origin]
            w = _weights(ages, h)
            y, f, yw, fw, _ = _forecast(weeks, origin, span, w)
            mu = np.maximum(_shrunk_rate(weeks, origin, w, yw, fw, phi, sel) * f, 1e-12)
            term = np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / mu), 0.0) - (y - mu)
            deviance += float((2 * term / phi)[sel & (f > 0)].sum())
        scores.append({"half_life_days": h if math.isfinite(h) else None, "deviance": deviance})
    reference = scores[base]["deviance"]
    best = min(range(len(scores)), key=lambda i: scores[i]["deviance"])
    gain = reference - scores[best]["deviance"]
    if best == base or gain < max(_HALF_LIFE_MIN_GAIN, _HALF_LIFE_MIN_SHARE * reference):
        return float(candidates[base]), scores
    return float(candidates[best]), scores


def _shrunk_rate(
    weeks: _Weeks,
    origin: int,
    w: np.ndarray,
    yw: np.ndarray,
    fw: np.ndarray,
    phi: np.ndarray,
    sel: np.ndarray,
) -> np.ndarray:
    """Each keyword's weighted rate shrunk toward its bucket's with a gamma prior whose
    strength is fitted by moments at this weighting: a weighting that keeps less data would
    otherwise win on sparse keywords by borrowing more from the bucket, not by following
    drift (the volume model's own prior is fitted too)."""
    f2w = weeks.exposure[:, origin:] @ w[: weeks.clicks.shape[1] - origin] ** 2
    use = sel & (fw > 0)
    if not use.any():  # no past exposure in the bucket: the account's rate
        return np.full(len(yw), max(yw.sum() / max(fw.sum(), 1e-300), 1e-12))
    m = max(yw[use].sum() / fw[use].sum(), 1e-12)
    rate = yw[use] / fw[use]
    noise = float(np.mean(phi[use] * m * f2w[use] / fw[use] ** 2))
    between = max(float(np.mean((rate - m) ** 2)) - noise, 1e-6 * m * m)
    strength = m * m / between  # the gamma prior's shape; its rate is strength / m
    return (yw + strength) / (fw + strength / m)


def _drift_variance(
    weeks: _Weeks,
    phi: np.ndarray,
    w: np.ndarray,
    origins: list[int],
    span: int,
    j: int | None = None,
) -> tuple[float, dict[str, Any]]:
    """Log variance of the next window's rate around the weighted forecast beyond count noise
    (method of moments over the backtest's keywords with enough clicks, chosen on the past
    alone; 0 unless significant). Account-wide movement is part of it: the forecast does not
    know it either."""
    excess, who = [], []
    for origin in origins:
        y, f, yw, fw, y2w = _forecast(weeks, origin, span, w)
        expected = yw / np.maximum(fw, 1e-300) * f
        # Chosen on the past alone (choosing on the outcome would truncate its spread).
        use = (yw >= _DRIFT_MIN_CLICKS) & (expected >= _DRIFT_MIN_CLICKS)
        if j is not None:
            use &= _bucket(weeks, origin) == j
        if not use.any():
            continue
        d = np.clip(np.log((y[use] + 0.5) / expected[use]), -3.0, 3.0)
        # Count noise of each side's log (delta method), with its second-order term: the log
        # of a count of 10 varies by 1/10 + 1/200, and that 0.005 alone would pass for drift
        # on an account with tens of thousands of small keywords.
        future, past = phi[use] / expected[use], phi[use] * y2w[use] / yw[use] ** 2
        noise = future + past + (future**2 + past**2) / 2
        excess.append(d**2 - noise)
        who.append(np.flatnonzero(use))
    if not excess:
        return 0.0, {"keywords": 0}
    values = np.concatenate(excess)
    mean = float(values.mean())
    # Origins a week apart overlap: a keyword's terms are correlated, so the standard error
    # is clustered by keyword (its terms' sum around the mean), not taken over the terms.
    keys, at = np.unique(np.concatenate(who), return_inverse=True)
    if len(keys) > 1:
        per_keyword = np.bincount(at, values - mean, minlength=len(keys))
        se = float(math.sqrt((per_keyword**2).sum() * len(keys) / (len(keys) - 1)) / len(values))
    else:
        se = math.inf
    drift = mean if mean > 2 * se else 0.0
    return max(drift, 0.0), {"keywords": len(keys), "terms": len(values),
                             "excess_log_var": mean, "se": se}  # fmt: skip
