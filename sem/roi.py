"""Keyword ROI models: click response to bid, conversion rate, value, cost; with intervals.

Models (one row per keyword out of :func:`fit_models`):

* **Clicks** at bid ``x`` per (average) day: ``min(click_ceiling, a * x ** b)``. Each keyword's
  elasticity ``b`` is the conditional (keyword fixed-effect) Poisson MLE over its bid levels,
  daily history plus bid-landscape points (weighted by ``landscape_weight``), with weekday
  seasonality as exposure; it is then shrunk toward its category's mean with a random-effects
  meta-analysis (statsmodels ``combine_effects``, DerSimonian-Laird), so sparse keywords borrow
  strength. Given ``b``, the volume at the keyword's reference bid is impressions/day times
  CTR: a Poisson-lognormal empirical-Bayes posterior of the impressions and a beta-binomial one
  of the CTR (clicks alone when the data has no impressions). The ceiling comes from
  landscapes that flatten out (else inf).
* **Conversion rate**: beta-binomial empirical Bayes, prior fitted by maximum likelihood per
  category (scipy), posterior ``Beta(alpha + conversions, beta + clicks - conversions)``,
  equal-tailed credible interval.
* **Value per conversion**: log-normal, shrunk toward the product's price (from ``sem_products``)
  or the category when the price is unknown, per-order spread pooled from daily rows.
* **Cost per click** as a share of the bid (``cpc_ratio``), shrunk toward the category's.
* ROAS, marginal ROAS and profit per day at the current bid with intervals from a vectorized
  parametric bootstrap over the posteriors.

``shrinkage`` scales every prior's strength (1 = the fitted empirical-Bayes prior; 0 = no
pooling); the bidding policy search tunes it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from statsmodels.base.model import GenericLikelihoodModel
from statsmodels.stats.meta_analysis import combine_effects

from searchops.errors import SearchopsError
from searchops.workspace import Workspace
from sem import tables

# Bid levels per keyword in the grouping key: bids in 1/10,000 up to 10^6 (any real bid).
_BID_LEVELS = 10**10
_BOOTSTRAP_CHUNK = 5000  # keywords per bootstrap block: bounds memory at 100,000 keywords
# Fewer keywords with clicks than this and a fitted prior is noise: a weak prior is used.
_MIN_PRIOR_KEYWORDS = 30
# Pseudo-keywords of the cross-category spread in each category's between-keyword variance.
_SPREAD_POOLING = 100.0
# Keywords the volume prior is fitted on (a random sample beyond): a dozen parameters are
# pinned down long before that, and the quadrature costs per keyword.
_VOLUME_FIT_KEYWORDS = 20_000
# Keywords per block of the posterior grid (171 points each): bounds memory at 100k keywords.
_GRID_CHUNK = 10_000
# Leading days without rows count up to this many mean gaps between a keyword's rows
# (the chance of a longer gap by chance alone is about exp(-5), under 1%).
_LEADING_GAPS = 5.0
# Percentiles of the account's log bids where the conversion-rate prior's mean may bend
# (linear splines): the lower half, where bid floors stop bids tracking value.
_CVR_BID_KNOTS = (10, 25, 50)
# Prior sd of the volume prior's category / match type / bid coefficients (log scale):
# e^3 = 20x between categories is allowed, a category without clicks cannot run off.
_VOLUME_COEF_SD = 3.0


@dataclass(frozen=True)
class RoiOptions:
    """Options of the ROI models. No defaults here: ``[sem]`` of ``config/default.toml`` is the
    one source (:meth:`from_settings`; ``fit_models`` without options reads it)."""

    margin: float
    interval: float
    shrinkage: float
    landscape_weight: float
    min_clicks: int
    min_conversions: int
    draws: int
    seed: int

    @classmethod
    def from_settings(cls, settings: Any = None, **overrides: Any) -> RoiOptions:
        """From loaded settings (default: ``load_settings()``, i.e. default.toml and the
        project's searchops.toml as the CLI reads them); ``None`` overrides are ignored."""
        from searchops.settings import resolve_settings

        settings = resolve_settings(settings)
        sem = settings.sem
        base = {
            "margin": sem.margin,
            "interval": sem.interval,
            "shrinkage": sem.shrinkage,
            "landscape_weight": sem.landscape_weight,
            "min_clicks": sem.min_clicks,
            "min_conversions": sem.min_conversions,
            "draws": sem.bootstrap_draws,
            "seed": sem.seed,
        }
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)


def options_from_settings(settings: Any = None, **overrides: Any) -> RoiOptions:
    return RoiOptions.from_settings(settings, **overrides)


# The daily columns the models read: at 100,000 keywords x 90 days the table's text columns
# (source, pull id, customer id) alone would take gigabytes as Python strings.
DAILY_COLUMNS = ("date", "criterion_id", "cpc_bid", "clicks", "impressions", "cost",
                 "conversions", "conversions_value")  # fmt: skip


def load_frames(
    data: Workspace | Mapping[str, pd.DataFrame] | Any,
    source: str | None = None,
) -> dict[str, pd.DataFrame]:
    """The SEM tables of one source from a workspace, a dict of frames or a DemoAccount
    (``sem_keyword_daily`` with :data:`DAILY_COLUMNS` only)."""
    names = ("sem_keywords", "sem_keyword_daily", "sem_bid_landscape", "sem_products")
    only = {"sem_keyword_daily": DAILY_COLUMNS}
    if isinstance(data, Workspace):
        found = tables.sources(data)
        if not found:
            raise SearchopsError(
                "no SEM data in the workspace: run `searchops sem demo|pull|import`"
            )
        if source is None:
            source = found[0]
        elif source not in found:
            raise SearchopsError(f"no SEM source {source!r}; known: {', '.join(found)}")
        return {n: tables.read(data, n, source=source, only=only.get(n)) for n in names}
    frames = getattr(data, "frames", data)
    out = {}
    for n in names:
        frame = frames.get(n, pd.DataFrame())
        if n in only:  # project before conforming: conform copies every column it keeps
            frame = frame[[c for c in only[n] if c in frame.columns]]
        out[n] = tables.conform(n, frame, only.get(n))
    return out


# ------------------------------------------------------------------ fitting


