"""Volume forecasts that follow drift and overdispersion (sem/roi/drift.py).

Two small accounts built here, dates and seeds pinned: one whose keyword rates drift (a log
random walk, consecutive 28-day windows ~0.5 apart in log-sd) with overdispersed days (about
1.7x Poisson for small keywords, 5x for head keywords: issue 18's measurements of a real
account), and the same account without drift or overdispersion (stationary Poisson). The
statistical assertions' false-alarm rates are checked over seeds and dates by
``benchmarks/recency.py``.
"""

from __future__ import annotations

import functools
from datetime import date

import numpy as np
import pandas as pd
import pytest

from sem import roi

FIRST_DAY = date(2025, 3, 3)
DAYS = 210
HISTORY = 90
KEYWORDS = 600


def _daily_rows(
    dates: pd.DatetimeIndex, bid: np.ndarray, clicks: np.ndarray, impressions: np.ndarray
) -> pd.DataFrame:
    """The keyword daily rows of (keyword x day) arrays: a row where a keyword had
    impressions, cost at 70% of the bid a click, no conversions."""
    r, c = np.nonzero(impressions > 0)  # days without impressions have no row, as in Google's
    return pd.DataFrame(
        {
            "date": dates[c],
            "criterion_id": r + 1,
            "cpc_bid": bid[r],
            "clicks": clicks[r, c],
            "impressions": impressions[r, c],
            "cost": clicks[r, c] * bid[r] * 0.7,
            "conversions": 0.0,
            "conversions_value": 0.0,
        }
    )


@functools.cache
def _account(seed: int, drifting: bool) -> tuple[dict[str, pd.DataFrame], np.ndarray]:
    """(frames, true expected clicks keywords x days): constant bids, so the click curve plays
    no part and every difference is the volume model's."""
    rng = np.random.default_rng(seed)
    n = KEYWORDS
    base = np.exp(rng.normal(np.log(0.8), 1.6, n))
    dates = pd.date_range(FIRST_DAY, periods=DAYS)
    season = np.array([1.1, 1.05, 1.0, 1.0, 0.95, 0.85, 1.05])[dates.day_of_week.to_numpy()]
    walk = np.zeros((n, DAYS))
    if drifting:  # consecutive 28-day means of a random walk differ by var q * 2 * 28 / 3
        walk = np.cumsum(rng.normal(0, np.sqrt(0.25 / (2 * 28 / 3)), (n, DAYS)), axis=1)
        walk -= walk.mean(axis=1, keepdims=True)
    lam = base[:, None] * np.exp(walk) * season[None, :]
    if drifting:
        phi = 1.7 + 0.04 * lam
        shape = lam / (phi - 1)
        clicks = rng.poisson(rng.gamma(shape, lam / shape))
    else:
        clicks = rng.poisson(lam)
    bid = np.round(np.exp(rng.normal(0, 0.4, n)), 2)
    impressions = clicks + rng.poisson(lam * 15)
    keywords = pd.DataFrame(
        {
            "criterion_id": np.arange(n) + 1,
            "customer_id": "123-456-7890",
            "campaign_id": 1 + np.arange(n) % 4,
            "campaign": "Shop",
            "ad_group_id": 100 + np.arange(n) % 40,
            "ad_group": "group",
            "keyword": [f"keyword {i}" for i in range(n)],
            "match_type": "EXACT",
            "status": "ENABLED",
            "category": [f"category {i % 3}" for i in range(n)],
            "item_id": None,
            "final_url": None,
            "cpc_bid": bid,
        }
    )
    daily = _daily_rows(dates, bid, clicks, impressions)
    frames = {"sem_keywords": keywords, "sem_keyword_daily": daily}
    return frames, clicks


def _origin_fit(seed: int, drifting: bool, origin: int) -> tuple[pd.DataFrame, np.ndarray]:
    frames, clicks = _account(seed, drifting)
    dates = pd.date_range(FIRST_DAY, periods=DAYS)
    fit = roi.fit_models(
        frames, since=dates[origin - HISTORY].date(), until=dates[origin - 1].date()
    )
    return fit, clicks


