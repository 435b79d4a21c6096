"""Search-term mining: new keywords from converting search terms, negatives from wasteful ones.

``mine_terms(terms, keywords, models, config=, bidding=, margin=)`` works on frames (the
``sem_search_terms`` and ``sem_keywords`` tables, :class:`~bidding.models.KeywordModels`) and
returns a :class:`TermsResult`:

* ``new_keywords``: one row per search term with at least ``min_conversions`` conversions that
  is not yet a keyword anywhere in the account (compared case- and space-insensitively), in the
  ad group where it earned the most value: campaign_id, campaign, ad_group_id, ad_group,
  search_term, match_type (the suggested one, Editor spelling), bid (the starting max CPC:
  the bid at which the term's marginal ROAS meets the target on its ad group's click curve,
  from the bid that buys the term today up to ``max_change`` above it), bid_source (``model``: the ad
  group's click-curve elasticity and CPC ratio; ``observed``: no model, the bid that bought
  the term's clicks), the history (clicks, impressions, cost,
  conversions, conversions_value), the term's conversion rate cvr/cvr_lo/cvr_hi (beta posterior
  shrunk to its ad group's), value_per_conversion, and over ``horizon_days`` at the starting bid
  exp_clicks, exp_cost, exp_value, exp_profit, plus value_gained and cost_change against what
  the term brings today, each with ``_lo``/``_hi`` (central ``interval_level`` interval);
* ``negatives``: terms that spent without converting and whose zero conversions are credible
  evidence of a conversion rate below the one needed (see below): ids, names, search_term,
  match_type (``Negative Exact``/``Negative Phrase``), clicks, cost, cvr_group (the ad group's
  rate), cvr_needed, p_value, and over ``horizon_days`` spend_saved, value_lost, profit_gain
  with ``_lo``/``_hi``;
* ``summary``: days of search terms, terms, tested_for_negative, new_keywords, negatives,
  value_gained, spend_saved (totals over ``horizon_days``), target_roas;
* ``terms``: every aggregated (ad group, term) row with its ``verdict`` (new, negative, kept,
  keyword, excluded, invalid) and p_value (zero-conversion terms), so a reviewer sees what was
  tested and not flagged.

Workspace tables (``bidding.mine_search_terms``): ``terms_new_keywords`` and
``terms_negatives``, the columns above plus run_id and created_at (run kind ``terms``).

Negatives: under the hypothesis that the term converts at ``cvr_needed`` (its ad group's rate,
or the break-even rate ``cpc x target ROAS / order value`` when that is lower: a term as good
as its ad group is a bid problem, not a negative), the chance of zero conversions in its
``n`` clicks is the beta-binomial ``P(0 | n, Beta(cvr_needed S, (1 - cvr_needed) S))``, ``S``
the ad group's evidence (clicks plus prior pseudo-clicks), so a sparse ad group's uncertain
rate makes negatives harder. A term is negated when that chance is below ``negative_max_p``.
Intervals come from draws of the term's click rate (gamma, Jeffreys prior) and conversion rate
(its beta posterior); the order value is taken at its estimate.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from bidding.config import BiddingConfig
from bidding.models import KeywordModels
from searchops.escaping import write_csv

NEW_COLUMNS = ["Campaign", "Ad group", "Keyword", "Criterion Type", "Max CPC"]
NEGATIVE_COLUMNS = ["Campaign", "Ad group", "Keyword", "Criterion Type"]
_METRICS = ["clicks", "impressions", "cost", "conversions", "conversions_value"]
# Characters a Google Ads keyword can hold besides letters, digits and spaces (Google Ads
# Editor / API keyword policy: # $ & _ - ' + . / : ; match-type syntax [ ] " is left out).
_KEYWORD_TEXT = re.compile(r"^[\w #$&\-'+./:]+$")


@dataclass
class TermsResult:
    new_keywords: pd.DataFrame
    negatives: pd.DataFrame
    terms: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)


def normalize(text: pd.Series) -> pd.Series:
    """Case-, width- and space-insensitive key of a keyword or search term."""
    return (
        text.fillna("")
        .astype(str)
        .map(lambda t: " ".join(unicodedata.normalize("NFKC", t).casefold().split()))
    )


def valid_keyword(text: pd.Series, max_chars: int, max_words: int) -> pd.Series:
    """Texts Google Ads accepts as a keyword (length, words, characters)."""
    t = text.fillna("").astype(str)
    return (
        t.str.len().between(1, max_chars)
        & (t.map(lambda s: len(s.split())) <= max_words)
        & t.map(lambda s: bool(_KEYWORD_TEXT.match(s)))
        & ~t.str.match(r"^[+\-.]")  # a leading sign reads as match syntax (or a formula)
    )


def _group_rates(
    agg: pd.DataFrame, models: KeywordModels | None, prior_clicks: float
) -> pd.DataFrame:
    """Per ad group: conversion rate (shrunk to its campaign's), evidence, order value,
    and the click-curve elasticity and CPC ratio of its keywords (medians)."""
    cols = ["campaign_id", "ad_group_id", "clicks", "conversions", "conversions_value"]
    from_terms = agg.groupby(["campaign_id", "ad_group_id"], as_index=False)[cols[2:]].sum()
    if models is not None and len(models) and set(cols) <= set(models.frame.columns):
        kw = models.frame
        hist = kw.groupby(["campaign_id", "ad_group_id"], as_index=False)[cols[2:]].sum()
        curves = kw.groupby("ad_group_id").agg(
            elasticity=("elasticity", "median"), cpc_ratio=("cpc_ratio", "median")
        )
        # Keyword history covers terms Google hides from the report: prefer it when it has clicks.
        groups = from_terms.merge(
            hist, on=["campaign_id", "ad_group_id"], how="left", suffixes=("", "_kw")
        )
        has = groups["clicks_kw"].fillna(0) > 0
        for c in cols[2:]:
            groups[c] = np.where(has, groups[f"{c}_kw"], groups[c])
        groups = groups[cols].merge(curves, left_on="ad_group_id", right_index=True, how="left")
        account_e = (
            float(np.nanmedian(kw["elasticity"])) if kw["elasticity"].notna().any() else np.nan
        )
        account_k = (
            float(np.nanmedian(kw["cpc_ratio"])) if kw["cpc_ratio"].notna().any() else np.nan
        )
        groups["elasticity"] = groups["elasticity"].fillna(account_e)
        groups["cpc_ratio"] = groups["cpc_ratio"].fillna(account_k)
    else:
        groups = from_terms.assign(elasticity=np.nan, cpc_ratio=np.nan)
    camp = groups.groupby("campaign_id")[["clicks", "conversions", "conversions_value"]].sum()
    total = camp.sum()
    account_cvr = total["conversions"] / total["clicks"] if total["clicks"] > 0 else 0.0
    account_vpc = (
        total["conversions_value"] / total["conversions"] if total["conversions"] > 0 else np.nan
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        camp_cvr = (camp["conversions"] + prior_clicks * account_cvr) / (
            camp["clicks"] + prior_clicks
        )
        camp_vpc = (camp["conversions_value"] / camp["conversions"]).where(camp["conversions"] > 0)
    g_camp_cvr = groups["campaign_id"].map(camp_cvr).fillna(account_cvr).to_numpy(float)
    clicks = groups["clicks"].to_numpy(float)
    conv = groups["conversions"].to_numpy(float)
    groups["evidence"] = clicks + prior_clicks
    with np.errstate(divide="ignore", invalid="ignore"):
        groups["cvr_group"] = (conv + prior_clicks * g_camp_cvr) / groups["evidence"]
        own_vpc = np.where(conv > 0, groups["conversions_value"] / conv, np.nan)
    groups["value_per_conversion_group"] = (
        pd.Series(own_vpc, index=groups.index)
        .fillna(groups["campaign_id"].map(camp_vpc))
        .fillna(account_vpc)
    )
    return groups[
        [
            "ad_group_id",
            "evidence",
            "cvr_group",
            "value_per_conversion_group",
            "elasticity",
            "cpc_ratio",
        ]
    ]


def _quantiles(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lo, hi = np.quantile(x, [(1 - level) / 2, (1 + level) / 2], axis=1)
    return x.mean(axis=1), lo, hi


def _put(frame: pd.DataFrame, name: str, stats3: tuple[np.ndarray, ...]) -> None:
    frame[name], frame[f"{name}_lo"], frame[f"{name}_hi"] = stats3


def mine_terms(
    terms: pd.DataFrame,
    keywords: pd.DataFrame,
    models: KeywordModels | None,
    *,
    config: BiddingConfig,
    margin: float,
    target_roas: float | None = None,
    seed: int = 0,
) -> TermsResult:
    """New and negative keywords from search terms (see the module docstring).

    ``target_roas``: the marginal ROAS new keywords' starting bids aim at and the ROAS a term
    must reach to break even (default ``1 / margin``: break-even on the gross margin).
    """
    cfg = config.terms
    horizon, level, n_draws = config.horizon_days, config.interval_level, config.interval_draws
    target = target_roas if target_roas else 1.0 / margin
    rng = np.random.default_rng(seed)
    if terms.empty:
        empty = pd.DataFrame()
        return TermsResult(empty, empty, empty, {"terms": 0, "new_keywords": 0, "negatives": 0})

    t = terms.copy()
    for c in _METRICS:
        t[c] = pd.to_numeric(t[c], errors="coerce").fillna(0.0)
    t["key"] = normalize(t["search_term"])
    t = t[t["key"] != ""]
    dates = pd.to_datetime(t["date"]).dropna()
    days = max(int((dates.max() - dates.min()).days) + 1, 1) if len(dates) else 1
    status = t["status"].fillna("NONE").astype(str).str.upper()
    t["added"] = status.isin(["ADDED", "ADDED_EXCLUDED"])
    t["excluded"] = status.isin(["EXCLUDED", "ADDED_EXCLUDED"])
    agg = t.groupby(["campaign_id", "ad_group_id", "key"], as_index=False).agg(
        search_term=("search_term", lambda s: s.mode().iat[0]),
        added=("added", "any"),
        excluded=("excluded", "any"),
        **{c: (c, "sum") for c in _METRICS},
    )

    kw = keywords if keywords is not None else pd.DataFrame(columns=["keyword"])
    kw_keys = set(normalize(kw["keyword"])) if "keyword" in kw else set()
    names = _names(kw, terms)
    groups = _group_rates(agg, models, cfg.group_prior_clicks)
    agg = agg.merge(groups, on="ad_group_id", how="left").merge(names, on="ad_group_id", how="left")
    agg["is_keyword"] = agg["key"].isin(kw_keys)
    agg["valid"] = valid_keyword(agg["search_term"], cfg.keyword_max_chars, cfg.keyword_max_words)

    clicks = agg["clicks"].to_numpy(float)
    cost = agg["cost"].to_numpy(float)
    conv = agg["conversions"].to_numpy(float)
    value = agg["conversions_value"].to_numpy(float)
    cvr_g = agg["cvr_group"].to_numpy(float)
    s_t = cfg.term_prior_clicks
    alpha = conv + s_t * cvr_g
    beta = np.maximum(clicks - conv, 0.0) + s_t * (1 - cvr_g)
    with np.errstate(divide="ignore", invalid="ignore"):
        cpc = np.where(clicks > 0, cost / clicks, np.nan)
        agg["cvr"] = alpha / (alpha + beta)
    lo_hi = stats.beta.ppf(
        [[(1 - level) / 2], [(1 + level) / 2]], np.maximum(alpha, 1e-9), np.maximum(beta, 1e-9)
    )
    agg["cvr_lo"], agg["cvr_hi"] = lo_hi[0], lo_hi[1]
    vpc_g = agg["value_per_conversion_group"].to_numpy(float)
    s_v = cfg.value_prior_conversions
    with np.errstate(divide="ignore", invalid="ignore"):
        agg["value_per_conversion"] = np.where(
            np.isfinite(vpc_g), (value + s_v * np.nan_to_num(vpc_g)) / (conv + s_v), value / conv
        )

    # Zero-conversion terms: the beta-binomial chance of their zero conversions at the rate needed.
    zero = (conv <= 0) & (value <= 0) & (cost > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        breakeven = np.where(vpc_g > 0, cpc * target / vpc_g, np.inf)
    needed = np.minimum(cvr_g, np.nan_to_num(breakeven, nan=np.inf))
    evidence = agg["evidence"].to_numpy(float)
    a0 = np.clip(needed * evidence, 1e-9, None)
    b0 = np.clip((1 - needed) * evidence, 1e-9, None)
    p = np.where(
        zero & (needed > 0),
        stats.betabinom.pmf(0, np.round(clicks).astype(int), a0, b0),
        np.nan,
    )
    agg["cvr_needed"] = np.where(zero, needed, np.nan)
    agg["p_value"] = np.where(zero & (needed <= 0), 1.0, p)

    verdict = np.full(len(agg), "kept", dtype=object)
    verdict[~agg["valid"].to_numpy()] = "invalid"
    negative = zero & (agg["p_value"].to_numpy() < cfg.negative_max_p)
    negative &= (
        agg["valid"].to_numpy() & ~agg["excluded"].to_numpy() & ~agg["is_keyword"].to_numpy()
    )
    candidate = (conv >= cfg.min_conversions) & agg["valid"].to_numpy()
    candidate &= (
        ~agg["is_keyword"].to_numpy() & ~agg["added"].to_numpy() & ~agg["excluded"].to_numpy()
    )
    # One new keyword per term and account: the ad group where the term earned the most value.
    order = agg.assign(_c=candidate).sort_values(
        ["_c", "conversions_value", "conversions", "clicks"], ascending=False
    )
    best = order[order["_c"]].drop_duplicates("key").index
    new = np.zeros(len(agg), bool)
    new[agg.index.get_indexer(best)] = True
    verdict[agg["is_keyword"].to_numpy()] = "keyword"
    verdict[agg["excluded"].to_numpy() & ~agg["is_keyword"].to_numpy()] = "excluded"
    verdict[negative] = "negative"
    verdict[new] = "new"
    agg["verdict"] = verdict

    rate = rng.gamma(clicks[:, None].repeat(n_draws, 1) + 0.5, 1.0 / days)  # clicks/day, Jeffreys
    cvr_draw = rng.beta(
        np.maximum(alpha, 1e-9)[:, None].repeat(n_draws, 1),
        np.maximum(beta, 1e-9)[:, None].repeat(n_draws, 1),
    )
    new_rows = _new_keywords(
        agg[new], rate[new], cvr_draw[new], config, margin, target, horizon, level
    )
    post_beta = s_t * (1 - cvr_g) + clicks
    cvr_post = rng.beta(
        np.maximum(s_t * cvr_g, 1e-9)[:, None].repeat(n_draws, 1),
        np.maximum(post_beta, 1e-9)[:, None].repeat(n_draws, 1),
    )
    neg_rows = _negatives(
        agg[negative],
        rate[negative],
        cvr_post[negative],
        cpc[negative],
        cfg.negative_match_type,
        margin,
        horizon,
        level,
    )
    summary = {
        "days": days,
        "horizon_days": horizon,
        "interval_level": level,
        "target_roas": target,
        "terms": len(agg),
        "tested_for_negative": int(zero.sum()),
        "new_keywords": len(new_rows),
        "negatives": len(neg_rows),
        "value_gained": float(new_rows["value_gained"].sum()) if len(new_rows) else 0.0,
        "spend_saved": float(neg_rows["spend_saved"].sum()) if len(neg_rows) else 0.0,
    }
    return TermsResult(new_rows, neg_rows, agg.drop(columns=["key"]), summary)


def _names(keywords: pd.DataFrame, terms: pd.DataFrame) -> pd.DataFrame:
    """Campaign and ad group names per ad group id (Editor matches rows by names)."""
    frames = [
        f for f in (terms, keywords) if {"ad_group_id", "campaign", "ad_group"} <= set(f.columns)
    ]
    if not frames:
        return pd.DataFrame(
            {"ad_group_id": terms["ad_group_id"].unique(), "campaign": None, "ad_group": None}
        )
    both = pd.concat([f[["ad_group_id", "campaign", "ad_group"]] for f in frames])
    return both.dropna(subset=["ad_group"]).drop_duplicates("ad_group_id")


def _new_keywords(
    rows: pd.DataFrame,
    rate: np.ndarray,
    cvr: np.ndarray,
    config: BiddingConfig,
    margin: float,
    target: float,
    horizon: int,
    level: float,
) -> pd.DataFrame:
    out = rows.copy()
    clicks = out["clicks"].to_numpy(float)
    cpc = out["cost"].to_numpy(float) / clicks
    e = out["elasticity"].to_numpy(float)
    k = out["cpc_ratio"].to_numpy(float)
    modelled = np.isfinite(e) & np.isfinite(k) & (k > 0)
    k = np.where(modelled, k, config.default_cpc_ratio)
    observed_bid = cpc / k
    vpconv = out["value_per_conversion"].to_numpy(float)
    # The power curve's profit-maximizing bid at marginal ROAS ``target`` (bidding.optimizer).
    with np.errstate(divide="ignore", invalid="ignore"):
        optimal = out["cvr"].to_numpy(float) * vpconv * e / (k * (1 + e) * target)
    # Start within the per-cycle step cap of the bid that buys the term today, as any bid move:
    # the models saw the term's traffic only at that bid.
    # Never below that bid: a new keyword is suggested to win more of a converting term, and
    # a lower bid would list it with negative value gained (issue 19).
    cap = config.max_change
    optimal = np.clip(optimal, observed_bid, observed_bid * (1 + cap))
    raw = np.where(modelled & np.isfinite(optimal), optimal, observed_bid)
    step = config.bid_step
    # up to the next step: rounding down would start just under the bid that buys it today
    bid = np.round(
        np.clip(np.ceil(raw / step - 1e-9) * step, config.bid_floor, config.bid_ceiling), 10
    )
    out["match_type"] = config.terms.new_match_type
    out["bid"] = bid
    out["bid_source"] = np.where(modelled, "model", "observed")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        scale = np.where(modelled, (bid / observed_bid) ** np.nan_to_num(e), 1.0)
    clicks_new = rate * scale[:, None] * horizon
    value_new = clicks_new * cvr * vpconv[:, None]
    cost_new = clicks_new * (k * bid)[:, None]
    today_clicks = rate * horizon
    _put(out, "exp_clicks", _quantiles(clicks_new, level))
    _put(out, "exp_cost", _quantiles(cost_new, level))
    _put(out, "exp_value", _quantiles(value_new, level))
    _put(out, "exp_profit", _quantiles(margin * value_new - cost_new, level))
    _put(out, "value_gained", _quantiles(value_new - today_clicks * cvr * vpconv[:, None], level))
    _put(out, "cost_change", _quantiles(cost_new - today_clicks * cpc[:, None], level))
    keep = ["campaign_id", "campaign", "ad_group_id", "ad_group", "search_term", "match_type",
            "bid", "bid_source", *_METRICS, "cvr", "cvr_lo", "cvr_hi", "value_per_conversion"]  # fmt: skip
    impact = [c for c in out.columns if c.startswith(("exp_", "value_gained", "cost_change"))]
    return out[keep + impact].sort_values("exp_profit", ascending=False).reset_index(drop=True)


def _negatives(
    rows: pd.DataFrame,
    rate: np.ndarray,
    cvr_post: np.ndarray,
    cpc: np.ndarray,
    match_type: str,
    margin: float,
    horizon: int,
    level: float,
) -> pd.DataFrame:
    out = rows.copy()
    out["match_type"] = match_type
    spend = rate * cpc[:, None] * horizon
    value = (
        rate
        * cvr_post
        * out["value_per_conversion_group"].fillna(0).to_numpy(float)[:, None]
        * horizon
    )
    _put(out, "spend_saved", _quantiles(spend, level))
    _put(out, "value_lost", _quantiles(value, level))
    _put(out, "profit_gain", _quantiles(spend - margin * value, level))
    keep = ["campaign_id", "campaign", "ad_group_id", "ad_group", "search_term", "match_type",
            "clicks", "impressions", "cost", "cvr_group", "cvr_needed", "p_value"]  # fmt: skip
    impact = [c for c in out.columns if c.startswith(("spend_saved", "value_lost", "profit_gain"))]
    return out[keep + impact].sort_values("spend_saved", ascending=False).reset_index(drop=True)


def editor_frames(result: TermsResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Google Ads Editor CSV rows: (new keywords with Max CPC, negative keywords)."""
    n, g = result.new_keywords, result.negatives
    new = pd.DataFrame(
        {
            "Campaign": n.get("campaign"),
            "Ad group": n.get("ad_group"),
            "Keyword": n.get("search_term"),
            "Criterion Type": n.get("match_type"),
            "Max CPC": n["bid"].map(lambda b: f"{b:.2f}") if len(n) else None,
        },
        columns=NEW_COLUMNS,
    )
    neg = pd.DataFrame(
        {
            "Campaign": g.get("campaign"),
            "Ad group": g.get("ad_group"),
            "Keyword": g.get("search_term"),
            "Criterion Type": g.get("match_type"),
        },
        columns=NEGATIVE_COLUMNS,
    )
    return new, neg


def write_outputs(result: TermsResult, out: Path) -> dict[str, Path]:
    """``out/terms-keywords-editor.csv``, ``out/terms-negatives-editor.csv`` (Google Ads Editor
    imports, File > Import > From file) and ``out/terms.json`` (every row with its impact)."""
    out.mkdir(parents=True, exist_ok=True)
    new, neg = editor_frames(result)
    paths = {
        "keywords": out / "terms-keywords-editor.csv",
        "negatives": out / "terms-negatives-editor.csv",
        "json": out / "terms.json",
    }
    write_csv(new, paths["keywords"])
    write_csv(neg, paths["negatives"])

    def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
        if frame.empty:
            return []
        clean = frame.astype(object).where(frame.notna(), None)
        return [
            {
                str(k): (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in r.items()
            }
            for r in clean.to_dict(orient="records")
        ]

    payload = {
        "summary": result.summary,
        "new_keywords": records(result.new_keywords),
        "negatives": records(result.negatives),
    }
    paths["json"].write_text(
        json.dumps(payload, indent=1, default=str, allow_nan=False), encoding="utf-8"
    )
    return paths