def fit_models(
    data: Workspace | Mapping[str, pd.DataFrame] | Any,
    *,
    source: str | None = None,
    since: date | None = None,
    until: date | None = None,
    options: RoiOptions | None = None,
    **option_overrides: Any,
) -> pd.DataFrame:
    """Fit every keyword's models; one row per keyword (columns in ``sem/__init__.py``).

    ``since``/``until`` restrict the daily history (backtests fit on earlier weeks).
    Model diagnostics are in ``result.attrs["diagnostics"]``.
    """
    opts = options or RoiOptions.from_settings()
    if option_overrides:
        opts = replace(opts, **option_overrides)
    frames = load_frames(data, source)
    kw = frames["sem_keywords"].drop_duplicates("criterion_id").reset_index(drop=True)
    if kw.empty:
        raise SearchopsError("no keywords to model")
    daily = frames["sem_keyword_daily"]
    if since is not None:
        daily = daily[daily["date"] >= pd.Timestamp(since)]
    if until is not None:
        daily = daily[daily["date"] <= pd.Timestamp(until)]
    landscape = frames["sem_bid_landscape"]
    if until is not None:
        landscape = landscape[landscape["end_date"] <= pd.Timestamp(until)]

    k_index = pd.Index(kw["criterion_id"].to_numpy())
    k = len(kw)
    cat_codes, cats = pd.factorize(kw["category"].fillna("(none)").astype(str))
    current_bid = kw["cpc_bid"].to_numpy(float)

    season = _weekday_season(daily)
    totals = _keyword_totals(daily, k_index)
    groups = _bid_groups(daily, landscape, k_index, current_bid, season, opts.landscape_weight)
    # Observations above a landscape's ceiling carry no information about the slope.
    ceiling_bid, ceiling = _landscape_ceiling(landscape, k_index)
    below = groups["bid"] <= ceiling_bid[groups["k"]] * 1.0001
    groups = {name: values[below] for name, values in groups.items()}

    b_raw, b_raw_se = _elasticity_mle(groups, k)
    dispersion = _click_dispersion(groups, b_raw, k)
    b_raw_se = b_raw_se * math.sqrt(max(dispersion, 1.0))
    b, b_se, elast_prior = _shrink_normal(
        b_raw, b_raw_se, cat_codes, len(cats), opts.shrinkage, informative_se=0.3
    )
    b = np.clip(b, 0.05, 3.0)

    # Days of the window without a row had no impression (Google's reports omit them): they
    # are zero-click exposure, most of a long-tail keyword's history. Without them a sparse
    # keyword's rate is clicks per day *with impressions*, several times its real rate.
    x_ref = _reference_bid(groups, k, current_bid)
    missing = _missing_exposure(daily, k_index, season, since, until)
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
    if dispersion > 1:  # quasi-Poisson: extra-Poisson noise makes each click worth less
        y_k, s_k, i_k = y_k / dispersion, s_k / dispersion, i_k / dispersion
    if i_k.sum() > 0 and np.all(i_k >= y_k - 1e-6):
        # Impressions reported: clicks/day = impressions/day x CTR, each with its own
        # posterior (the likelihood factorizes: impressions ~ Poisson, clicks | impressions ~
        # binomial). A zero-click keyword's few impressions are then data on its volume, not
        # a noisy covariate of it.
        volume = _joint_volume_posterior(y_k, s_k, i_k, kw, cat_codes, len(cats), x_ref, opts)
    else:  # impressions incomplete (an import without them): clicks alone
        known = bool(np.isfinite(totals["impressions"]).all() and totals["impressions"].sum() > 0)
        volume = _volume_posterior(
            y_k,
            s_k,
            _volume_covariates(
                kw, cat_codes, len(cats), x_ref, impressions_per_day if known else None
            ),
            totals["impressions"] if known else np.full(k, np.inf),  # inf: no count spread
            opts,
            seed=opts.seed,
        )
    # Clicks/day at the current bid: log c = u + b * log(x / x_ref), b's uncertainty added.
    shift = np.log(np.where(current_bid > 0, current_bid, x_ref) / x_ref)
    log_sd = np.sqrt(volume["var"] + (shift * b_se) ** 2 + landscape_var)
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
    a_se = volume["sd"] / x_ref**b

    typical_bid = np.where(
        totals["days"] > 0, totals["bid_sum"] / np.maximum(totals["days"], 1), current_bid
    )
    price = _item_price(kw, frames["sem_products"])
    cvr_alpha, cvr_beta, cvr_prior = _cvr_posterior(
        totals["clicks"],
        totals["conversions"],
        np.log(np.where(typical_bid > 0, typical_bid, np.nanmedian(current_bid))),
        price,
        cat_codes,
        len(cats),
        opts.shrinkage,
    )
    lo_q, hi_q = (1 - opts.interval) / 2, (1 + opts.interval) / 2
    vpc_mu, vpc_sd = _value_posterior(daily, totals, k_index, price, cat_codes, len(cats), opts)
    ratio, ratio_se = _cpc_ratio(daily, k_index, cat_codes, len(cats), opts.shrinkage)

    z = stats.norm.ppf(hi_q)
    out = pd.DataFrame(
        {
            "criterion_id": kw["criterion_id"],
            "customer_id": kw["customer_id"],
            "campaign_id": kw["campaign_id"],
            "campaign": kw["campaign"],
            "ad_group_id": kw["ad_group_id"],
            "ad_group": kw["ad_group"],
            "keyword": kw["keyword"],
            "match_type": kw["match_type"],
            "status": kw["status"],
            "category": kw["category"],
            "item_id": kw["item_id"],
            "final_url": kw["final_url"],
            "current_bid": current_bid,
            "days": totals["days"],
            "clicks": totals["clicks"],
            "impressions": totals["impressions"],
            "cost": totals["cost"],
            "conversions": totals["conversions"],
            "conversions_value": totals["value"],
            "bid_levels": np.bincount(groups["k"], minlength=k),
            "has_landscape": k_index.isin(landscape["criterion_id"].dropna()),
            "a": a,
            "a_se": a_se,
            "elasticity": b,
            "elasticity_se": b_se,
            "elasticity_raw": b_raw,
            "click_ceiling": ceiling,
            "cpc_ratio": ratio,
            "cpc_ratio_se": ratio_se,
            "cvr": cvr_alpha / (cvr_alpha + cvr_beta),
            "cvr_lo": stats.beta.ppf(lo_q, cvr_alpha, cvr_beta),
            "cvr_hi": stats.beta.ppf(hi_q, cvr_alpha, cvr_beta),
            "cvr_alpha": cvr_alpha,
            "cvr_beta": cvr_beta,
            "value_per_conversion": np.exp(vpc_mu + vpc_sd**2 / 2),
            "value_per_conversion_lo": np.exp(vpc_mu - z * vpc_sd),
            "value_per_conversion_hi": np.exp(vpc_mu + z * vpc_sd),
            "value_log_mu": vpc_mu,
            "value_log_sd": vpc_sd,
        }
    )
    out["clicks_per_day"] = np.minimum(ceiling, a * current_bid**b)
    out["clicks_lo"] = np.minimum(clicks_lo, out["clicks_per_day"])
    out["clicks_hi"] = np.maximum(clicks_hi, out["clicks_per_day"])
    out["clicks_log_sd"] = log_sd
    out["value_per_click"] = out["cvr"] * out["value_per_conversion"]
    out["cpc"] = ratio * current_bid
    out["cpc_lo"] = np.maximum(ratio - z * ratio_se, 0.0) * current_bid
    out["cpc_hi"] = (ratio + z * ratio_se) * current_bid
    _add_derived_intervals(out, opts)
    out["enough_clicks"] = out["clicks"] >= opts.min_clicks
    out["enough_conversions"] = out["conversions"] >= opts.min_conversions
    out["bid_variation"] = (out["bid_levels"] >= 2) | out["has_landscape"]
    out["sufficient"] = out["enough_clicks"] & out["bid_variation"]
    out.attrs["diagnostics"] = {
        "keywords": k,
        "options": opts.__dict__,
        "season": season.round(4).tolist(),
        "clicks": _click_diagnostics(groups, a, b, k) | {"dispersion": dispersion},
        "elasticity_prior": elast_prior,
        "volume_prior": volume["prior"],
        "cvr_prior": cvr_prior,
        "cvr": _cvr_diagnostics(totals, cvr_alpha, cvr_beta),
    }
    return out


def _weekday_season(daily: pd.DataFrame) -> np.ndarray:
    """Mean clicks per weekday over the mean day (1 everywhere without enough data)."""
    if daily.empty or daily["clicks"].sum() < 100:
        return np.ones(7)
    dow = daily["date"].dt.day_of_week.to_numpy()
    clicks = np.bincount(dow, daily["clicks"].to_numpy(float), minlength=7)
    days = np.bincount(pd.Series(daily["date"].unique()).dt.day_of_week.to_numpy(), minlength=7)
    if (days == 0).any():
        return np.ones(7)
    per_day = clicks / days
    return per_day / per_day.mean()


def _keyword_totals(daily: pd.DataFrame, k_index: pd.Index) -> dict[str, np.ndarray]:
    k = len(k_index)
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    ok = pos >= 0
    pos = pos[ok]

    def total(col: str) -> np.ndarray:
        return np.bincount(pos, daily[col].to_numpy(float)[ok], minlength=k)

    return {
        "clicks": total("clicks"),
        "impressions": total("impressions"),
        "cost": total("cost"),
        "conversions": total("conversions"),
        "value": total("conversions_value"),
        "days": np.bincount(pos, minlength=k),
        "bid_sum": np.bincount(
            pos, np.nan_to_num(daily["cpc_bid"].to_numpy(float)[ok]), minlength=k
        ),
    }