def test_drift_and_day_dispersion_are_measured_and_followed():
    fit, clicks = _origin_fit(seed=5, drifting=True, origin=150)
    recency = fit.attrs["diagnostics"]["clicks"]
    report = fit.attrs["diagnostics"]["recency"]
    head = [b for b in report["day_dispersion"] if b["below_clicks_per_day"] > 10]
    # Head keywords' days are several times Poisson (true 2.1-3.0x in these buckets).
    assert all(b["phi"] > 1.5 for b in head), head
    buckets = report["buckets"]
    # Drift is found (true 28-day log variance 0.25) and followed by recency weighting.
    assert all(b["half_life_days"] is not None for b in buckets if b["below_clicks_per_day"] > 3)
    # False alarm rates over 21 seed x origin runs (benchmarks/recency.py): 1 of 21 here, 0 of
    # 21 for the dispersion and half-life checks above.
    assert all(0.08 < b["drift_log_var"] < 0.6 for b in buckets), buckets
    assert recency["dispersion"] > 0  # the bid-level diagnostic is still reported
    # The next 28 days: the forecast beats the last-28-day mean over keywords (MAE), and
    # the 90% interval of the rate, with Poisson counts around it, covers the outcome.
    actual = clicks[:, 150:178].mean(axis=1)
    naive = clicks[:, 122:150].mean(axis=1)
    forecast = fit["clicks_per_day"].to_numpy()
    ratio = np.abs(forecast - actual).mean() / np.abs(naive - actual).mean()
    print(f"MAE vs last-28-day mean: {ratio:.3f}")
    assert ratio < 1.0  # false alarm rate: 0 of 21 seed x origin runs (benchmarks/recency.py)
    coverage = _predictive_coverage(fit, actual)
    print(f"predictive coverage of the 90% intervals: {coverage:.3f}")
    assert 0.82 <= coverage <= 0.96  # 1 of 21 runs outside (benchmarks/recency.py)


def test_a_stationary_poisson_account_is_left_alone():
    """No drift, Poisson days: equal weights, no dispersion, no drift variance: the volume
    model is the one calibrated on the demo account."""
    fit, _ = _origin_fit(seed=5, drifting=False, origin=150)
    report = fit.attrs["diagnostics"]["recency"]
    # False alarm rates over 21 seed x origin runs (benchmarks/recency.py): dispersion (3
    # standard errors one-sided per bucket) 0 of 21; half-life (a clear deviance gain) 0 of 21;
    # drift (twice its standard error, per bucket) 1 of 21.
    assert all(b["phi"] == 1.0 for b in report["day_dispersion"]), report["day_dispersion"]
    assert all(b["half_life_days"] is None for b in report["buckets"]), report["buckets"]
    assert all(b["drift_log_var"] == 0.0 for b in report["buckets"]), report["buckets"]
    assert (fit["clicks_dispersion"] == 1.0).all()


def _predictive_coverage(fit: pd.DataFrame, actual: np.ndarray) -> float:
    """Share of keywords whose next-28-day clicks/day falls in the 90% predictive interval:
    the rate lognormal with the forecast's log sd, Poisson counts around it."""
    rng = np.random.default_rng(0)
    sd = fit["clicks_log_sd"].to_numpy()[:, None]
    mean = fit["clicks_per_day"].to_numpy()[:, None]
    rate = mean * np.exp(sd * rng.standard_normal((len(fit), 400)) - sd**2 / 2)
    counts = rng.poisson(rate * 28) / 28
    lo, hi = np.quantile(counts, [0.05, 0.95], axis=1)
    return float(((actual >= lo) & (actual <= hi)).mean())


