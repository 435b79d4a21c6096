"""The demo account: a synthetic retailer whose every keyword has a known truth.

Keywords sell the demo catalog's products (``demo.site.catalog.Catalog``), in English
and French campaigns, landing on the products' ``path_en`` / ``path_fr``. Per keyword:

* clicks on a day at bid ``x``: ``Poisson(min(click_ceiling, a * x ** elasticity) * season)``,
  ``season`` a weekday multiplier (mean 1); the ceiling is where impression share runs out;
* impressions: clicks plus ``Poisson`` of the non-clicking views at the keyword's CTR;
* cost per click: ``cpc_ratio * x`` (the second-price discount), with a little noise;
* conversions: ``Binomial(clicks, cvr)``, ``cvr`` drawn from a beta prior per category (so a
  beta-binomial model is exactly right and its intervals can be checked);
* order value: the product's price times a basket factor, lognormal per order.

``a`` is heavy-tailed, so most keywords are sparse long-tail ones. Bids vary week to week
around the keyword's base bid (as a manager's changes would), so elasticities are
identifiable from history; some keywords also get bid-landscape simulation points.

What a real account's API also shows, for ``sem pull``: the change log of those bid changes
(``sem_bid_changes``), campaigns with budgets, impression shares and bidding strategies (a
share of Search campaigns under Smart Bidding), Shopping product-group trees with unit bids,
and a known conversion lag curve (``sem_truth_conversion_lag``; the tables hold eventual
conversions, the local API server reports what has arrived by its clock).

Coverage truth (``sem_truth_coverage``): some in-stock products get no keywords and no
shopping item (``uncovered``); keywords and shopping items that point at out-of-stock
products or at the demo site's 404 / noindex product URLs are wasted spend (``wasted``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from demo.site import DEFAULT_URL
from searchops import clock
from searchops.workspace import Workspace, monday_of
from sem import tables
from sem.ads_api import SMART_BIDDING_STRATEGIES

DEMO_CUSTOMER_ID = "1234567890"
DEMO_SOURCE = "demo"
# Weekday multipliers (Mon..Sun), mean 1: retail search peaks at the weekend.
SEASON = np.array([0.96, 0.95, 0.97, 0.98, 1.01, 1.08, 1.05])
SEASON = SEASON / SEASON.mean()
# Long-tail modifiers that turn one product name into many distinct keywords.
_MODIFIERS_EN = ["", "buy", "price", "sale", "online", "best", "cheap", "canada", "review",
                 "deal", "shop", "store", "discount", "order", "near me", "new", "top",
                 "compare", "gift", "free shipping"]  # fmt: skip
_MODIFIERS_FR = ["", "acheter", "prix", "solde", "en ligne", "meilleur", "pas cher", "canada",
                 "avis", "aubaine", "boutique", "magasin", "rabais", "commander", "près de moi",
                 "nouveau", "top", "comparer", "cadeau", "livraison gratuite"]  # fmt: skip
_MATCH_TYPES = np.array(["EXACT", "PHRASE", "BROAD"])
UNCOVERED_SHARE = 0.08  # of in-stock products deliberately left without paid coverage
# Share of a click's eventual conversions that happen d days after it (d = 0..44): 45% the
# same day, the rest decaying geometrically (retail: most orders within a week of the click).
CONVERSION_LAG = np.concatenate([[0.45], 0.55 * 0.2 * 0.8 ** np.arange(44)])
CONVERSION_LAG = CONVERSION_LAG / CONVERSION_LAG.sum()
# Campaigns run under a Smart Bidding strategy (keyword max CPCs ignored): the rest is manual.
SMART_BIDDING_SHARE = 0.15
ACCOUNT_TIME_ZONE = "America/Toronto"


@dataclass
class DemoAccount:
    """The account's tables (columns as in :mod:`sem.tables`) and its truth."""

    customer_id: str
    since: date
    until: date
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return DEMO_SOURCE