def _bid_groups(
    daily: pd.DataFrame,
    landscape: pd.DataFrame,
    k_index: pd.Index,
    current_bid: np.ndarray,
    season: np.ndarray,
    landscape_weight: float,
) -> dict[str, np.ndarray]:
    """Observation groups (keyword, bid), sorted: clicks ``y`` and seasonal exposure ``e`` in
    days. Grouped with numpy on one integer key (keyword, bid in 1/10,000 of the currency: bids
    are multiples of a cent): a pandas groupby of the 7.5 million daily rows of 100,000
    keywords held several copies of them at once."""
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    bid = daily["cpc_bid"].to_numpy(float)
    known = np.isfinite(bid) & (bid > 0)
    # A day without a bid (older than the change history a pull rebuilds bids from) is left
    # out of the click curve: taking today's bid for it would put clicks bought at another
    # bid at today's and flatten the elasticity. Only a keyword with no known bid at all
    # keeps its days, at today's bid (one level: its elasticity comes from the prior).
    has_known = np.bincount(pos[known & (pos >= 0)], minlength=len(k_index)) > 0
    bid = np.where(known, bid, np.where(has_known[pos], np.nan, current_bid[pos]))
    del known, has_known
    key = [_group_key(pos, bid)]
    del pos, bid
    # (values, weights) per part; summed per group part by part, never concatenated.
    weights = [(daily["clicks"].to_numpy(float), season[daily["date"].dt.day_of_week.to_numpy()],
                daily["impressions"])]  # fmt: skip
    if landscape_weight > 0 and not landscape.empty:
        lpos = k_index.get_indexer(pd.Index(landscape["criterion_id"].to_numpy()))
        span = (landscape["end_date"] - landscape["start_date"]).dt.days.to_numpy() + 1
        key.append(_group_key(lpos, landscape["cpc_bid"].to_numpy(float)))
        weights.append((landscape_weight * landscape["clicks"].to_numpy(float),
                        landscape_weight * span.astype(float),
                        landscape_weight * np.nan_to_num(
                            landscape["impressions"].to_numpy(float))))  # fmt: skip
    keys, group = np.unique(np.concatenate(key) if len(key) > 1 else key[0], return_inverse=True)
    del key
    y_sum, e_sum, i_sum = np.zeros(len(keys)), np.zeros(len(keys)), np.zeros(len(keys))
    start = 0
    while weights:
        y, e, imp = weights.pop(0)
        part = group[start : start + len(y)]
        start += len(y)
        y_sum += np.bincount(part, y, minlength=len(keys))
        e_sum += np.bincount(part, e, minlength=len(keys))
        # Impressions converted only once clicks and exposure are freed: at 100,000 keywords
        # each is 7.5 million floats, and the three at once were the command's peak memory.
        del y, e
        i_sum += np.bincount(part, np.nan_to_num(np.asarray(imp, float)), minlength=len(keys))
        del imp
    valid = keys >= 0
    keys = keys[valid]
    return {
        "k": keys // _BID_LEVELS,
        "bid": (keys % _BID_LEVELS) / 1e4,
        "y": y_sum[valid],
        "e": e_sum[valid],
        "impressions": i_sum[valid],
    }


def _group_key(pos: np.ndarray, bid: np.ndarray) -> np.ndarray:
    """int64 (keyword, bid) key; -1 for rows of unknown keywords or without a bid."""
    ok = (pos >= 0) & np.isfinite(bid) & (bid > 0)
    key = np.rint(np.where(ok, bid, 0.0) * 1e4).astype(np.int64)
    key += pos.astype(np.int64) * _BID_LEVELS
    key[~ok] = -1
    return key


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


def _shrink_normal(
    est: np.ndarray,
    se: np.ndarray,
    cat: np.ndarray,
    n_cat: int,
    shrinkage: float,
    informative_se: float = np.inf,
) -> tuple[np.ndarray, np.ndarray, list[dict[str, float]]]:
    """Normal-normal empirical Bayes by category (random-effects meta-analysis).

    The prior (mean, between-keyword variance) is estimated from the keywords whose own
    standard error is below ``informative_se``: near-empty keywords' estimates are biased
    and their standard errors asymptotic, which would understate the true spread.
    """
    ok = np.isfinite(est) & np.isfinite(se) & (se > 0)
    informative = ok & (se < informative_se)
    if informative.sum() < 20:
        informative = ok
    overall = (
        _combine(est[informative], se[informative] ** 2)
        if informative.sum() >= 3
        else (0.8, 0.25, 0.01)
    )
    prior_mean, prior_var, mean_var = np.empty(n_cat), np.empty(n_cat), np.empty(n_cat)
    report = []
    counts = np.zeros(n_cat)
    for c in range(n_cat):
        sel = informative & (cat == c)
        mean, tau2, var_mean = _combine(est[sel], se[sel] ** 2) if sel.sum() >= 5 else overall
        prior_mean[c], prior_var[c], mean_var[c], counts[c] = mean, tau2, var_mean, sel.sum()
    # A category's spread estimate is noisy (often exactly 0 with DerSimonian-Laird), and a
    # zero spread would make its keywords' intervals collapse onto the category mean: pool
    # the spreads across categories, a category's own weighing in with its keyword count.
    shared = float(np.average(prior_var, weights=counts)) if counts.sum() > 0 else overall[1]
    prior_var = (counts * prior_var + _SPREAD_POOLING * shared) / (counts + _SPREAD_POOLING)
    prior_var = np.maximum(prior_var, 1e-4)
    for c in range(n_cat):
        report.append({"mean": float(prior_mean[c]), "tau2": float(prior_var[c]),
                       "keywords": int(counts[c])})  # fmt: skip
    pm, pv = prior_mean[cat], prior_var[cat] / max(shrinkage, 1e-9)
    precision = np.where(ok, 1 / np.where(ok, se, 1.0) ** 2, 0.0)
    if shrinkage <= 0:
        post = np.where(ok, est, pm)
        post_sd = np.where(ok, se, np.sqrt(prior_var[cat] + mean_var[cat]))
        return post, post_sd, report
    post_prec = precision + 1 / pv
    post = (np.where(ok, est, 0.0) * precision + pm / pv) / post_prec
    return post, np.sqrt(1 / post_prec + mean_var[cat]), report


def _combine(effect: np.ndarray, variance: np.ndarray) -> tuple[float, float, float]:
    with np.errstate(invalid="ignore"):  # statsmodels takes sqrt of a negative DL tau2 path
        res = combine_effects(effect, variance, method_re="dl")
    if not res.tau2 > 0:  # no between-keyword spread detected: the fixed-effect pooled mean
        return float(res.mean_effect_fe), 0.0, float(res.var_eff_w_fe)
    return float(res.mean_effect_re), float(res.tau2), float(res.var_eff_w_re)


def _reference_bid(groups: dict[str, np.ndarray], k: int, current_bid: np.ndarray) -> np.ndarray:
    """Each keyword's exposure-weighted geometric mean bid: where its volume is measured."""
    kk, e = groups["k"], groups["e"]
    weight = np.bincount(kk, e, minlength=k)
    log_mean = np.bincount(kk, e * np.log(groups["bid"]), minlength=k) / np.maximum(weight, 1e-300)
    fallback = np.where(np.isfinite(current_bid) & (current_bid > 0), current_bid, np.nan)
    fallback = np.where(
        np.isfinite(fallback),
        fallback,
        np.nanmedian(fallback) if np.isfinite(fallback).any() else 1.0,
    )
    return np.where(weight > 0, np.exp(log_mean), fallback)


