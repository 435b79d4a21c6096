"""Out-of-model account simulators: accounts searchops' ROI models were not written for.

Written from how search auctions and shoppers behave, deliberately without reading the ROI
models (``sem/roi*``) or the bid optimizer, so the benchmark that uses them
(``benchmarks/sem_outofmodel.py``, issue 18) does not share their assumptions:

* **auction**: each keyword faces a handful of competitors whose bids jitter day to day; our
  ad is shown only at or above a reserve price, its position is one plus the number of higher
  competitor bids, and clicks per search are a staircase of position click-through rates;
  cost per click is second price: the next bid below ours (or the reserve) plus a cent,
  never above our bid;
* **volume**: searches per day follow a weekday and a yearly pattern, a per-keyword level
  that drifts as a random walk (log sd ``drift_sd_28`` per 28 days), and a gamma day factor
  (negative-binomial daily counts: about 1.7x Poisson variance for small keywords, 5x for
  head keywords);
* **conversions**: ``zero_value_share`` of keywords never convert; the others have a
  conversion rate with a weekday pattern and a slow drift; order values are heavy-tailed
  (log-normal, sd ``order_sigma``); conversions arrive late (a share on the click day, the
  rest geometric), and a report shows only what had arrived on its last day, attributed
  to the click's day as Google's reports do;
* **history**: the manager moves a keyword's bid by 10-30% up or down now and then.

Every simulator writes the Google Ads keyword report segmented by Day that ``searchops sem
import`` reads (rows without impressions left out, as Google does) and scores any bid set
over the next ``HORIZON_DAYS`` days in expectation (``score``), including the oracle's
(``oracle_bids``: the best bids under the same step cap, keyword by keyword).
``DemoSimulator`` gives the demo account (``demo.ads_account``) the same interface.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

HORIZON_DAYS = 7
# Click-through rate per search at ad positions 1..8 (a staircase: each slot lower gets
# fewer clicks); beyond the last slot the ad is not shown.
POSITION_CTR = np.array([0.09, 0.045, 0.03, 0.02, 0.013, 0.009, 0.006, 0.004])
MAX_COMPETITORS = len(POSITION_CTR) - 1
WEEKDAY_VOLUME = np.array([1.08, 1.07, 1.04, 1.0, 0.93, 0.86, 1.02])  # Monday first
WEEKDAY_CVR = np.array([1.04, 1.05, 1.02, 1.0, 0.95, 0.9, 1.04])
COMPETITOR_JITTER = 0.12  # log sd of a competitor's bid from one day to the next
NOISE_GRID = 16  # competitor-bid draws over which the expected score is taken
CATEGORIES = ["tents", "jackets", "boots", "packs", "sleeping bags", "stoves", "kayaks",
              "bikes", "skis", "headlamps", "watches", "gloves"]  # fmt: skip
_MATCH_LABEL = {"EXACT": "Exact match", "PHRASE": "Phrase match", "BROAD": "Broad match"}


@dataclass(frozen=True)
class SimConfig:
    """One member of the family: the knobs each mechanism turns."""

    name: str = "auction"
    keywords: int = 1000
    days: int = 90
    seed: int = 0
    until: date = date(2026, 11, 29)
    drift_sd_28: float = 0.5  # log sd of a keyword's volume from one 28-day window to the next
    dispersion: float = 25.0  # gamma shape of the day factor (variance/mean 1 + clicks/25)
    zero_value_share: float = 0.15
    order_sigma: float = 1.0  # log sd of one order's value (heavy tail)
    lag_same_day: float = 0.45  # share of conversions on the click's day
    lag_mean_days: float = 5.0  # mean delay of the others (geometric)
    bid_move_rate: float = 1 / 30  # chance per keyword and day that the manager moves the bid
    yearly_amplitude: float = 0.3
    volume_log_sd: float = 1.6  # spread of keyword volumes (head and long tail)
    volume_median: float = 10.0  # searches per day of the median keyword


FAMILY: dict[str, dict[str, float]] = {
    # the mechanisms at the strengths measured on real accounts (issue 18)
    "auction": {},
    # more drift and burstier days
    "volatile": {"drift_sd_28": 0.8, "dispersion": 8.0},
    # mostly long-tail keywords, more that never convert, longer conversion lag
    "longtail": {"volume_median": 3.0, "zero_value_share": 0.25, "lag_mean_days": 9.0},
}


def family_config(name: str, **kwargs: object) -> SimConfig:
    return SimConfig(name=name, **{**FAMILY[name], **kwargs})  # type: ignore[arg-type]


@dataclass
class Simulator:
    """A simulated account: its keywords, daily truth and history, and a scorer."""

    config: SimConfig
    keywords: pd.DataFrame  # campaign, ad_group, keyword, match_type, current_bid
    daily: pd.DataFrame  # every keyword x history day, zero days included (the truth)
    dates: pd.DatetimeIndex = field(repr=False)
    _arrays: dict[str, np.ndarray] = field(repr=False, default_factory=dict)

    @property
    def until(self) -> date:
        return self.config.until

    def current_bids(self) -> np.ndarray:
        return self.keywords["current_bid"].to_numpy(float, copy=True)

    # ------------------------------------------------------------ the auction

    def _auction(
        self, bids: np.ndarray, competitors: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(click share per search, cost per click, shown) at ``bids`` against
        ``competitors`` (keywords x ... x competitors, 0 = absent); ``bids`` is one per
        keyword or has the competitors' leading shape."""
        a = self._arrays
        lead = competitors.ndim - 1

        def per_keyword(values: np.ndarray) -> np.ndarray:
            return np.asarray(values, float).reshape((-1,) + (1,) * (lead - 1))

        x = per_keyword(bids) if np.ndim(bids) == 1 else np.asarray(bids, float)
        reserve = per_keyword(a["reserve"])
        above = competitors > x[..., None]
        position = above.sum(-1)  # 0-based slot
        shown = (x >= reserve) & (position < len(POSITION_CTR))
        ctr = np.where(shown, POSITION_CTR[np.minimum(position, len(POSITION_CTR) - 1)], 0.0)
        ctr = ctr * per_keyword(a["ctr_factor"])
        below = np.where(above, 0.0, competitors).max(-1)
        cpc = np.minimum(np.maximum(below, reserve) + 0.01, x)
        return ctr, cpc, shown

    def score(self, bids: np.ndarray, margin: float) -> pd.DataFrame:
        """Expected clicks, cost, value and profit over the next HORIZON_DAYS days at
        ``bids`` (0 = paused), keyword by keyword, with the future's true volumes."""
        a = self._arrays
        ctr, cpc, _ = self._auction(bids, a["grid"])  # keywords x grid
        click_share = ctr.mean(1)
        cost_share = (ctr * cpc).mean(1)
        searches = a["future_searches"]  # keywords x horizon (expected)
        clicks = searches.sum(1) * click_share
        cost = searches.sum(1) * cost_share
        value = click_share * (searches * a["future_cvr"]).sum(1) * a["order_value"]
        paused = np.asarray(bids, float) <= 0
        clicks, cost, value = (np.where(paused, 0.0, v) for v in (clicks, cost, value))
        return pd.DataFrame(
            {"clicks": clicks, "cost": cost, "value": value, "profit": margin * value - cost}
        )

    def oracle_bids(self, margin: float, step_cap: float, points: int = 81) -> np.ndarray:
        """Per keyword, the bid within +-step_cap of today's (in cents) that maximizes
        expected profit over the horizon."""
        current = self.current_bids()
        best = current.copy()
        best_profit = self.score(current, margin)["profit"].to_numpy(copy=True)
        for m in np.linspace(1 - step_cap, 1 + step_cap, points):
            bids = np.maximum(np.round(current * m, 2), 0.01)
            profit = self.score(bids, margin)["profit"].to_numpy()
            better = profit > best_profit + 1e-9
            best[better], best_profit[better] = bids[better], profit[better]
        return best

    def frozen_clicks(self, origin: int, days: int, seed: int, bids: np.ndarray) -> np.ndarray:
        """Clicks on history days ``origin..origin+days-1`` (keywords x days) had each
        keyword's bid been ``bids`` on those days: the same searches and competitor bids,
        only the manager's moves replaced (a forecast at a bid is judged at that bid)."""
        a = self._arrays
        window = slice(origin, origin + days)
        bid = np.asarray(bids, float)
        ctr, _, shown = self._auction(
            np.repeat(bid[:, None], days, 1), a["day_competitors"][:, window]
        )
        rng = np.random.default_rng([self.config.seed, origin, seed])
        return rng.binomial(np.where(shown, a["searches"][:, window], 0), np.clip(ctr, 0, 1))

    def write_export(self, path: Path) -> Path:
        return write_google_keyword_report(self.report_rows(), path, self.dates[0], self.until)

    def report_rows(self) -> pd.DataFrame:
        """What Google's keyword report by Day shows: rows with impressions, conversions as
        they had arrived on the report's last day."""
        d = self.daily[self.daily["impressions"] > 0]
        return d.assign(
            conversions=d["reported_conversions"], conversions_value=d["reported_value"]
        )