@pytest.mark.parametrize("drifting", [True, False])
def test_short_histories_choose_their_weighting_on_shorter_forecasts(drifting):
    """Under two forecast windows of history (48 days) there is no 28-day origin to backtest:
    the half-life is chosen on 2-week forecasts from every week back (with 28-day origins it
    kept equal weights, and a drifting 48-day history was forecast as if nothing drifted). The
    drift is still measured over the full window (origins every week, two weeks before each)."""
    frames, _ = _account(5, drifting)
    fit = roi.fit_models(frames, since=date(2025, 4, 1), until=date(2025, 5, 15))
    report = fit.attrs["diagnostics"]["recency"]
    assert report["backtest_origins_weeks_back"] == [2, 3, 4]
    assert report["backtest_span_weeks"] == 2
    assert np.isfinite(fit["clicks_per_day"]).all()
    drift = [b["drift_log_var"] for b in report["buckets"]]
    half_lives = {b["below_clicks_per_day"]: b["half_life_days"] for b in report["buckets"]}
    # Seeds 1-10 (benchmarks/recency.py --short-history): drifting, a half-life chosen in
    # every bucket above 3 clicks/day in 10 of 10 seeds and drift 0.08-0.32 per bucket (the
    # true 28-day log variance is 0.25, less what the weighting follows); stationary, equal
    # weights everywhere in 10 of 10 and drift under 0.03.
    if drifting:
        assert all(h is not None for edge, h in half_lives.items() if edge > 3), half_lives
        assert all(0.05 < d < 0.6 for d in drift), drift
    else:
        assert all(h is None for h in half_lives.values()), half_lives
        assert all(d < 0.05 for d in drift), drift


YEAR_FIRST_DAY = date(2024, 9, 1)
YEAR_DAYS = 430
YEAR_UNTIL = date(2025, 10, 31)  # the next 28 days climb toward the season's December peak


@functools.cache
def _yearly_account(seed: int, amplitude: float) -> tuple[dict[str, pd.DataFrame], np.ndarray]:
    """(frames, true expected clicks keywords x days): 300 keywords over 430 days, constant
    bids, Poisson clicks around a weekday and a yearly season (``1 + amplitude * cos``, peak on
    day 340 of the year) times a mild per-keyword drift."""
    rng = np.random.default_rng(seed)
    n = 300
    base = np.exp(rng.normal(np.log(1.5), 1.2, n))
    dates = pd.date_range(YEAR_FIRST_DAY, periods=YEAR_DAYS)
    weekday = np.array([1.1, 1.05, 1.0, 1.0, 0.95, 0.85, 1.05])[dates.day_of_week.to_numpy()]
    yearly = 1 + amplitude * np.cos(2 * np.pi * (dates.day_of_year.to_numpy() - 340) / 365.25)
    walk = np.cumsum(rng.normal(0, 0.2 / np.sqrt(28), (n, YEAR_DAYS)), axis=1)
    lam = base[:, None] * np.exp(walk) * (weekday * yearly)[None, :]
    clicks = rng.poisson(lam)
    bid = np.round(np.exp(rng.normal(0, 0.4, n)), 2)
    impressions = clicks + rng.poisson(lam * 15)
    frames, _ = _account(seed, False)
    keywords = frames["sem_keywords"].iloc[:n].assign(cpc_bid=bid)
    daily = _daily_rows(dates, bid, clicks, impressions)
    return {"sem_keywords": keywords, "sem_keyword_daily": daily}, lam


@pytest.mark.parametrize("amplitude", [0.3, 0.0])
def test_a_year_of_history_forecasts_the_yearly_season(amplitude):
    """With a year of history the account's yearly season (statsmodels' state space model of
    its weekly index) scales each keyword's rate from the weeks it was measured on to the
    forecast window: in late October, 28 days up the slope to a December peak, the forecast
    is no longer ~7% low. Without a season the factor stays near 1."""
    frames, lam = _yearly_account(3, amplitude)
    fit = roi.fit_models(frames, since=YEAR_FIRST_DAY, until=YEAR_UNTIL)
    season = fit.attrs["diagnostics"]["recency"]["yearly_season"]
    assert season["fitted"], season
    origin = (YEAR_UNTIL - YEAR_FIRST_DAY).days + 1
    truth = lam[:, origin : origin + 28].mean(axis=1)
    bias = float(np.mean(np.log(fit["clicks_per_day"].to_numpy() / truth)))
    rise = season["next_window_log_season"] - season["latest_4_weeks_log_season"]
    print(f"season rise {rise:.3f}, forecast log bias {bias:.3f}")
    # Seeds 1-10 (benchmarks/recency.py --yearly): amplitude 0.3, rise 0.059-0.075 (true
    # 0.066) and bias -0.003-0.037 (without the season -0.080 to -0.036); amplitude 0, rise
    # -0.008-0.014 and bias -0.006-0.023.
    if amplitude:
        assert 0.03 < rise < 0.12, season
    else:
        assert abs(rise) < 0.03, season
    assert -0.02 < bias < 0.05, bias