def _missing_exposure(
    daily: pd.DataFrame,
    k_index: pd.Index,
    season: np.ndarray,
    since: date | None,
    until: date | None,
) -> np.ndarray:
    """Seasonal exposure (days) of each keyword's days without a daily row in the window.

    The window is ``since..until`` (else the history's first..last day). Leading days before
    a keyword's first row count only up to ``_LEADING_GAPS`` of its mean gap between rows: a
    keyword seen most days whose first row is late was most likely created then (the reports
    do not say), while a keyword without rows, or with one, gets the whole window.
    """
    k = len(k_index)
    if daily.empty:
        return np.zeros(k)
    first_day = pd.Timestamp(since) if since is not None else daily["date"].min()
    last_day = pd.Timestamp(until) if until is not None else daily["date"].max()
    n_days = max((last_day - first_day).days + 1, 1)
    by_day = season[(first_day.day_of_week + np.arange(n_days)) % 7]
    cum = np.concatenate([[0.0], np.cumsum(by_day)])
    pos = k_index.get_indexer(pd.Index(daily["criterion_id"].to_numpy()))
    day = (daily["date"] - first_day).dt.days.to_numpy()
    ok = (pos >= 0) & (day >= 0) & (day < n_days)
    pos, day = pos[ok], day[ok]
    rows = np.bincount(pos, minlength=k)
    observed = np.bincount(pos, by_day[day], minlength=k)
    first = np.full(k, n_days, dtype=np.int64)
    last = np.full(k, -1, dtype=np.int64)
    np.minimum.at(first, pos, day)
    np.maximum.at(last, pos, day)
    first = np.where(rows > 0, first, 0)
    last = np.where(rows > 0, last, n_days - 1)
    mean_gap = (last - first + 1) / np.maximum(rows, 1)
    lead = np.where(rows >= 2, np.minimum(first, np.ceil(_LEADING_GAPS * mean_gap)), first)
    start = (first - lead).astype(np.int64)
    return np.maximum(cum[n_days] - cum[start] - observed, 0.0)


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
    both = (y_hist >= 300) & (y_land >= 100) & (s_hist > 0)  # Poisson noise well below the bias
    if both.sum() < _MIN_PRIOR_KEYWORDS:
        return np.zeros(k), 0.0
    d = np.log(y_land[both] / e_land[both]) - np.log(y_hist[both] / s_hist[both])
    noise = np.mean(1 / y_hist[both] + 1 / y_land[both])
    spread = (1.4826 * np.median(np.abs(d - np.median(d)))) ** 2  # robust: MAD
    share = np.where(s > 0, e_land / np.maximum(s, 1e-300), 0.0)
    bias = max(spread - noise, 0.0)
    return share**2 * bias, bias


def _volume_covariates(
    kw: pd.DataFrame,
    cat: np.ndarray,
    n_cat: int,
    x_ref: np.ndarray,
    impressions: np.ndarray | None,
) -> np.ndarray:
    """Design of the volume prior: intercept, category, match type, log reference bid, log
    impressions per day (unless ``None``)."""
    match = kw["match_type"].fillna("").astype(str).str.upper().to_numpy()
    columns = [np.ones(len(kw))]
    columns += [(cat == c).astype(float) for c in range(1, n_cat)]
    columns += [(match == m).astype(float) for m in ("PHRASE", "BROAD")]
    log_bid = np.log(x_ref)
    columns.append(log_bid - np.mean(log_bid))
    if impressions is not None:
        log_impressions = np.log(impressions)
        columns.append(log_impressions - np.mean(log_impressions))
    X = np.column_stack(columns)
    keep = np.r_[True, X[:, 1:].std(axis=0) > 0]
    return X[:, keep]