def generate(config: SimConfig) -> Simulator:
    """Draw one account (reproducible from ``config.seed``)."""
    c = config
    rng = np.random.default_rng([c.seed, sum(map(ord, c.name))])
    k, d, h = c.keywords, c.days, HORIZON_DAYS
    since = c.until - timedelta(days=d - 1)
    dates = pd.date_range(since, periods=d + h, freq="D")

    price = np.exp(rng.normal(np.log(1.0), 0.7, k))  # the keyword's going rate per click
    n_comp = rng.integers(1, MAX_COMPETITORS + 1, k)
    competitors = price[:, None] * np.exp(rng.normal(0, 0.35, (k, MAX_COMPETITORS)))
    competitors[np.arange(MAX_COMPETITORS)[None, :] >= n_comp[:, None]] = 0.0
    reserve = price * rng.uniform(0.15, 0.45, k)
    arrays: dict[str, np.ndarray] = {
        "reserve": reserve,
        "ctr_factor": np.exp(rng.normal(0, 0.3, k)),
        "grid": competitors[:, None, :]
        * np.exp(rng.normal(0, COMPETITOR_JITTER, (k, NOISE_GRID, MAX_COMPETITORS))),
    }

    # Volume: level x weekday x year x drift x gamma day factor.
    level = np.exp(rng.normal(np.log(c.volume_median), c.volume_log_sd, k))
    dow = dates.day_of_week.to_numpy()
    doy = dates.day_of_year.to_numpy()
    yearly = 1 + c.yearly_amplitude * np.cos(2 * np.pi * (doy - 340) / 365.25)
    steps = rng.normal(0, c.drift_sd_28 / np.sqrt(28), (k, d + h))
    drift = np.cumsum(steps, 1)
    day_factor = rng.gamma(c.dispersion, 1 / c.dispersion, (k, d + h))
    searches_mean = level[:, None] * WEEKDAY_VOLUME[dow][None, :] * yearly[None, :]
    searches_mean = searches_mean * np.exp(drift) * day_factor

    # Conversion rate: 0 for zero-value keywords, weekday pattern, slow drift.
    cvr = np.clip(np.exp(rng.normal(np.log(0.03), 0.6, k)), 0, 0.3)
    cvr[rng.random(k) < c.zero_value_share] = 0.0
    cvr_drift = np.exp(np.cumsum(rng.normal(0, 0.2 / np.sqrt(28), (k, d + h)), 1))
    cvr_t = np.clip(cvr[:, None] * WEEKDAY_CVR[dow][None, :] * cvr_drift, 0, 0.9)
    order_value = np.exp(rng.normal(np.log(120), 0.8, k))  # mean value of an order
    arrays["order_value"] = order_value
    arrays["future_searches"] = searches_mean[:, d:]
    arrays["future_cvr"] = cvr_t[:, d:]

    # Bids: around the going rate; the manager moves them now and then.
    bids = np.empty((k, d))
    bid = np.clip(np.round(price * np.exp(rng.normal(0, 0.5, k)), 2), 0.05, None)
    for t in range(d):
        move = rng.random(k) < c.bid_move_rate
        factor = 1 + rng.choice([-1, 1], k) * rng.uniform(0.1, 0.3, k)
        bid = np.where(move, np.clip(np.round(bid * factor, 2), 0.05, None), bid)
        bids[:, t] = bid

    sim = Simulator(
        config=c, keywords=_names(k, rng, bids[:, -1]), daily=pd.DataFrame(), dates=dates,
        _arrays=arrays,
    )  # fmt: skip
    day_comp = competitors[:, None, :] * np.exp(
        rng.normal(0, COMPETITOR_JITTER, (k, d, MAX_COMPETITORS))
    )
    ctr, cpc, shown = sim._auction(bids, day_comp)
    searches = rng.poisson(searches_mean[:, :d])
    arrays.update(searches=searches, day_competitors=day_comp, bids=bids)
    impressions = np.where(shown, searches, 0)
    clicks = rng.binomial(impressions, np.clip(ctr, 0, 1))
    conversions = rng.binomial(clicks, cvr_t[:, :d])
    reported, value, reported_value = _conversions(conversions, order_value, c, rng)
    kw = sim.keywords
    sim.daily = pd.DataFrame(
        {
            "date": np.tile(dates[:d], k),
            "row": np.repeat(np.arange(k), d),
            "campaign": np.repeat(kw["campaign"].to_numpy(), d),
            "ad_group": np.repeat(kw["ad_group"].to_numpy(), d),
            "keyword": np.repeat(kw["keyword"].to_numpy(), d),
            "match_type": np.repeat(kw["match_type"].to_numpy(), d),
            "cpc_bid": bids.ravel(),
            "impressions": impressions.ravel(),
            "clicks": clicks.ravel(),
            "cost": np.round(clicks * cpc, 2).ravel(),
            "conversions": conversions.ravel().astype(float),
            "conversions_value": np.round(value, 2).ravel(),
            "reported_conversions": reported.ravel().astype(float),
            "reported_value": np.round(reported_value, 2).ravel(),
        }
    )
    return sim


