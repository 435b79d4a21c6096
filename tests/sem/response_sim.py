"""An account simulator written for the click-response tests, independently of sem/roi: it
knows nothing of the model's curves, exposures or priors, only what a search account does.

* searches: a per-keyword level x an account-wide growth trend x a yearly season x a
  per-keyword random-walk drift (log sd ``drift_sd_28`` per 28 days) x a weekday pattern x a
  gamma day factor (overdispersed days);
* bids: the manager moves a keyword's bid now and then (chance ``move_rate`` a day) by
  10-30%, up more often than down (``up_share``), so over a long history the bids rise with
  the growing searches: bid level and time are correlated, as in a real account;
* clicks: searches x the response to the bid, one of

  - ``power``: ``(bid / base bid) ** beta``, beta uniform on 0.3-1.2 per keyword;
  - ``flat``: the bid changes nothing (the ad holds its position);
  - ``staircase``: x1.35 at each competitor's bid passed (thresholds around the base bid);

* impressions: clicks plus the searches that did not click (CTR about 5%); CPC 0.7 x bid.

``truth`` per keyword is the bid response the history's own moves carry: the power curve's
beta, 0 when flat, and for a staircase the least-squares slope through the origin of its
moves' true log response change on their log bid step (NaN without a move).

The report is written as the Google Ads UI's keyword report segmented by Day (a title line,
the date range, then Day, Keyword, Match type, Campaign, Ad group, Max. CPC, Currency code,
Clicks, Impr., Cost, Conversions, Conv. value; Google Ads Help "Download reports").
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

KINDS = ("power", "flat", "staircase")
_WEEKDAY = np.array([1.1, 1.1, 1.05, 1.0, 0.9, 0.85, 1.0])


@dataclass(frozen=True)
class Account:
    daily: pd.DataFrame  # date, keyword, ad_group, bid, clicks, impressions, cost
    truth: pd.Series  # per keyword name: the true bid response of its moves
    kind: str
    since: date
    until: date

    def write_report(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["Keyword report"])
            w.writerow([f"{self.since:%B} {self.since.day}, {self.since.year} - "
                        f"{self.until:%B} {self.until.day}, {self.until.year}"])  # fmt: skip
            w.writerow(["Day", "Keyword", "Match type", "Campaign", "Ad group", "Max. CPC",
                        "Currency code", "Clicks", "Impr.", "Cost", "Conversions",
                        "Conv. value"])  # fmt: skip
            d = self.daily
            for day, keyword, group, bid, clicks, impressions, cost in zip(
                d["date"].dt.strftime("%Y-%m-%d"), d["keyword"], d["ad_group"], d["bid"],
                d["clicks"], d["impressions"], d["cost"], strict=True,
            ):  # fmt: skip
                w.writerow([day, f"[{keyword}]", "Exact match", "Outdoor", group, f"{bid:.2f}",
                            "USD", clicks, impressions, f"{cost:.2f}", "0.00", "0.00"])  # fmt: skip
        return path


def simulate(
    kind: str,
    days: int,
    seed: int,
    keywords: int = 300,
    until: date = date(2026, 11, 15),
    drift_sd_28: float = 0.5,
    growth_per_year: float = 0.6,
    season: float = 0.3,
    move_rate: float = 1 / 30,
    up_share: float = 0.65,
) -> Account:
    rng = np.random.default_rng([seed, days, KINDS.index(kind)])
    k, t = keywords, np.arange(days)
    since = until - timedelta(days=days - 1)
    dates = pd.date_range(since, periods=days)
    level = np.exp(rng.normal(np.log(4.0), 1.0, k))  # clicks/day at the base bid
    year = 2 * np.pi * (dates.day_of_year.to_numpy() / 365.25)
    account = np.exp(growth_per_year * t / 365.25 + season * np.sin(year - 1.0))
    drift = np.cumsum(rng.normal(0, drift_sd_28 / np.sqrt(28), (k, days)), axis=1)
    day_factor = rng.gamma(5.0, 1 / 5.0, (k, days))
    searches = level[:, None] * account[None, :] * np.exp(drift) * day_factor
    searches *= _WEEKDAY[dates.day_of_week.to_numpy()][None, :]

    base = np.round(np.exp(rng.normal(0.0, 0.5, k)), 2)
    bids = np.empty((k, days))
    bid = base.copy()
    for day in range(days):
        move = rng.random(k) < move_rate
        size = rng.uniform(0.10, 0.30, k)
        up = rng.random(k) < up_share
        factor = np.where(up, 1 + size, 1 / (1 + size))
        bid = np.where(move & (day > 0), np.maximum(np.round(bid * factor, 2), 0.05), bid)
        bids[:, day] = bid

    log_response = _log_response(kind, bids, base, rng)
    mean_clicks = searches * np.exp(log_response)
    clicks = rng.poisson(mean_clicks)
    impressions = clicks + rng.poisson(mean_clicks * 19)
    r, c = np.nonzero(impressions > 0)
    names = np.array([f"{kind} tent {i}" for i in range(k)])
    daily = pd.DataFrame({
        "date": dates[c], "keyword": names[r], "ad_group": [f"group {i % 6}" for i in r],
        "bid": bids[r, c], "clicks": clicks[r, c], "impressions": impressions[r, c],
        "cost": np.round(clicks[r, c] * 0.7 * bids[r, c], 2),
    })  # fmt: skip
    return Account(daily, pd.Series(_truth(kind, bids, log_response), index=names), kind,
                   since, until)  # fmt: skip


def _log_response(
    kind: str, bids: np.ndarray, base: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    k = len(base)
    rel = np.log(bids / base[:, None])
    if kind == "power":
        beta = rng.uniform(0.3, 1.2, k)
        return beta[:, None] * rel
    if kind == "flat":
        return np.zeros_like(rel)
    # competitors' bids around the base bid: a step up at each one passed
    thresholds = np.log(np.array([0.6, 0.8, 1.0, 1.25, 1.6]))[None, :] + rng.normal(0, 0.08, (k, 5))
    passed = (rel[:, :, None] >= thresholds[:, None, :]).sum(axis=2)
    return passed * np.log(1.35)


def _truth(kind: str, bids: np.ndarray, log_response: np.ndarray) -> np.ndarray:
    d = np.diff(np.log(bids), axis=1)
    dr = np.diff(log_response, axis=1)
    sxx = (d * d).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (d * dr).sum(axis=1) / sxx
    if kind == "power":  # the curve's own exponent, moves or not
        rel = np.log(bids / bids[:, :1])
        with np.errstate(invalid="ignore", divide="ignore"):
            beta = (log_response - log_response[:, :1]).sum(1) / rel.sum(1)
        moved = np.abs(rel).sum(1) > 0
        return np.where(moved, beta, np.nan)
    if kind == "flat":
        return np.zeros(len(bids))
    return np.where(sxx > 0, slope, np.nan)