def catalog_frame(products: int, seed: int) -> pd.DataFrame:
    """The demo catalog as one row per product (index, sku, names, price, paths...)."""
    from demo.site.catalog import Catalog

    catalog = Catalog(products=products, seed=seed)
    rows = []
    for i in range(products):
        p = catalog.product(i)
        rows.append(
            {
                "index": i,
                "sku": p.sku,
                "gtin": p.gtin,
                "name_en": p.name_en,
                "name_fr": p.name_fr,
                "brand": p.brand,
                "category": p.category,
                "price": float(p.price),
                "in_stock": bool(p.in_stock),
                "path_en": p.path_en,
                "path_fr": p.path_fr,
                "popularity": float(p.popularity),
            }
        )
    return pd.DataFrame(rows)


def defect_paths(products: int, seed: int, week: int = 1) -> dict[str, str]:
    """URL path -> reason (not_found | noindex) for the demo site's defective product pages."""
    from demo.site import defects

    reasons = {"status-404": "not_found", "noindex-in-sitemap": "noindex"}
    out: dict[str, str] = {}
    for item in defects.manifest(products=products, seed=seed, week=week):
        reason = reasons.get(str(item["kind"]))
        path = urlsplit(item["url"]).path
        if reason and "/p/" in path:
            out[path] = reason
    return out


def generate(
    keywords: int = 10_000,
    days: int = 90,
    seed: int = 0,
    products: int = 2000,
    until: date | None = None,
    site_url: str = DEFAULT_URL,
    catalog_seed: int = 0,
    site_week: int = 1,
    customer_id: str = DEMO_CUSTOMER_ID,
) -> DemoAccount:
    """Build the demo account: ``keywords`` keywords, ``days`` days of history ending ``until``.

    ``customer_id`` names the account (several demo accounts can sit under one manager)."""
    rng = np.random.default_rng(seed)
    # The account's later additions (bid change log, campaigns, product groups) draw from their
    # own stream so the original tables stay the same for a given seed.
    extra = np.random.default_rng([seed, 12])
    until = until or clock.today() - timedelta(days=1)
    since = until - timedelta(days=days - 1)
    catalog = catalog_frame(products, catalog_seed)
    defects = defect_paths(products, catalog_seed, site_week)
    site = site_url.rstrip("/")

    # Which products get paid coverage: all but a known share of the in-stock ones; products
    # whose pages are defective always keep theirs (they are the known wasted spend).
    in_stock = catalog["in_stock"].to_numpy()
    defective = (catalog["path_en"].isin(defects) | catalog["path_fr"].isin(defects)).to_numpy()
    uncovered = np.zeros(len(catalog), bool)
    candidates = np.flatnonzero(in_stock & ~defective)
    uncovered[rng.choice(candidates, int(len(candidates) * UNCOVERED_SHARE), replace=False)] = True
    covered = np.flatnonzero(~uncovered)

    kw = _keywords(catalog, covered, keywords, rng, site, np.flatnonzero(defective))
    truth = _truth(kw, catalog, rng)
    kw["cpc_bid"] = truth["base_bid"].to_numpy()  # replaced by the last day's bid below
    daily, bids = _history(kw, truth, since, days, rng)
    kw["cpc_bid"] = bids[:, -1]
    kw["status"] = "ENABLED"

    account = DemoAccount(customer_id=customer_id, since=since, until=until)
    products_df, shopping = _shopping(catalog, covered, since, days, rng, kw)
    campaigns = _campaigns(kw, products_df, extra)
    kw["bidding_strategy_type"] = kw["campaign_id"].map(
        campaigns.set_index("campaign_id")["bidding_strategy_type"]
    )
    account.frames = {
        "sem_keywords": kw,
        "sem_keyword_daily": daily,
        "sem_bid_landscape": _landscape(kw, truth, until, rng),
        "sem_search_terms": _search_terms(kw, daily, until),
        "sem_products": products_df,
        "sem_shopping_daily": shopping,
        "sem_truth": truth,
        "sem_truth_season": pd.DataFrame({"dow": np.arange(7), "multiplier": SEASON}),
        "sem_truth_coverage": _coverage_truth(catalog, uncovered, kw, products_df, defects, site),
        "sem_bid_changes": _bid_changes(kw, bids, since, extra),
        "sem_campaigns": campaigns,
        "sem_campaign_daily": _campaign_daily(campaigns, daily, shopping, truth, since, days),
        "sem_product_groups": _product_groups(products_df, extra),
        "sem_truth_conversion_lag": pd.DataFrame(
            {"lag_days": np.arange(len(CONVERSION_LAG)), "share": CONVERSION_LAG}
        ),
    }
    kw["smart_bidding"] = kw["bidding_strategy_type"].isin(SMART_BIDDING_STRATEGIES)
    campaigns["smart_bidding"] = campaigns["bidding_strategy_type"].isin(SMART_BIDDING_STRATEGIES)
    for name, frame in account.frames.items():
        if not name.startswith("sem_truth"):
            frame["customer_id"] = customer_id
    return account