def _conversions(
    conversions: np.ndarray, order_value: np.ndarray, c: SimConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(conversions arrived by the report's last day, all orders' value, arrived value),
    each keywords x days, one draw per order."""
    k, d = conversions.shape
    n = int(conversions.sum())
    cells = np.repeat(np.arange(k * d), conversions.ravel())
    keyword = cells // d
    values = order_value[keyword] * np.exp(rng.normal(-(c.order_sigma**2) / 2, c.order_sigma, n))
    late = rng.random(n) >= c.lag_same_day
    lag = np.where(late, rng.geometric(1 / c.lag_mean_days, n), 0)
    arrived = (cells % d) + lag <= d - 1
    total = np.bincount(cells, values, k * d).reshape(k, d)
    arrived_n = np.bincount(cells, arrived.astype(float), k * d).reshape(k, d)
    arrived_v = np.bincount(cells, values * arrived, k * d).reshape(k, d)
    return arrived_n, total, arrived_v


def _names(k: int, rng: np.random.Generator, bids: np.ndarray) -> pd.DataFrame:
    category = rng.integers(0, len(CATEGORIES), k)
    group = rng.integers(0, max(1, k // 60), k)
    match = rng.choice(["EXACT", "PHRASE", "BROAD"], k, p=[0.5, 0.3, 0.2])
    words = ["trail", "alpine", "summit", "north", "ridge", "lake", "cedar", "storm", "pro"]
    cat = np.array(CATEGORIES)[category]
    return pd.DataFrame(
        {
            "campaign": [f"Search | {name}" for name in cat],
            "ad_group": [f"{name} {g}" for name, g in zip(cat, group, strict=True)],
            "keyword": [f"{words[i % len(words)]} {name} {i}" for i, name in enumerate(cat)],
            "match_type": match,
            "current_bid": bids,
        }
    )


def write_google_keyword_report(rows: pd.DataFrame, path: Path, since: date, until: date) -> Path:
    """The Google Ads UI's keyword report segmented by Day, "CSV" download (UTF-8 with BOM,
    title and date-range lines, [exact] / "phrase" notation, Total row)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Search keyword report"])
        w.writerow([f"{since:%B} {since.day}, {since.year} - {until:%B} {until.day}, {until.year}"])
        w.writerow(["Day", "Keyword status", "Keyword", "Match type", "Campaign", "Ad group",
                    "Max. CPC", "Currency code", "Clicks", "Impr.", "Cost", "Conversions",
                    "Conv. value"])  # fmt: skip
        columns = ["keyword", "match_type", "campaign", "ad_group", "cpc_bid", "clicks",
                   "impressions", "cost", "conversions", "conversions_value"]  # fmt: skip
        days = pd.to_datetime(rows["date"]).dt.strftime("%Y-%m-%d").tolist()
        values = zip(days, *(rows[c].tolist() for c in columns), strict=True)
        for day, kw, match, campaign, group, bid, clicks, impr, cost, conv, value in values:
            notation = {"EXACT": f"[{kw}]", "PHRASE": f'"{kw}"'}.get(str(match), str(kw))
            w.writerow([day, "Enabled", notation, _MATCH_LABEL[str(match)], campaign, group,
                        f"{bid:.2f}", "CAD", int(clicks), f"{int(impr):,}", f"{cost:,.2f}",
                        f"{conv:.2f}", f"{value:,.2f}"])  # fmt: skip
        w.writerow(["Total: Account", "--", "--", "--", "--", "--", "--", "CAD",
                    int(rows["clicks"].sum()), f"{int(rows['impressions'].sum()):,}",
                    f"{rows['cost'].sum():,.2f}", "--", "--"])  # fmt: skip
    return path