def _volume_mode(
    y: np.ndarray, s: np.ndarray, m: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mode and Laplace scale of ``y u - s e^u - (u - m)^2 / 2v`` (concave: damped Newton)."""
    sd = np.sqrt(v)
    u = np.where(y > 0, np.log((y + 0.5) / np.maximum(s, 1e-300)), m)
    u = np.clip(u, m - 10 * sd, m + 10 * sd)
    for _ in range(100):
        es = s * np.exp(u)
        step = np.clip((y - es - (u - m) / v) / (es + 1 / v), -1.0, 1.0)
        u = u + step
        if np.max(np.abs(step), initial=0.0) < 1e-9:
            break
    return u, 1 / np.sqrt(s * np.exp(u) + 1 / v)


_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite.hermgauss(20)


class _PoissonLognormal(GenericLikelihoodModel):
    """Keyword volumes: ``clicks ~ Poisson(exposure * e^u)``, ``u ~ N(X beta, tau^2)``, with
    ``tau^2 = e^(2 g0) + e^(2 g1) / (impressions + 1)``: the last column of X is log impressions
    per day, and the log of a count of n is noisy by about 1 / n in variance, so a keyword with a
    few impressions is less well placed by them than one with thousands.

    The marginal likelihood is integrated by adaptive Gauss-Hermite quadrature around each
    keyword's posterior mode (accurate for heads and zero-click tails alike); the score is the
    posterior expectation of the complete-data score. statsmodels' own mixed Poisson GLM
    (``PoissonBayesMixedGLM``) is variational with a normal posterior per keyword, which is
    exactly what is wrong for a zero-click keyword, so only the fitting is statsmodels here.
    A weak ridge (sd ``_VOLUME_COEF_SD``) keeps a category whose keywords never got a click
    from drifting to minus infinity.
    """

    _extra_params: tuple[str, ...] = ("log_tau", "log_tau_count")

    def __init__(
        self,
        endog: np.ndarray,
        exog: np.ndarray,
        exposure_days: np.ndarray,
        impressions: np.ndarray,
    ) -> None:
        super().__init__(
            endog,
            exog,
            extra_params_names=list(self._extra_params),
            exposure_days=exposure_days,
            impressions=impressions,
        )

    def _posterior_nodes(self, params: np.ndarray) -> tuple[np.ndarray, ...]:
        y, s = self.endog, self.exposure_days
        m, v = _volume_prior(self.exog, self.impressions, params)
        mode, scale = _volume_mode(y, s, m, v)
        u = mode[:, None] + math.sqrt(2) * scale[:, None] * _GH_NODES[None, :]
        log_term = (
            y[:, None] * u
            - s[:, None] * np.exp(u)
            - (u - m[:, None]) ** 2 / (2 * v[:, None])
            + np.log(_GH_WEIGHTS)
            + _GH_NODES**2
        )
        return u, m, v, scale, log_term

    def _penalty(self, params: np.ndarray) -> np.ndarray:
        return np.r_[0.0, params[1:-2], 0.0, 0.0] / _VOLUME_COEF_SD**2

    def _ridge(self, params: np.ndarray) -> float:
        return 0.5 * float(params[1:-2] @ params[1:-2]) / _VOLUME_COEF_SD**2

    def marginal_loglike(self, params: np.ndarray) -> np.ndarray:
        """Each keyword's log marginal likelihood (no ridge)."""
        _, _, v, scale, log_term = self._posterior_nodes(params)
        y, s = self.endog, self.exposure_days
        return np.asarray(
            special.logsumexp(log_term, axis=1)
            + np.log(math.sqrt(2) * scale)
            - 0.5 * np.log(2 * math.pi * v)
            + y * np.log(np.maximum(s, 1e-300))
            - special.gammaln(y + 1)
        )

    def loglikeobs(self, params: np.ndarray) -> np.ndarray:
        return self.marginal_loglike(params) - self._ridge(params) / len(self.endog)

    def score_terms(self, params: np.ndarray, weight: np.ndarray | float = 1.0) -> np.ndarray:
        """The score, each keyword's term weighted by ``weight``."""
        u, m, v, _, log_term = self._posterior_nodes(params)
        w = np.exp(log_term - log_term.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        dev = u - m[:, None]
        d_mean = weight * (w * dev).sum(axis=1) / v
        d_var = weight * ((w * dev**2).sum(axis=1) / (2 * v**2) - 1 / (2 * v))
        d_g0 = 2 * np.exp(2 * params[-2]) * d_var.sum()
        d_g1 = 2 * np.exp(2 * params[-1]) * (d_var / (self.impressions + 1)).sum()
        score = np.r_[self.exog.T @ d_mean, d_g0, d_g1]
        return score - self._penalty(params)

    def score(self, params: np.ndarray) -> np.ndarray:
        return self.score_terms(params)


class _ZeroInflatedPoissonLognormal(_PoissonLognormal):
    """:class:`_PoissonLognormal` with a point mass ``pi`` of keywords that are never shown at
    all (the last parameter, ``logit pi``): Google does not serve some keywords ("low search
    volume"), and a lognormal's lower tail would otherwise explain their empty history by a
    small volume, giving them a lower bound above zero."""

    _extra_params = ("log_tau", "log_tau_count", "logit_never_shown")

    def _split(self, params: np.ndarray) -> tuple[np.ndarray, float]:
        return params[:-1], float(special.expit(np.clip(params[-1], -20.0, 5.0)))

    def zero_share(self, params: np.ndarray) -> np.ndarray:
        """Each keyword's posterior probability of being never shown (0 unless ``y`` is 0)."""
        base, pi = self._split(params)
        ll = self.marginal_loglike(base)
        odds = np.log(pi) - np.log1p(-pi) - ll
        return np.where(self.endog == 0, special.expit(odds), 0.0)

    def loglikeobs(self, params: np.ndarray) -> np.ndarray:
        base, pi = self._split(params)
        ll = self.marginal_loglike(base)
        mixed = np.where(
            self.endog == 0, np.logaddexp(np.log(pi), np.log1p(-pi) + ll), np.log1p(-pi) + ll
        )
        return np.asarray(mixed - self._ridge(base) / len(self.endog))

    def score(self, params: np.ndarray) -> np.ndarray:
        base, pi = self._split(params)
        zero = self.zero_share(params)
        d_pi = float(np.sum(zero * (1 - pi) - (1 - zero) * pi))  # d/d logit pi
        return np.r_[self.score_terms(base, 1 - zero), d_pi]


def _volume_prior(
    X: np.ndarray, impressions: np.ndarray, params: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Prior mean and variance of each keyword's log volume."""
    g = np.clip(params[-2:], -5.0, 3.0)
    return X @ params[:-2], np.exp(2 * g[0]) + np.exp(2 * g[1]) / (impressions + 1)


def _volume_posterior(
    y: np.ndarray,
    s: np.ndarray,
    X: np.ndarray,
    impressions: np.ndarray,
    opts: RoiOptions,
    seed: int,
    never_shown_mass: bool = False,
) -> dict[str, Any]:
    """Posterior of each keyword's log volume ``u`` (log clicks/day at its reference bid).

    Keyword volumes in an account are roughly lognormal: a few head keywords and a long
    tail. The prior is that lognormal, its centre moving with category, match type and
    bid, fitted by maximum marginal likelihood over the keywords (a sample of
    ``_VOLUME_FIT_KEYWORDS`` in large accounts: the prior has a dozen parameters). A sparse
    keyword is shrunk toward the *typical* keyword like it, not toward a mean volume that
    head keywords dominate. Posterior moments and quantiles come from a grid per keyword.

    With ``never_shown_mass`` (``y`` counts impressions) the prior also has a point mass at
    no volume at all, its weight fitted with the rest (:class:`_ZeroInflatedPoissonLognormal`):
    a keyword without an impression in the window is never shown with the posterior
    probability ``zero_share``, and its mean and quantiles are those of the mixture (a
    quantile below that probability is 0: ``log_lo`` is -inf). ``log_mean`` and ``var`` stay
    those of the volume given that the keyword is shown.
    """
    rng = np.random.default_rng(seed)
    fit_on = np.flatnonzero(s > 0)
    if fit_on.size > _VOLUME_FIT_KEYWORDS:
        fit_on = np.sort(rng.choice(fit_on, _VOLUME_FIT_KEYWORDS, replace=False))
    pooled = math.log((y[fit_on].sum() + 0.5) / max(s[fit_on].sum(), 1e-9)) if fit_on.size else 0.0
    start = np.r_[pooled - 0.5, np.zeros(X.shape[1] - 1), 0.0, 0.0]
    model_class = _ZeroInflatedPoissonLognormal if never_shown_mass else _PoissonLognormal
    if never_shown_mass:  # start at half the share of empty histories: some are small volumes
        empty_share = float(np.mean(y[fit_on] == 0)) if fit_on.size else 0.0
        start = np.r_[start, special.logit(min(max(empty_share / 2, 1e-4), 0.5))]
    if fit_on.size >= _MIN_PRIOR_KEYWORDS:
        model = model_class(y[fit_on], X[fit_on], s[fit_on], impressions[fit_on])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter: the result is checked below
            res = model.fit(
                start_params=start, method="bfgs", maxiter=300, disp=0, skip_hessian=True
            )
        params = np.asarray(res.params, dtype=float)
        if not np.all(np.isfinite(params)):
            params = start
    else:  # too few keywords to learn the spread: a weak prior around the pooled rate
        params = np.r_[pooled, np.zeros(X.shape[1] - 1), math.log(2.0), 0.0]
        if never_shown_mass:
            params = np.r_[params, -20.0]  # no point mass: every empty history a small volume
    zero_share = np.zeros(len(y))
    never_shown_share = 0.0
    if never_shown_mass:
        empty = np.flatnonzero((y == 0) & (s > 0))
        if empty.size:
            zero_share[empty] = _ZeroInflatedPoissonLognormal(
                y[empty], X[empty], s[empty], impressions[empty]
            ).zero_share(params)
        never_shown_share = float(special.expit(np.clip(params[-1], -20.0, 5.0)))
        params = params[:-1]
    m, tau2 = _volume_prior(X, impressions, params)
    v = tau2 / max(opts.shrinkage, 1e-3)
    lo_q, hi_q = (1 - opts.interval) / 2, (1 + opts.interval) / 2
    out: dict[str, Any] = {
        name: np.empty(len(y)) for name in ("mean", "sd", "log_mean", "var", "log_lo", "log_hi")
    }
    grid = np.linspace(-10.0, 7.0, 171)  # in Laplace scales: the lower tail is the longer one
    for begin in range(0, len(y), _GRID_CHUNK):
        sl = slice(begin, begin + _GRID_CHUNK)
        mode, scale = _volume_mode(y[sl], s[sl], m[sl], v[sl])
        u = mode[:, None] + scale[:, None] * grid[None, :]
        log_dens = (
            y[sl, None] * u - s[sl, None] * np.exp(u) - (u - m[sl, None]) ** 2 / (2 * v[sl, None])
        )
        dens = np.exp(log_dens - log_dens.max(axis=1, keepdims=True))
        cdf = np.concatenate(
            [np.zeros((len(u), 1)), np.cumsum((dens[:, 1:] + dens[:, :-1]) / 2, axis=1)], axis=1
        )
        cdf /= cdf[:, -1:]
        # Trapezoid weights on the uniform grid: interior points 1, the two ends 1/2.
        w = dens * np.where((grid == grid[0]) | (grid == grid[-1]), 0.5, 1.0)
        w /= w.sum(axis=1, keepdims=True)
        mean_u = (w * u).sum(axis=1)
        out["log_mean"][sl] = mean_u
        out["var"][sl] = (w * (u - mean_u[:, None]) ** 2).sum(axis=1)
        level = np.exp(u)
        shown = 1 - zero_share[sl]
        mean_c = shown * (w * level).sum(axis=1)
        out["mean"][sl] = mean_c
        second = shown * (w * level**2).sum(axis=1)
        out["sd"][sl] = np.sqrt(np.maximum(second - mean_c**2, 0.0))
        # Where the point mass holds the whole lower tail the interval is [0, the `interval`
        # quantile]: an equal-tailed one (to the 95% quantile) would hold 95%, not 90%.
        atom = zero_share[sl] >= lo_q
        for q, name in ((lo_q, "log_lo"), (np.where(atom, opts.interval, hi_q), "log_hi")):
            # The mixture's q-quantile is the shown part's at (q - zero share) / shown share.
            q_shown = (q - zero_share[sl]) / shown
            j = np.clip((cdf < q_shown[:, None]).sum(axis=1), 1, len(grid) - 1)
            rows = np.arange(len(u))
            c0, c1 = cdf[rows, j - 1], cdf[rows, j]
            frac = np.clip((q_shown - c0) / np.maximum(c1 - c0, 1e-300), 0, 1)
            at = u[rows, j - 1] + frac * (u[rows, j] - u[rows, j - 1])
            out[name][sl] = np.where(q_shown > 0, at, -np.inf)
    out["prior"] = {
        "coefficients": [float(c) for c in params[:-2]],
        "tau_large_counts": float(np.exp(params[-2])),
        "tau_per_impression": float(np.exp(params[-1])),
        "fitted_on_keywords": int(fit_on.size),
    }
    if never_shown_mass:
        out["prior"]["never_shown_share"] = never_shown_share
    return out


def _joint_volume_posterior(
    clicks: np.ndarray,
    s: np.ndarray,
    impressions: np.ndarray,
    kw: pd.DataFrame,
    cat: np.ndarray,
    n_cat: int,
    x_ref: np.ndarray,
    opts: RoiOptions,
) -> dict[str, Any]:
    """Posterior of clicks/day at the reference bid as impressions/day ``e^v`` times CTR.

    ``v`` has the Poisson-lognormal posterior of :func:`_volume_posterior` over impressions
    (no impressions covariate: they are its data); CTR a beta-binomial posterior of clicks out
    of impressions, the prior fitted by maximum likelihood per category. The two posteriors are
    independent (the likelihood factorizes), so log clicks/day has the sum of their means and
    variances; its interval keeps the shape of ``v``'s (the skewed, long-tailed part for a
    keyword with few impressions) scaled to the total spread.
    """
    no_count_term = np.full(len(clicks), np.inf)  # impressions are the data: no count spread
    X = _volume_covariates(kw, cat, n_cat, x_ref, None)
    shown = _volume_posterior(
        impressions, s, X, no_count_term, opts, seed=opts.seed, never_shown_mass=True
    )
    # CTR is not independent of the impression volume (a keyword rarely shown is often a
    # narrow, relevant one): the CTR prior moves with the posterior mean of ``v``.
    alpha, beta, ctr_prior = _ctr_posterior(
        clicks, impressions, shown["log_mean"], cat, n_cat, opts.shrinkage
    )
    ctr_mean = alpha / (alpha + beta)
    ctr_sq = ctr_mean * (alpha + 1) / (alpha + beta + 1)
    log_ctr = special.digamma(alpha) - special.digamma(alpha + beta)
    log_ctr_var = special.polygamma(1, alpha) - special.polygamma(1, alpha + beta)
    var = shown["var"] + log_ctr_var
    scale = np.sqrt(var / np.maximum(shown["var"], 1e-300))
    log_mean = shown["log_mean"] + log_ctr
    mean = shown["mean"] * ctr_mean
    second = (shown["sd"] ** 2 + shown["mean"] ** 2) * ctr_sq
    return {
        "mean": mean,
        "sd": np.sqrt(np.maximum(second - mean**2, 0.0)),
        "log_mean": log_mean,
        "var": var,
        "log_lo": log_mean + (shown["log_lo"] - shown["log_mean"]) * scale,
        "log_hi": log_mean + (shown["log_hi"] - shown["log_mean"]) * scale,
        "prior": {"impressions": shown["prior"], "ctr": ctr_prior},
    }


def _ctr_posterior(
    clicks: np.ndarray,
    impressions: np.ndarray,
    log_volume: np.ndarray,
    cat: np.ndarray,
    n_cat: int,
    shrinkage: float,
) -> tuple[np.ndarray, np.ndarray, list[dict[str, float]]]:
    """Beta posterior of each keyword's CTR: beta-binomial prior by category, its logit mean
    quadratic in the keyword's (posterior mean) log impression volume (maximum likelihood,
    the account's when a category has under 20 clicks)."""
    n, x = impressions, np.minimum(clicks, impressions)
    z = log_volume - np.median(log_volume)
    Z = np.column_stack([z, z**2])
    bounds = [(-3.0, 3.0), (-1.0, 1.0)]
    has = n > 0
    overall = _fit_beta_binomial(n[has], x[has], Z[has], bounds)
    theta, report = np.empty((n_cat, 4)), []
    for c in range(n_cat):
        sel = (cat == c) & has
        theta[c] = (
            _fit_beta_binomial(n[sel], x[sel], Z[sel], bounds) if x[sel].sum() >= 20 else overall
        )
        report.append({"mean": float(special.expit(theta[c, 0])), "volume_slope": float(theta[c, 1]),
                       "strength": float(np.exp(theta[c, 3])), "keywords": int(sel.sum())})  # fmt: skip
    mean = special.expit(theta[cat, 0] + (Z * theta[cat, 1:-1]).sum(axis=1))
    strength = np.exp(theta[cat, -1]) * shrinkage
    return (
        np.maximum(mean * strength + x, 0.5),
        np.maximum((1 - mean) * strength + n - x, 0.5),
        report,
    )


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


def _cvr_posterior(
    clicks: np.ndarray,
    conversions: np.ndarray,
    log_bid: np.ndarray,
    price: np.ndarray,
    cat: np.ndarray,
    n_cat: int,
    shrinkage: float,
) -> tuple[np.ndarray, np.ndarray, list[dict[str, float]]]:
    """Beta-binomial empirical Bayes with a Beta prior per category fitted by maximum
    likelihood, its mean moving with the keyword's typical bid.

    Managers bid up what converts, so within a category the low-bid (and low-traffic)
    keywords convert less: an exchangeable prior would pull exactly the sparse keywords
    toward a rate that is too high. The bid is known for every keyword, clicks or not. Where
    the product's price is known the covariate is the bid per unit of price: a value-based
    bid is conversion rate x order value x a target, so at one bid a dear product converts
    less than a cheap one (quadratic: a beta's left tail is long on the log scale, so the
    keywords bid lowest for their price convert less than a straight line says).
    """
    n = np.round(clicks)
    x = np.minimum(np.round(conversions), n)
    has_price = np.isfinite(price) & (price > 0)
    covariate = np.where(has_price, log_bid - np.log(np.where(has_price, price, 1.0)), log_bid)
    z = np.zeros_like(log_bid)
    for c in range(n_cat):
        for priced in (True, False):
            sel = (cat == c) & (has_price == priced)
            if sel.any():
                z[sel] = covariate[sel] - np.nanmedian(covariate[sel])
    z = np.nan_to_num(z)  # keywords without any known bid sit at their category's median
    cols, bounds = [z, z**2], [(-3.0, 3.0), (-1.0, 1.0)]
    # Bids have floors (a manager's or a rule's minimum bid): below some level a bid stops
    # tracking the keyword's value, and those keywords convert less than their bid per price
    # says (1.5x overestimated at the demo's floor, most of the sparse buckets' bias). Linear
    # splines in the absolute log bid, knots at its lower quantiles, let the data say where.
    known = np.isfinite(log_bid)
    log_bid = np.where(known, log_bid, float(np.median(log_bid[known])) if known.any() else 0.0)
    for q in _CVR_BID_KNOTS:
        cols.append(np.maximum(np.percentile(log_bid, q) - log_bid, 0.0))
        bounds.append((-3.0, 3.0))
    Z = np.column_stack(cols)
    theta_c, report = np.empty((n_cat, Z.shape[1] + 2)), []
    has = n > 0
    overall = _fit_beta_binomial(n[has], x[has], Z[has], bounds)
    # The bends are the account's, fitted once on every keyword, and an offset in each
    # category's own fit: a category of a few hundred keywords cannot place three bends, its
    # noise would pass for signal (sparse coverage 0.87 -> 0.82 on 200-keyword categories
    # whose rate ignores the bid, when each category fitted its own).
    offset = Z[:, 2:] @ overall[3:-1]
    for c in range(n_cat):
        sel = (cat == c) & has
        fitted = overall.copy()
        if x[sel].sum() >= 20:
            fitted[[0, 1, 2, -1]] = _fit_beta_binomial(
                n[sel], x[sel], Z[sel, :2], bounds[:2], offset[sel]
            )
        theta_c[c] = fitted
        report.append(
            {
                "mean": float(special.expit(fitted[0])),
                "bid_slope": float(fitted[1]),
                "bid_curvature": float(fitted[2]),
                "strength": float(np.exp(fitted[-1])),
                "keywords": int(sel.sum()),
            }
        )
    theta = theta_c[cat]
    mean = special.expit(theta[:, 0] + (Z * theta[:, 1:-1]).sum(axis=1))
    strength = np.exp(theta[:, -1]) * shrinkage
    # A flat-prior floor keeps the posterior proper when shrinkage is 0.
    return (
        np.maximum(mean * strength + x, 0.5),
        np.maximum((1 - mean) * strength + n - x, 0.5),
        report,
    )


def _fit_beta_binomial(
    n: np.ndarray,
    x: np.ndarray,
    Z: np.ndarray,
    bounds: list[tuple[float, float]],
    offset: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Maximum-likelihood prior (logit mean intercept and coefficients on the columns of ``Z``
    within ``bounds``, plus a fixed ``offset``; log strength) for binomial counts (scipy
    L-BFGS on the exact beta-binomial likelihood)."""
    p = Z.shape[1]
    if n.size == 0 or x.sum() == 0:
        return np.r_[special.logit(0.01), np.zeros(p), np.log(100.0)]
    pooled = x.sum() / n.sum()
    if n.size < _MIN_PRIOR_KEYWORDS:  # too few keywords to learn a prior: a weak one
        return np.r_[special.logit(pooled), np.zeros(p), np.log(2.0)]

    def nll(theta: np.ndarray) -> float:
        # Clipped: a far-out z must not make a prior parameter 0 (inf - inf in betaln).
        mean = np.clip(special.expit(theta[0] + Z @ theta[1:-1] + offset), 1e-9, 1 - 1e-9)
        strength = np.exp(theta[-1])
        al, be = mean * strength, (1 - mean) * strength
        # The binomial coefficient does not depend on the prior.
        return float(-(special.betaln(x + al, n - x + be) - special.betaln(al, be)).sum())

    start = np.r_[special.logit(pooled), np.zeros(p), np.log(50.0)]
    res = optimize.minimize(nll, start, method="L-BFGS-B", bounds=[(-10, 10), *bounds, (-2, 12)])
    return np.asarray(res.x, dtype=float)


def _item_price(kw: pd.DataFrame, products: pd.DataFrame) -> np.ndarray:
    if products.empty:
        return np.full(len(kw), np.nan)
    prices = products.dropna(subset=["price"]).drop_duplicates("item_id").set_index("item_id")
    return kw["item_id"].map(prices["price"]).to_numpy(float)


def _value_posterior(
    daily: pd.DataFrame,
    totals: dict[str, np.ndarray],
    k_index: pd.Index,
    price: np.ndarray,
    cat: np.ndarray,
    n_cat: int,
    opts: RoiOptions,
) -> tuple[np.ndarray, np.ndarray]:
    """Log mean order value: normal-normal shrinkage of the keyword's toward its product's price
    (or the category), with the per-order spread pooled.

    A keyword's value / conversions is the mean of its orders. With lognormal orders of log
    spread ``sigma``, the log of a mean of ``n`` of them is about normal (Fenton-Wilkinson)
    with variance ``s2 = log(1 + (e^sigma^2 - 1) / n)`` and mean ``log E[order] - s2 / 2``:
    a one-order keyword's log value sits ``sigma^2 / 2`` below its mean order's, so it is
    corrected by ``s2 / 2`` (else the prior, fitted mostly on such keywords, ran low).
    """
    conv, value = totals["conversions"], totals["value"]
    has = (conv > 0) & (value > 0)
    obs = np.where(has, np.log(np.where(has, value, 1) / np.where(has, conv, 1)), np.nan)
    base = np.where(np.isfinite(price) & (price > 0), np.log(np.where(price > 0, price, 1)), 0.0)
    sigma2 = _order_log_variance(daily, k_index)
    s2 = np.log1p(np.expm1(sigma2) / np.maximum(conv, 1))
    se = np.where(has, np.sqrt(s2), np.inf)
    post, sd, _ = _shrink_normal(obs + s2 / 2 - base, se, cat, n_cat, opts.shrinkage)
    return post + base, sd


def _order_log_variance(daily: pd.DataFrame, k_index: pd.Index) -> float:
    """Per-order log variance of order values, pooled over keywords with several converting
    days: a day's log mean order value has variance about ``sigma^2 / conversions``, so
    ``sum conversions * (log v_d - weighted mean)^2`` over a keyword's ``D`` days has
    expectation ``sigma^2 (D - 1)``. 0.09 (a 30% spread) when too few keywords have them."""
    day = daily[(daily["conversions"] > 0) & (daily["conversions_value"] > 0)]
    pos = k_index.get_indexer(pd.Index(day["criterion_id"].to_numpy()))
    ok = pos >= 0
    pos = pos[ok]
    c = day["conversions"].to_numpy(float)[ok]
    x = np.log(day["conversions_value"].to_numpy(float)[ok] / c)
    k = len(k_index)
    weight = np.bincount(pos, c, minlength=k)
    mean = np.bincount(pos, c * x, minlength=k) / np.maximum(weight, 1e-300)
    days = np.bincount(pos, minlength=k)
    dof = np.maximum(days - 1, 0)
    if (dof > 0).sum() <= 20:
        return 0.09
    return float(np.sum(c * (x - mean[pos]) ** 2) / dof.sum())


def _cpc_ratio(
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


# ------------------------------------------------------------------ derived metrics


def posterior_draws(
    fit: pd.DataFrame, draws: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Joint posterior draws (keywords x draws) of the quantities at the current bid."""
    n = len(fit)
    shape = (n, draws)
    x = fit["current_bid"].to_numpy(float)[:, None]
    clicks0 = fit["clicks_per_day"].to_numpy(float)[:, None]
    # Clicks at the current bid: lognormal with the volume posterior's log spread (b's included),
    # mean-preserving so the draws average the point forecast.
    if "clicks_log_sd" in fit.columns:
        log_sd = fit["clicks_log_sd"].to_numpy(float)[:, None]
    else:  # a frame from elsewhere: the scale's coefficient of variation
        cv = (fit["a_se"] / fit["a"]).replace([np.inf, np.nan], 1.0).to_numpy(float)[:, None]
        log_sd = np.sqrt(np.log1p(cv**2))
    c0 = clicks0 * np.exp(log_sd * rng.standard_normal(shape) - log_sd**2 / 2)
    b = fit["elasticity"].to_numpy(float)[:, None] + fit["elasticity_se"].to_numpy(float)[
        :, None
    ] * rng.standard_normal(shape)
    cvr = rng.beta(
        np.broadcast_to(fit["cvr_alpha"].to_numpy(float)[:, None], shape),
        np.broadcast_to(fit["cvr_beta"].to_numpy(float)[:, None], shape),
    )
    vpc = np.exp(
        fit["value_log_mu"].to_numpy(float)[:, None]
        + fit["value_log_sd"].to_numpy(float)[:, None] * rng.standard_normal(shape)
    )
    ratio = np.maximum(
        fit["cpc_ratio"].to_numpy(float)[:, None]
        + fit["cpc_ratio_se"].to_numpy(float)[:, None] * rng.standard_normal(shape),
        0.05,
    )
    saturated = (fit["clicks_per_day"] >= fit["click_ceiling"]).to_numpy()[:, None]
    return {
        "clicks": c0,
        "cost": c0 * ratio * x,
        "value": c0 * cvr * vpc,
        "value_per_click": cvr * vpc,
        "elasticity": b,
        "saturated": np.broadcast_to(saturated, shape),
    }


def _add_derived_intervals(out: pd.DataFrame, opts: RoiOptions) -> None:
    rng = np.random.default_rng(opts.seed)
    lo_q, hi_q = (1 - opts.interval) / 2, (1 + opts.interval) / 2
    x = out["current_bid"].to_numpy(float)
    b = out["elasticity"].to_numpy(float)
    vpc = out["value_per_conversion"].to_numpy(float)
    roas = out["cvr"].to_numpy(float) * vpc / (out["cpc_ratio"].to_numpy(float) * x)
    saturated = (out["clicks_per_day"] >= out["click_ceiling"]).to_numpy()
    out["roas"] = roas
    out["marginal_roas"] = np.where(saturated, 0.0, roas * b / (b + 1))
    clicks = out["clicks_per_day"].to_numpy(float)
    out["value_per_day"] = clicks * out["cvr"].to_numpy(float) * vpc
    out["cost_per_day"] = clicks * out["cpc"].to_numpy(float)
    out["profit_per_day"] = out["value_per_day"] * opts.margin - out["cost_per_day"]
    cols = {c: np.empty(len(out)) for c in
            ("roas_lo", "roas_hi", "marginal_roas_lo", "marginal_roas_hi", "profit_lo", "profit_hi",
             "value_per_click_lo", "value_per_click_hi")}  # fmt: skip
    for start in range(0, len(out), _BOOTSTRAP_CHUNK):
        part = out.iloc[start : start + _BOOTSTRAP_CHUNK]
        d = posterior_draws(part, opts.draws, rng)
        sl = slice(start, start + len(part))
        r = d["value"] / np.maximum(d["cost"], 1e-12)
        m = np.where(d["saturated"], 0.0, r * d["elasticity"] / (d["elasticity"] + 1))
        p = d["value"] * opts.margin - d["cost"]
        named = (
            ("roas", r),
            ("marginal_roas", m),
            ("profit", p),
            ("value_per_click", d["value_per_click"]),
        )
        for name, arr in named:
            q = np.quantile(arr, [lo_q, hi_q], axis=1)
            cols[f"{name}_lo"][sl], cols[f"{name}_hi"][sl] = q[0], q[1]
    for name, arr in cols.items():
        out[name] = arr


# ------------------------------------------------------------------ diagnostics


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


def _cvr_diagnostics(
    totals: dict[str, np.ndarray], alpha: np.ndarray, beta: np.ndarray
) -> dict[str, float]:
    """Pearson check of the beta-binomial: observed vs posterior-predictive conversions."""
    n = np.round(totals["clicks"])
    x = np.minimum(np.round(totals["conversions"]), n)
    sel = n > 0
    # Prior predictive uses the prior part of the posterior: subtract the data back out.
    pa, pb = alpha[sel] - x[sel], beta[sel] - (n[sel] - x[sel])
    pa, pb = np.maximum(pa, 1e-6), np.maximum(pb, 1e-6)
    p = pa / (pa + pb)
    var = n[sel] * p * (1 - p) * (pa + pb + n[sel]) / (pa + pb + 1)
    resid = (x[sel] - n[sel] * p) / np.sqrt(np.maximum(var, 1e-12))
    return {
        "keywords_with_clicks": int(sel.sum()),
        "pearson_dispersion": float(np.mean(resid**2)) if sel.any() else float("nan"),
        "residual_fitted_corr": float(np.corrcoef(resid, n[sel] * p)[0, 1])
        if sel.sum() > 2
        else 0.0,
    }


# ------------------------------------------------------------------ roll-ups

LEVELS = {
    "keyword": ["criterion_id", "campaign", "ad_group", "keyword", "match_type"],
    "ad_group": ["ad_group_id", "campaign", "ad_group"],
    "campaign": ["campaign_id", "campaign"],
}


def summarize(
    fit: pd.DataFrame, level: str = "keyword", options: RoiOptions | None = None
) -> pd.DataFrame:
    """Per keyword, ad group or campaign: history, expected value/cost/profit per day at current
    bids and ROAS, with intervals (bootstrap draws summed within the group)."""
    if level not in LEVELS:
        raise SearchopsError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    opts = options or RoiOptions.from_settings()
    keys = LEVELS[level]
    codes, uniques = pd.factorize(fit[keys[0]])
    g = len(uniques)
    lo_q, hi_q = (1 - opts.interval) / 2, (1 + opts.interval) / 2
    rng = np.random.default_rng(opts.seed)
    bounds = {name: np.empty((2, g)) for name in ("roas", "profit")}
    if level == "keyword":  # one group per keyword: quantiles block by block, never g x draws
        for start in range(0, len(fit), _BOOTSTRAP_CHUNK):
            d = posterior_draws(fit.iloc[start : start + _BOOTSTRAP_CHUNK], opts.draws, rng)
            sl = slice(start, start + len(d["value"]))
            bounds["roas"][:, sl] = np.quantile(
                d["value"] / np.maximum(d["cost"], 1e-12), [lo_q, hi_q], axis=1
            )
            bounds["profit"][:, sl] = np.quantile(
                d["value"] * opts.margin - d["cost"], [lo_q, hi_q], axis=1
            )
    else:
        value = np.zeros((g, opts.draws))
        cost = np.zeros((g, opts.draws))
        for start in range(0, len(fit), _BOOTSTRAP_CHUNK):
            part = fit.iloc[start : start + _BOOTSTRAP_CHUNK]
            d = posterior_draws(part, opts.draws, rng)
            np.add.at(value, codes[start : start + len(part)], d["value"])
            np.add.at(cost, codes[start : start + len(part)], d["cost"])
        bounds["roas"] = np.quantile(value / np.maximum(cost, 1e-12), [lo_q, hi_q], axis=1)
        bounds["profit"] = np.quantile(value * opts.margin - cost, [lo_q, hi_q], axis=1)
    sums = fit.groupby(codes).agg(
        **{k: (k, "first") for k in keys[1:]},
        keywords=("criterion_id", "size"),
        clicks=("clicks", "sum"),
        cost=("cost", "sum"),
        conversions=("conversions", "sum"),
        conversions_value=("conversions_value", "sum"),
        value_per_day=("value_per_day", "sum"),
        cost_per_day=("cost_per_day", "sum"),
        sufficient=("sufficient", "mean"),
    )
    out = pd.DataFrame({keys[0]: uniques}).join(sums.reset_index(drop=True))
    if level == "keyword":
        out = out.join(fit[["current_bid", "elasticity", "elasticity_se", "cvr", "cvr_lo", "cvr_hi",
                            "enough_clicks", "enough_conversions", "bid_variation"]])  # fmt: skip
    out["roas"] = out["value_per_day"] / out["cost_per_day"].where(out["cost_per_day"] > 0)
    out["roas_lo"], out["roas_hi"] = bounds["roas"]
    out["profit_per_day"] = out["value_per_day"] * opts.margin - out["cost_per_day"]
    out["profit_lo"], out["profit_hi"] = bounds["profit"]
    if level != "keyword":
        out = out.rename(columns={"sufficient": "sufficient_share"})
    return out