def _keywords(
    catalog: pd.DataFrame,
    covered: np.ndarray,
    n: int,
    rng: np.random.Generator,
    site: str,
    keep: np.ndarray,
) -> pd.DataFrame:
    """``n`` keywords spread over covered products x {en, fr}, one ad group per product+lang."""
    groups = pd.DataFrame(
        {"product": np.repeat(covered, 2), "lang": np.tile(["en", "fr"], len(covered))}
    )
    # Popular products get more keywords (Zipf-like weights), every ad group at least one.
    weights = 1.0 / np.arange(1, len(groups) + 1) ** 0.6
    weights = weights[rng.permutation(len(groups))]
    extra = rng.multinomial(max(n - len(groups), 0), weights / weights.sum())
    per_group = (np.ones(len(groups), int) + extra) if n >= len(groups) else None
    if per_group is None:  # fewer keywords than ad groups: a random subset, defective kept
        must = np.flatnonzero(groups["product"].isin(keep).to_numpy())[:n]
        rest = np.setdiff1d(np.arange(len(groups)), must)
        chosen = np.concatenate([must, rng.choice(rest, n - len(must), replace=False)])
        groups = groups.iloc[np.sort(chosen)]
        per_group = np.ones(n, int)
    group_idx = np.repeat(np.arange(len(groups)), per_group)
    rank = np.arange(len(group_idx)) - np.repeat(np.cumsum(per_group) - per_group, per_group)
    g = groups.iloc[group_idx].reset_index(drop=True)
    p = catalog.iloc[g["product"].to_numpy()].reset_index(drop=True)
    fr = (g["lang"] == "fr").to_numpy()
    names = np.where(fr, p["name_fr"], p["name_en"])
    mods_en, mods_fr = np.array(_MODIFIERS_EN), np.array(_MODIFIERS_FR)
    slot = rank // len(_MATCH_TYPES)
    modifier = np.where(fr, mods_fr[slot % len(mods_fr)], mods_en[slot % len(mods_en)])
    cycle = slot // len(mods_en)  # past the modifier list: brand, then numbered variants
    base = np.char.lower(names.astype(str))
    brand = np.char.lower(p["brand"].to_numpy().astype(str))
    text = np.where(modifier == "", base, np.char.add(np.char.add(base, " "), modifier))
    text = np.where(cycle >= 1, np.char.add(np.char.add(brand, " "), text), text)
    text = np.where(cycle >= 2, np.char.add(np.char.add(text, " "), cycle.astype(str)), text)
    cat_codes = {c: i for i, c in enumerate(sorted(catalog["category"].unique()))}
    camp_key = p["category"].map(cat_codes).to_numpy() * 2 + fr
    ad_group_id = 5_000_000_000 + g["product"].to_numpy() * 2 + fr
    return pd.DataFrame(
        {
            "campaign_id": 20_000_000 + camp_key,
            "campaign": "Search | " + p["category"] + np.where(fr, " | FR", " | EN"),
            "ad_group_id": ad_group_id,
            "ad_group": p["sku"] + np.where(fr, " | fr", " | en"),
            "criterion_id": 100_000_000 + np.arange(len(g)),
            "keyword": text,
            "match_type": _MATCH_TYPES[rank % len(_MATCH_TYPES)],
            "final_url": site + np.where(fr, p["path_fr"], p["path_en"]),
            "lang": g["lang"].to_numpy(),
            "item_id": p["sku"].to_numpy(),
            "sku": p["sku"].to_numpy(),
            "category": p["category"].to_numpy(),
            "price": p["price"].to_numpy(),
            "popularity": p["popularity"].to_numpy(),
        }
    )