class DemoSimulator(Simulator):
    """The demo account (``demo.ads_account``: power-law clicks, CPC proportional to the bid,
    stationary Poisson volumes) behind the same interface, scored with its own truth."""

    def score(self, bids: np.ndarray, margin: float) -> pd.DataFrame:
        from demo.ads_account import SEASON, expected_clicks

        truth = self._truth
        x = np.asarray(bids, float)
        future = pd.date_range(self.until + timedelta(days=1), periods=HORIZON_DAYS, freq="D")
        season = float(SEASON[future.day_of_week.to_numpy()].sum())
        clicks = np.where(x > 0, expected_clicks(truth, np.maximum(x, 1e-9), season), 0.0)
        cost = clicks * truth["cpc_ratio"].to_numpy() * x
        value = clicks * truth["cvr"].to_numpy() * truth["value_per_conversion"].to_numpy()
        return pd.DataFrame(
            {"clicks": clicks, "cost": cost, "value": value, "profit": margin * value - cost}
        )

    def report_rows(self) -> pd.DataFrame:
        return self.daily[self.daily["impressions"] > 0]

    def frozen_clicks(self, origin: int, days: int, seed: int, bids: np.ndarray) -> np.ndarray:
        """Poisson clicks at ``bids`` on those days (the demo's own click model)."""
        from demo.ads_account import SEASON, expected_clicks

        bid = np.asarray(bids, float)
        season = SEASON[self.dates[origin : origin + days].day_of_week.to_numpy()]
        lam = expected_clicks(self._truth, bid)[:, None] * season[None, :]
        return np.random.default_rng([self.config.seed, origin, seed]).poisson(lam)

    _truth: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