def _truth(kw: pd.DataFrame, catalog: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(kw)
    cats = sorted(catalog["category"].unique())
    cat_idx = kw["category"].map({c: i for i, c in enumerate(cats)}).to_numpy()
    # Category conversion rates 1.5%..6%, keyword rates from a Beta prior of strength 80.
    cat_cvr = rng.uniform(0.015, 0.06, len(cats))
    prior_strength = 80.0
    m = cat_cvr[cat_idx]
    cvr = rng.beta(m * prior_strength, (1 - m) * prior_strength)
    # Category elasticities 0.5..1.2, keywords scattered around them.
    cat_b = rng.uniform(0.5, 1.2, len(cats))
    elasticity = np.clip(cat_b[cat_idx] + rng.normal(0, 0.15, n), 0.2, 2.0)
    # Match type shapes volume: broad reaches more searches than exact.
    match_scale = kw["match_type"].map({"EXACT": 0.6, "PHRASE": 1.0, "BROAD": 1.6}).to_numpy()
    # Volume follows the product's demand (catalog popularity, damped: even obscure products
    # get some searches) times a heavy-tailed keyword factor: most keywords are long-tail.
    popularity = kw["popularity"].to_numpy()
    demand = (popularity / np.median(popularity)) ** 0.25
    a = np.exp(rng.normal(np.log(0.4), 1.2, n)) * match_scale * demand
    value = kw["price"].to_numpy() * rng.uniform(1.0, 1.3, n)
    # Base bids: roughly break-even bids scattered by a factor of ~2 (room to improve).
    base_bid = np.clip(cvr * value * 0.3 * np.exp(rng.normal(0, 0.5, n)), 0.10, 12.0).round(2)
    saturation_bid = base_bid * np.exp(rng.uniform(np.log(1.3), np.log(4.0), n))
    click_ceiling = a * saturation_bid**elasticity
    ctr = rng.uniform(0.02, 0.10, n)
    return pd.DataFrame(
        {
            "criterion_id": kw["criterion_id"],
            "ad_group_id": kw["ad_group_id"],
            "campaign_id": kw["campaign_id"],
            "category": kw["category"],
            "a": a,
            "elasticity": elasticity,
            "click_ceiling": click_ceiling,
            "impression_ceiling": click_ceiling / ctr,
            "ctr": ctr,
            "cpc_ratio": rng.uniform(0.65, 0.95, n),
            "cvr": cvr,
            "value_per_conversion": value,
            "base_bid": base_bid,
        }
    )


def expected_clicks(truth: pd.DataFrame, bid: np.ndarray, season: float = 1.0) -> np.ndarray:
    """Expected clicks per day at ``bid`` (vectorized over keywords)."""
    a, b = truth["a"].to_numpy(), truth["elasticity"].to_numpy()
    return np.minimum(truth["click_ceiling"].to_numpy(), a * np.asarray(bid) ** b) * season


def _history(
    kw: pd.DataFrame, truth: pd.DataFrame, since: date, days: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """Daily rows (zero-impression days omitted, as in Google's reports) and the bids
    (keywords x days)."""
    n = len(kw)
    dates = pd.date_range(since, periods=days, freq="D")
    week = (np.arange(days) // 7)[None, :]
    weeks = int(week.max()) + 1
    # A new bid each week: base bid times a log-normal step (sd 0.3 ~ +/-35%).
    weekly = truth["base_bid"].to_numpy()[:, None] * np.exp(rng.normal(0, 0.3, (n, weeks)))
    bids = np.clip(np.round(weekly, 2), 0.05, 25.0)[:, week[0]]  # n x days
    season = SEASON[dates.day_of_week.to_numpy()][None, :]
    lam = (
        np.minimum(
            truth["click_ceiling"].to_numpy()[:, None],
            truth["a"].to_numpy()[:, None] * bids ** truth["elasticity"].to_numpy()[:, None],
        )
        * season
    )
    clicks = rng.poisson(lam)
    ctr = truth["ctr"].to_numpy()[:, None]
    impressions = clicks + rng.poisson(lam * (1 - ctr) / ctr)
    keep = impressions > 0
    rows, cols = np.nonzero(keep)
    c = clicks[rows, cols]
    bid = bids[rows, cols]
    cpc = truth["cpc_ratio"].to_numpy()[rows] * bid * np.exp(rng.normal(0, 0.05, len(rows)))
    conversions = rng.binomial(c, truth["cvr"].to_numpy()[rows])
    order_sd = 0.3  # per-order log-normal spread of basket value
    # A day's mean order value over its conversions is lognormal with the Fenton-Wilkinson
    # moments, so it averages value_per_conversion whatever the day's count (a spread of
    # order_sd / sqrt(count) around the one-order mean left many-order days 1-4% low).
    safe = np.maximum(conversions, 1)
    day_var = np.log1p(np.expm1(order_sd**2) / safe)
    mean_log = np.log(truth["value_per_conversion"].to_numpy()[rows]) - day_var / 2
    value = np.where(
        conversions > 0,
        conversions * np.exp(mean_log + rng.normal(0, np.sqrt(day_var))),
        0.0,
    )
    daily = pd.DataFrame(
        {
            "date": dates[cols],
            "customer_id": DEMO_CUSTOMER_ID,
            "campaign_id": kw["campaign_id"].to_numpy()[rows],
            "ad_group_id": kw["ad_group_id"].to_numpy()[rows],
            "criterion_id": kw["criterion_id"].to_numpy()[rows],
            "cpc_bid": bid,
            "clicks": c,
            "impressions": impressions[rows, cols],
            "cost": np.round(c * cpc, 2),
            "conversions": conversions.astype(float),
            "conversions_value": np.round(value, 2),
        }
    )
    return daily, bids


def _landscape(
    kw: pd.DataFrame, truth: pd.DataFrame, until: date, rng: np.random.Generator
) -> pd.DataFrame:
    """Google's 7-day CPC bid simulations for the keywords with enough traffic to get one."""
    current = kw["cpc_bid"].to_numpy()
    daily_clicks = expected_clicks(truth, current)
    has = (daily_clicks >= 0.5) & (rng.random(len(kw)) < 0.6)
    idx = np.flatnonzero(has)
    factors = np.array([0.5, 0.75, 1.0, 1.25, 1.5, 2.0])
    k, f = np.repeat(idx, len(factors)), np.tile(factors, len(idx))
    bid = np.round(current[k] * f, 2)
    sub = truth.iloc[k]
    # Simulations are estimates: a per-keyword bias and per-point noise of a few percent.
    bias = np.exp(rng.normal(0, 0.1, len(kw)))[k] * np.exp(rng.normal(0, 0.04, len(k)))
    clicks = 7 * expected_clicks(sub, bid) * bias
    cost = clicks * bid * sub["cpc_ratio"].to_numpy()
    conversions = clicks * sub["cvr"].to_numpy()
    return pd.DataFrame(
        {
            "customer_id": DEMO_CUSTOMER_ID,
            "ad_group_id": kw["ad_group_id"].to_numpy()[k],
            "criterion_id": kw["criterion_id"].to_numpy()[k],
            "start_date": pd.Timestamp(until - timedelta(days=6)),
            "end_date": pd.Timestamp(until),
            "cpc_bid": bid,
            "clicks": np.round(clicks, 1),
            "impressions": np.round(clicks / sub["ctr"].to_numpy()),
            "cost": np.round(cost, 2),
            "conversions": np.round(conversions, 2),
            "conversions_value": np.round(conversions * sub["value_per_conversion"].to_numpy(), 2),
        }
    )


# Search terms that never convert (no buying intent), with the share of the clicks they take
# from every fourth phrase / broad keyword: the negatives `searchops bid terms` must find.
JUNK_TERM_WORDS = {"en": " manual", "fr": " mode d'emploi"}
JUNK_TERM_SHARE = 0.5


def is_junk_keyword(criterion_id: pd.Series, match_type: pd.Series) -> pd.Series:
    """The keywords whose search terms include a junk term (deterministic, for the truth)."""
    return (criterion_id.astype("int64") % 4 == 0) & match_type.ne("EXACT")


def _search_terms(kw: pd.DataFrame, daily: pd.DataFrame, until: date) -> pd.DataFrame:
    """The last week's search terms of the keywords that got clicks: the keyword itself for
    exact match, the keyword plus a longer-tail word for phrase and broad; for the keywords
    of :func:`is_junk_keyword` also a junk term (:data:`JUNK_TERM_WORDS`) taking
    :data:`JUNK_TERM_SHARE` of the clicks, impressions and cost and none of the conversions.
    A keyword's terms add up to its own daily metrics."""
    last = daily[daily["date"] > pd.Timestamp(until - timedelta(days=7))]
    last = last[last["clicks"] > 0].merge(
        kw[["criterion_id", "keyword", "match_type", "lang"]], on="criterion_id"
    )
    tail = np.where(last["lang"] == "fr", " avis", " review")
    term = np.where(last["match_type"] == "EXACT", last["keyword"], last["keyword"] + tail)
    terms = last.assign(search_term=term, status="NONE")
    junky = is_junk_keyword(terms["criterion_id"], terms["match_type"]).to_numpy(copy=True)
    junk_clicks = np.floor(terms["clicks"].to_numpy() * JUNK_TERM_SHARE).astype(int)
    junky &= junk_clicks > 0
    share = np.where(junky, junk_clicks / terms["clicks"].to_numpy(), 0.0)
    junk = terms[junky].assign(
        search_term=terms.loc[junky, "keyword"] + terms.loc[junky, "lang"].map(JUNK_TERM_WORDS),
        clicks=junk_clicks[junky],
        impressions=np.round(terms.loc[junky, "impressions"] * share[junky]).astype(int),
        cost=np.round(terms.loc[junky, "cost"] * share[junky], 2),
        conversions=0.0,
        conversions_value=0.0,
    )
    terms["clicks"] = terms["clicks"] - np.where(junky, junk_clicks, 0)
    terms.loc[junky, "impressions"] -= junk["impressions"].to_numpy()
    terms.loc[junky, "cost"] = np.round(terms.loc[junky, "cost"] - junk["cost"].to_numpy(), 2)
    return pd.concat([terms, junk], ignore_index=True)[
        ["date", "customer_id", "campaign_id", "ad_group_id", "criterion_id", "search_term",
         "keyword", "match_type", "status", "clicks", "impressions", "cost", "conversions",
         "conversions_value"]
    ]  # fmt: skip


def _shopping(
    catalog: pd.DataFrame,
    covered: np.ndarray,
    since: date,
    days: int,
    rng: np.random.Generator,
    kw: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """shopping_product rows for the covered products (en and fr feeds) and their daily rows."""
    p = catalog.iloc[covered].reset_index(drop=True)
    cats = sorted(catalog["category"].unique())
    cat_code = p["category"].map({c: i for i, c in enumerate(cats)}).to_numpy()
    campaign_id = 30_000_000 + cat_code
    ad_group_id = 6_000_000_000 + cat_code
    products = pd.concat(
        [
            pd.DataFrame(
                {
                    "customer_id": DEMO_CUSTOMER_ID,
                    "item_id": p["sku"],
                    "title": p[f"name_{lang}"],
                    "brand": p["brand"],
                    "category": p["category"],
                    "price": p["price"],
                    "currency": "CAD",
                    "language": lang,
                    "status": np.where(p["in_stock"], "ELIGIBLE", "NOT_ELIGIBLE"),
                    "availability": np.where(p["in_stock"], "IN_STOCK", "OUT_OF_STOCK"),
                    "campaign_id": campaign_id,
                    "ad_group_id": ad_group_id,
                }
            )
            for lang in ("en", "fr")
        ],
        ignore_index=True,
    )
    # Shopping traffic per item: serving while in stock, heavy-tailed popularity.
    rate = np.exp(rng.normal(np.log(0.8), 1.2, len(p))) * p["in_stock"].to_numpy()
    dates = pd.date_range(since, periods=days, freq="D")
    lam = rate[:, None] * SEASON[dates.day_of_week.to_numpy()][None, :]
    clicks = rng.poisson(lam)
    impressions = clicks + rng.poisson(lam * 40)
    rows, cols = np.nonzero(impressions)
    c = clicks[rows, cols]
    price = p["price"].to_numpy()[rows]
    conversions = rng.binomial(c, 0.03)
    shopping = pd.DataFrame(
        {
            "date": dates[cols],
            "customer_id": DEMO_CUSTOMER_ID,
            "campaign_id": campaign_id[rows],
            "ad_group_id": ad_group_id[rows],
            "item_id": p["sku"].to_numpy()[rows],
            "clicks": c,
            "impressions": impressions[rows, cols],
            "cost": np.round(c * rng.uniform(0.3, 1.2, len(rows)), 2),
            "conversions": conversions.astype(float),
            "conversions_value": np.round(conversions * price, 2),
        }
    )
    return products, shopping


def _coverage_truth(
    catalog: pd.DataFrame,
    uncovered: np.ndarray,
    kw: pd.DataFrame,
    products: pd.DataFrame,
    defects: dict[str, str],
    site: str,
) -> pd.DataFrame:
    unc = catalog[uncovered]
    rows = [
        pd.DataFrame(
            {
                "kind": "uncovered",
                "reason": "in_stock_uncovered",
                "item_id": unc["sku"],
                "sku": unc["sku"],
                "url": site + unc["path_en"],
                "criterion_id": pd.NA,
            }
        )
    ]
    stock = catalog.set_index("sku")["in_stock"]
    path = kw["final_url"].str.slice(len(site))
    reason = path.map(defects)
    out_of_stock = ~kw["sku"].map(stock).astype(bool)
    reason = reason.where(reason.notna() | ~out_of_stock, "out_of_stock")
    bad = kw[reason.notna()]
    rows.append(
        pd.DataFrame(
            {
                "kind": "wasted",
                "reason": reason[reason.notna()],
                "item_id": bad["item_id"],
                "sku": bad["sku"],
                "url": bad["final_url"],
                "criterion_id": bad["criterion_id"],
            }
        )
    )
    by_sku = catalog.set_index("sku")
    shop = products.drop_duplicates(["item_id", "language"])
    shop_path = np.where(
        shop["language"] == "fr",
        shop["item_id"].map(by_sku["path_fr"]),
        shop["item_id"].map(by_sku["path_en"]),
    )
    shop_reason = pd.Series(shop_path, index=shop.index).map(defects)
    shop_reason = shop_reason.where(
        shop_reason.notna() | (shop["availability"] == "IN_STOCK"), "out_of_stock"
    )
    bad_shop = shop[shop_reason.notna()]
    rows.append(
        pd.DataFrame(
            {
                "kind": "wasted",
                "reason": shop_reason[shop_reason.notna()],
                "item_id": bad_shop["item_id"],
                "sku": bad_shop["item_id"],
                "url": [site + str(u) for u in shop_path[shop_reason.notna().to_numpy()]],
                "criterion_id": pd.NA,
            }
        )
    )
    return pd.concat(rows, ignore_index=True)


def _bid_changes(
    kw: pd.DataFrame, bids: np.ndarray, since: date, rng: np.random.Generator
) -> pd.DataFrame:
    """The change log of the weekly bid changes: one UPDATE per keyword and changed day, made
    in the first two minutes of the day (an automated rule at midnight), so the day's data
    ran at the new bid, times in the account's time zone."""
    rows, cols = np.nonzero(bids[:, 1:] != bids[:, :-1])
    cols = cols + 1
    at = (
        pd.Timestamp(since)
        + pd.to_timedelta(cols, unit="D")
        + pd.to_timedelta(rng.integers(0, 120_000_000, len(rows)), unit="us")
    )
    return pd.DataFrame(
        {
            "changed_at": at,
            "date": at.normalize(),
            "campaign_id": kw["campaign_id"].to_numpy()[rows],
            "ad_group_id": kw["ad_group_id"].to_numpy()[rows],
            "criterion_id": kw["criterion_id"].to_numpy()[rows],
            "operation": "UPDATE",
            "old_bid": bids[rows, cols - 1],
            "new_bid": bids[rows, cols],
            "client_type": "GOOGLE_ADS_AUTOMATED_RULE",
        }
    ).sort_values("changed_at", ignore_index=True)


def _campaigns(kw: pd.DataFrame, products: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Search campaigns (manual CPC, some under Smart Bidding) and Shopping campaigns
    (manual CPC product-group bids), each with its own daily budget."""
    search = kw.drop_duplicates("campaign_id")[["campaign_id", "campaign"]]
    smart = rng.random(len(search)) < SMART_BIDDING_SHARE
    strategies = np.array(["TARGET_ROAS", "MAXIMIZE_CONVERSIONS", "TARGET_CPA"])
    shopping = products.drop_duplicates("campaign_id")[["campaign_id", "category"]]
    frame = pd.concat(
        [
            search.assign(
                channel_type="SEARCH",
                bidding_strategy_type=np.where(
                    smart, strategies[rng.integers(0, 3, len(search))], "MANUAL_CPC"
                ),
            ),
            pd.DataFrame(
                {
                    "campaign_id": shopping["campaign_id"],
                    "campaign": "Shopping | " + shopping["category"],
                    "channel_type": "SHOPPING",
                    "bidding_strategy_type": "MANUAL_CPC",
                }
            ),
        ],
        ignore_index=True,
    )
    n = len(frame)
    return frame.assign(
        status="ENABLED",
        budget_id=7_000_000 + np.arange(n),
        budget_amount=np.round(rng.uniform(40, 400, n), 0),
        budget_delivery="STANDARD",
        budget_shared=False,
    )


def _campaign_daily(
    campaigns: pd.DataFrame,
    daily: pd.DataFrame,
    shopping: pd.DataFrame,
    truth: pd.DataFrame,
    since: date,
    days: int,
) -> pd.DataFrame:
    """Campaign-day totals with search impression share: rank-lost share from the keywords'
    impression ceilings, budget-lost share where a day's spend reaches the budget."""
    metric = ["clicks", "impressions", "cost", "conversions", "conversions_value"]
    both = pd.concat([daily[["date", "campaign_id", *metric]],
                      shopping[["date", "campaign_id", *metric]]])  # fmt: skip
    out = both.groupby(["campaign_id", "date"], as_index=False)[metric].sum()
    ceiling = truth.groupby("campaign_id")["impression_ceiling"].sum()
    eligible = out["campaign_id"].map(ceiling).fillna(out["impressions"] * 2.0)
    share: pd.Series = np.clip(out["impressions"] / np.maximum(eligible, 1), 0.0999, 1.0)
    budget = out["campaign_id"].map(campaigns.set_index("campaign_id")["budget_amount"])
    budget_lost = np.clip(1 - budget / np.maximum(out["cost"], 1e-9), 0, 1 - share)
    return out.assign(
        search_impression_share=share.round(4),
        search_budget_lost_impression_share=budget_lost.round(4),
        search_rank_lost_impression_share=(1 - share - budget_lost).clip(0, 0.9001).round(4),
    )


def _product_groups(products: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each Shopping ad group's listing-group tree: a root subdivision by item id, one
    biddable unit per in-stock item, a negative (excluded) unit per out-of-stock item and
    the "everything else" unit."""
    items = products.drop_duplicates(["ad_group_id", "item_id"])
    parts = []
    next_id = 900_000_000
    for (campaign_id, ad_group_id), group in items.groupby(["campaign_id", "ad_group_id"]):
        root = next_id
        n = len(group)
        in_stock = (group["availability"] == "IN_STOCK").to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "campaign_id": campaign_id,
                    "ad_group_id": ad_group_id,
                    "criterion_id": root + np.arange(n + 2),
                    "parent_criterion_id": [pd.NA] + [root] * (n + 1),
                    "node_type": ["SUBDIVISION"] + ["UNIT"] * (n + 1),
                    "dimension": [pd.NA] + ["item_id"] * (n + 1),
                    "value": [pd.NA, *group["item_id"].str.lower(), pd.NA],
                    "negative": [False, *~in_stock, False],
                    "cpc_bid": [
                        np.nan,
                        *np.where(in_stock, np.round(rng.uniform(0.3, 1.2, n), 2), np.nan),
                        0.25,
                    ],
                }
            )
        )
        next_id += n + 2
    return pd.concat(parts, ignore_index=True).assign(status="ENABLED")


def save(workspace: Workspace, account: DemoAccount, label: str | None = None) -> str:
    """Write the account and its truth to the workspace (replacing an earlier demo); the
    pull id, registered in ``runs`` as kind ``sem``."""
    started = datetime.now(UTC).replace(tzinfo=None)
    pull_id = f"sem-demo-{started:%Y%m%dT%H%M%S%f}"
    with workspace.transaction():
        counts = {
            table: tables.write(workspace, table, frame, source=account.source, pull_id=pull_id)
            for table, frame in account.frames.items()
        }
        workspace.register_run(
            pull_id,
            "sem",
            started_at=started,
            finished_at=datetime.now(UTC).replace(tzinfo=None),
            week=monday_of(datetime.combine(account.until, datetime.min.time())),
            label=label or "demo account",
            stats={
                "source": account.source,
                "since": account.since,
                "until": account.until,
                "rows": counts,
            },
        )
    return pull_id