def generate_demo(config: SimConfig) -> DemoSimulator:
    """The demo account with ``config``'s size, days, seed and last day."""
    from demo.ads_account import generate as generate_account

    account = generate_account(
        keywords=config.keywords, days=config.days, seed=config.seed, until=config.until,
        products=max(200, config.keywords // 5),
    )  # fmt: skip
    kw = account.frames["sem_keywords"].reset_index(drop=True)
    truth = account.frames["sem_truth"].set_index("criterion_id").loc[kw["criterion_id"]]
    names = kw[["campaign", "ad_group", "keyword", "match_type"]].assign(
        current_bid=kw["cpc_bid"].to_numpy(float)
    )
    dates = pd.date_range(account.since, periods=config.days + HORIZON_DAYS, freq="D")
    row = pd.Series(np.arange(len(kw)), index=kw["criterion_id"])
    seen = account.frames["sem_keyword_daily"].assign(
        row=lambda f: row.loc[f["criterion_id"]].to_numpy(),
        date=lambda f: pd.to_datetime(f["date"]),
    )
    grid = pd.MultiIndex.from_product(
        [np.arange(len(kw)), dates[: config.days]], names=["row", "date"]
    )
    full = (
        seen.set_index(["row", "date"])[
            ["cpc_bid", "impressions", "clicks", "cost", "conversions", "conversions_value"]
        ]
        .reindex(grid)
        .reset_index()
    )
    for col in ("impressions", "clicks", "cost", "conversions", "conversions_value"):
        full[col] = full[col].fillna(0)
    full = full.join(names.drop(columns="current_bid"), on="row")
    sim = DemoSimulator(config=config, keywords=names, daily=full, dates=dates)
    sim._truth = truth.reset_index()
    return sim


def make(name: str, **kwargs: object) -> Simulator:
    """A member of the family by name, or ``demo`` for the demo account."""
    if name == "demo":
        return generate_demo(SimConfig(name="demo", **kwargs))  # type: ignore[arg-type]
    return generate(family_config(name, **kwargs))


SIMULATORS = [*FAMILY, "demo"]
