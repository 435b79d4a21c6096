"""Catalog coverage: products worth adding to paid search, and paid coverage that is wasted.

``coverage(run, workspace, config, margin) -> Coverage`` joins the catalog's products with
the account's paid coverage. The catalog is the Merchant Center feed when the workspace holds
one (``merchant_items``, from ``merchant import`` or ``merchant pull``: the catalog of record
Shopping ads are built from, :func:`feed_products`), else the products found in the crawl
(Product structured data, :func:`bidding.site.products_from_pages`); the crawl still judges
the landing pages. Paid coverage: keywords (final URL or item id / sku) and Shopping items (``sem_products``, eligible
status). Two tables:

``opportunities`` (workspace ``coverage_opportunities``): in-stock products without paid
coverage, ranked by expected incremental profit over ``horizon_days``: clicks per day of
covered products of the same category, a category conversion rate shrunk toward the account's
(beta prior of ``cvr_prior_clicks`` pseudo-clicks), order value = price x the account's basket
ratio (conversion value / conversions / price), CPC = price x the category's CPC-to-price
ratio (similar covered products), margin from ``[sem] margin``. Columns: sku, gtin, name,
brand, category, price, currency, url, clicks_per_day, cvr (+_lo/_hi), cpc, profit (+_lo/_hi),
rank. Intervals are predictive (central ``interval_level``), by Monte Carlo over the category's
covered products (clicks, CPC ratio) and the conversion-rate posterior.

``waste`` (workspace ``coverage_waste``): enabled keywords and Shopping items whose landing
page is 404 (or any status >= 400), noindex, or whose product is out of stock. Columns:
channel (keyword|shopping), reason (not_found|noindex|out_of_stock), criterion_id, item_id,
url, campaign, ad_group, keyword, language, spend_recent (last ``horizon_days`` of history),
spend_at_stake (the same spend over the next ``horizon_days`` if nothing changes).

Keyword final URLs are matched to crawled URLs exactly; when none matches but their paths do
(the ads point at the live host, the crawl was of a staging copy or another port), they are
matched by path, and ``notes`` says so. When no ad URL matches any crawled URL, ``notes`` (and
a warning) says that wasted spend and keyword coverage could not be judged.

A feed's ``custom_label_0`` .. ``custom_label_4`` (the retailer's own groups: season, margin
band, bestsellers ...) are carried into the opportunities, and :func:`label_groups` counts, per
label value, the products, those without ads and the expected profit of covering them.

:func:`generated_ads` makes, for the top opportunities, keywords (``advertools.kw_generate``)
and responsive search ad headlines / descriptions (``advertools.ad_create``) within Google's
30 / 90 character limits; :func:`write_editor_csvs` exports them for Google Ads Editor.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import advertools as adv
import numpy as np
import pandas as pd

from bidding.config import CoverageConfig
from bidding.site import page_health, products_from_pages, read_pages, url_key
from searchops.escaping import write_csv
from searchops.workspace import Workspace

log = logging.getLogger(__name__)
_ELIGIBLE = ("ELIGIBLE", "ELIGIBLE_LIMITED")
_DRAWS = 2000


LABELS = tuple(f"custom_label_{k}" for k in range(5))
# Feed availability values a shopper can buy now or order (answer/6324448), as the crawl's
# InStock / PreOrder.
_BUYABLE = ("in_stock", "preorder")


@dataclass
class Coverage:
    products: pd.DataFrame  # one row per catalog product (sku), with coverage flags
    opportunities: pd.DataFrame
    waste: pd.DataFrame
    notes: list[str] = field(default_factory=list)  # how ad URLs were matched to the crawl
    source: str = "crawl"  # where the products came from: "feed" (merchant_items) or "crawl"
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)  # label_groups()


def _table(workspace: Workspace, name: str) -> pd.DataFrame:
    return (
        workspace.con.execute(f'SELECT * FROM "{name}"').df()
        if workspace.has_table(name)
        else pd.DataFrame()
    )


def _recent(daily: pd.DataFrame, days: int) -> pd.DataFrame:
    if daily.empty:
        return daily
    last = pd.Timestamp(daily["date"].max())
    return daily[pd.to_datetime(daily["date"]) > last - timedelta(days=days)]


def crawl_products(pages: pd.DataFrame) -> pd.DataFrame:
    """One row per sku (the first page found), with every URL it was found on in ``urls``."""
    found = products_from_pages(pages)
    found = found.dropna(subset=["sku"])
    if found.empty:
        return found.assign(urls=pd.Series(dtype=object))
    urls = found.groupby("sku")["url"].apply(lambda u: sorted(set(u)))
    # A product is in stock when any of its pages says so (en and fr pages share the stock).
    stock = found.groupby("sku")["in_stock"].apply(lambda s: bool(s.fillna(False).any()))
    first = found.drop_duplicates("sku").set_index("sku")
    first["urls"] = urls
    first["in_stock"] = stock
    return first.reset_index()


def _top_level(value: object) -> str | None:
    """The first level of a product_type or google_product_category ("Tents > 2-person" ->
    "Tents"): the department the account's categories and ad groups are named after."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.split(">")[0].split(",")[0].strip() or None


def feed_products(workspace: Workspace) -> pd.DataFrame | None:
    """The Merchant feed as the catalog: one row per offer id (the English item first, its
    other-language items' links in ``urls``), None when the workspace has no feed items.

    ``category`` is the item's product_type top level (the retailer's taxonomy, as the ads'
    categories), else its google_product_category's; ``in_stock`` is true when any item of the
    id can be bought (in_stock, preorder)."""
    if not workspace.has_table("merchant_items"):
        return None
    items = workspace.con.execute(
        f"""SELECT offer_id AS sku, gtin, title AS name, brand, product_type,
                   google_product_category, price, price_currency AS currency, link AS url,
                   availability, {", ".join(LABELS)}
            FROM merchant_items WHERE offer_id IS NOT NULL
            ORDER BY offer_id, language = 'en' DESC, language, source, link"""
    ).df()
    if items.empty:
        return None
    items["category"] = (
        items["product_type"]
        .map(_top_level)
        .fillna(items["google_product_category"].map(_top_level))
    )
    items["in_stock"] = items["availability"].isin(_BUYABLE).where(items["availability"].notna())
    grouped = items.groupby("sku", sort=False)
    first = grouped.first()  # first non-null of each column, the English item's before others
    first["urls"] = grouped["url"].agg(lambda u: sorted(set(u.dropna())))
    first["in_stock"] = grouped["in_stock"].agg(lambda s: bool(s.fillna(False).any()))
    first["price"] = pd.to_numeric(first["price"], errors="coerce").astype(float)
    columns = ["sku", "gtin", "name", "brand", "category", "price", "currency", "url",
               "availability", "in_stock", "urls", *LABELS]  # fmt: skip
    return first.reset_index()[columns]


def label_groups(products: pd.DataFrame, opp: pd.DataFrame) -> pd.DataFrame:
    """Per custom label in use and per value: products, products without ads (in stock) and
    the expected profit of the opportunities among them that pay off."""
    rows = []
    for label in LABELS:
        if label not in products or not products[label].notna().any():
            continue
        values = products[label].fillna("(none)")
        paying = opp[opp["profit"] > 0] if not opp.empty else opp
        profit = (
            paying.groupby(paying[label].fillna("(none)"))["profit"].agg(["sum", "size"])
            if label in paying and not paying.empty
            else pd.DataFrame(columns=["sum", "size"])
        )
        for value, group in products.groupby(values, sort=True):
            without = ~group["covered"]
            rows.append({
                "label": label, "value": value, "products": len(group),
                "without_ads": int(without.sum()),
                "in_stock_without_ads": int((without & group["in_stock"].fillna(False)).sum()),
                "paying_opportunities": int(profit["size"].get(value, 0)),
                "profit": float(profit["sum"].get(value, 0.0)),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=["label", "value", "products", "without_ads",
                                       "in_stock_without_ads", "paying_opportunities", "profit"])  # fmt: skip


def _coverage_flags(
    products: pd.DataFrame, keywords: pd.DataFrame, shopping: pd.DataFrame
) -> pd.DataFrame:
    kw = (
        keywords[keywords["status"].fillna("ENABLED").eq("ENABLED")]
        if not keywords.empty
        else keywords
    )
    kw_urls = set(kw["final_url"].map(url_key).dropna()) if not kw.empty else set()
    kw_items = (
        set(kw["item_id"].dropna().astype(str)) | set(kw["sku"].dropna().astype(str))
        if not kw.empty
        else set()
    )
    eligible = shopping[shopping["status"].isin(_ELIGIBLE)] if not shopping.empty else shopping
    shop_items = set(eligible["item_id"].dropna().astype(str)) if not eligible.empty else set()
    out = products.copy()
    by_url = out["urls"].map(lambda urls: any(url_key(u) in kw_urls for u in urls))
    out["keyword_covered"] = by_url | out["sku"].astype(str).isin(kw_items)
    out["shopping_covered"] = out["sku"].astype(str).isin(shop_items) | out["gtin"].astype(
        str
    ).isin(shop_items)
    out["covered"] = out["keyword_covered"] | out["shopping_covered"]
    return out


def _category_stats(
    keywords: pd.DataFrame,
    kw_daily: pd.DataFrame,
    shopping: pd.DataFrame,
    shop_daily: pd.DataFrame,
    prices: pd.Series,
    days: int,
) -> pd.DataFrame:
    """Per covered product (item): category, clicks/day, conversions, value, cost, price."""
    frames = []
    if not kw_daily.empty and not keywords.empty:
        k = _recent(kw_daily, days).merge(
            keywords[["criterion_id", "item_id", "category"]].drop_duplicates("criterion_id"),
            on="criterion_id",
        )
        frames.append(
            k[["item_id", "category", "clicks", "conversions", "conversions_value", "cost"]]
        )
    if not shop_daily.empty and not shopping.empty:
        cats = shopping.drop_duplicates("item_id").set_index("item_id")["category"]
        s = _recent(shop_daily, days)
        frames.append(
            s.assign(category=s["item_id"].map(cats))[
                ["item_id", "category", "clicks", "conversions", "conversions_value", "cost"]
            ]
        )
    if not frames:
        return pd.DataFrame(
            columns=[
                "item_id",
                "category",
                "clicks",
                "conversions",
                "conversions_value",
                "cost",
                "price",
            ]
        )
    per_item = (
        pd.concat(frames)
        .groupby(["item_id", "category"], as_index=False)[
            ["clicks", "conversions", "conversions_value", "cost"]
        ]
        .sum()
    )
    per_item["clicks_per_day"] = per_item["clicks"] / days
    # numeric even when no item matched (an empty map keeps the prices' string dtype)
    per_item["price"] = pd.to_numeric(
        per_item["item_id"].astype(str).map(prices), errors="coerce"
    ).astype(float)
    return per_item


def opportunities(
    products: pd.DataFrame,
    stats: pd.DataFrame,
    config: CoverageConfig,
    margin: float,
    seed: int = 0,
) -> pd.DataFrame:
    """Rank in-stock, uncovered products by expected incremental profit (module docstring)."""
    cand = products[
        products["in_stock"].fillna(False).astype(bool)
        & ~products["covered"]
        & products["price"].notna()
    ].copy()
    columns = ["sku", "gtin", "name", "brand", "category", "price", "currency", "url"]
    columns += [c for c in LABELS if c in cand]
    if cand.empty:
        return cand.reindex(
            columns=[
                *columns,
                "clicks_per_day",
                "cvr",
                "cvr_lo",
                "cvr_hi",
                "cpc",
                "profit",
                "profit_lo",
                "profit_hi",
                "rank",
            ]
        )
    rng = np.random.default_rng(seed)
    q = [(1 - config.interval_level) / 2, (1 + config.interval_level) / 2]
    clicks = stats["clicks"].sum()
    conversions = float(stats["conversions"].sum())
    # No conversion yet: half a pseudo-conversion (Jeffreys), as a Beta prior needs a > 0.
    p0 = (conversions or 0.5) / clicks if clicks > 0 else 0.02
    priced = stats[(stats["price"] > 0) & (stats["conversions"] > 0)]
    basket = (
        float(priced["conversions_value"].sum() / (priced["conversions"] * priced["price"]).sum())
        if not priced.empty
        else 1.0
    )
    paid = stats[(stats["clicks"] > 0) & (stats["price"] > 0)]
    account_ratio = (paid["cost"] / paid["clicks"] / paid["price"]).to_numpy()
    account_rates = stats["clicks_per_day"].to_numpy()
    rows = []
    for category, group in cand.groupby(cand["category"].fillna(""), sort=False):
        cat = stats[stats["category"] == category]
        conv, n = float(cat["conversions"].sum()), float(cat["clicks"].sum())
        a = conv + config.cvr_prior_clicks * p0
        b = max(n - conv, 0.0) + config.cvr_prior_clicks * (1 - p0)
        rates = cat["clicks_per_day"].to_numpy()
        rates = rates if len(rates) >= 3 else account_rates
        if len(rates) == 0:
            rates = np.array([config.default_clicks_per_day])
        cat_paid = cat[(cat["clicks"] > 0) & (cat["price"] > 0)]
        ratios = (cat_paid["cost"] / cat_paid["clicks"] / cat_paid["price"]).to_numpy()
        ratios = ratios if len(ratios) >= 3 else account_ratio
        price = group["price"].to_numpy(float)
        cvr_draw = rng.beta(a, b, _DRAWS)
        click_draw = rng.choice(rates, _DRAWS)
        if len(ratios):
            cpc_draw = rng.choice(ratios, _DRAWS)[None, :] * price[:, None]
            cpc_mean = float(np.mean(ratios)) * price
        else:
            cpc_draw = np.full((len(price), _DRAWS), config.default_cpc)
            cpc_mean = np.full(len(price), config.default_cpc)
        profit = (
            config.horizon_days
            * click_draw[None, :]
            * (margin * cvr_draw[None, :] * basket * price[:, None] - cpc_draw)
        )
        lo, hi = np.quantile(profit, q, axis=1)
        out = group[columns].copy()
        out["clicks_per_day"] = float(np.mean(rates))
        out["cvr"] = a / (a + b)
        out["cvr_lo"], out["cvr_hi"] = (float(x) for x in np.quantile(cvr_draw, q))
        out["cpc"] = cpc_mean
        out["profit"] = profit.mean(axis=1)
        out["profit_lo"], out["profit_hi"] = lo, hi
        rows.append(out)
    ranked = pd.concat(rows).sort_values("profit", ascending=False).reset_index(drop=True)
    ranked["rank"] = np.arange(1, len(ranked) + 1)
    return ranked


def waste(
    pages: pd.DataFrame,
    products: pd.DataFrame,
    keywords: pd.DataFrame,
    kw_daily: pd.DataFrame,
    shopping: pd.DataFrame,
    shop_daily: pd.DataFrame,
    days: int,
) -> pd.DataFrame:
    """Paid coverage pointing at 404 / noindex pages or out-of-stock products (module docstring)."""
    health = page_health(pages).set_index("key")
    stock_by_url = {
        url_key(u): bool(s)
        for urls, s in zip(products.get("urls", []), products.get("in_stock", []), strict=False)
        for u in urls
        if s is not None
    }
    stock_by_sku = dict(zip(products.get("sku", []), products.get("in_stock", []), strict=False))
    oos_items = (
        set(shopping.loc[shopping["availability"] == "OUT_OF_STOCK", "item_id"])
        if not shopping.empty
        else set()
    )

    def reason(url: object, item: object) -> str | None:
        key = url_key(url)
        if key in health.index:
            page_reason = health.at[key, "reason"]
            if page_reason in ("not_found", "server_error", "noindex"):
                return "not_found" if page_reason == "server_error" else str(page_reason)
        if key is not None and stock_by_url.get(key) is False:
            return "out_of_stock"
        if item in oos_items or stock_by_sku.get(item) is False:
            return "out_of_stock"
        return None

    out = []
    if not keywords.empty:
        kw = keywords[keywords["status"].fillna("ENABLED").eq("ENABLED")].copy()
        kw["reason"] = [reason(u, i) for u, i in zip(kw["final_url"], kw["item_id"], strict=True)]
        kw = kw[kw["reason"].notna()]
        spend = (
            _recent(kw_daily, days).groupby("criterion_id")["cost"].sum()
            if not kw_daily.empty
            else pd.Series(dtype=float)
        )
        out.append(
            pd.DataFrame(
                {
                    "channel": "keyword",
                    "reason": kw["reason"],
                    "criterion_id": kw["criterion_id"],
                    "item_id": kw["item_id"],
                    "url": kw["final_url"],
                    "campaign": kw["campaign"],
                    "ad_group": kw["ad_group"],
                    "keyword": kw["keyword"],
                    "language": kw.get("lang"),
                    # NaN: no cost rows for it in the window (no data), not a spend of zero
                    "spend_recent": kw["criterion_id"].map(spend),
                }
            )
        )
    if not shopping.empty:
        items = shopping.drop_duplicates(["item_id", "language"]).copy()
        landing: dict[tuple[object, object], str] = {}
        if not keywords.empty:  # an item's landing page: a keyword of the same item and language
            for item, lang, url in (
                keywords[["item_id", "lang", "final_url"]].dropna().itertuples(index=False)
            ):
                landing.setdefault((item, lang), url)
        items["url"] = [
            landing.get((i, lang))
            for i, lang in zip(items["item_id"], items["language"], strict=True)
        ]
        items["reason"] = [
            reason(u, i) for u, i in zip(items["url"], items["item_id"], strict=True)
        ]
        items = items[items["reason"].notna()]
        spend = (
            _recent(shop_daily, days).groupby("item_id")["cost"].sum()
            if not shop_daily.empty
            else pd.Series(dtype=float)
        )
        per_lang = shopping.drop_duplicates(["item_id", "language"]).groupby("item_id").size()
        out.append(
            pd.DataFrame(
                {
                    "channel": "shopping",
                    "reason": items["reason"],
                    "criterion_id": pd.NA,
                    "item_id": items["item_id"],
                    "url": items["url"],
                    "campaign": items["campaign_id"].astype(str),
                    "ad_group": items["ad_group_id"].astype(str),
                    "keyword": None,
                    "language": items["language"],
                    # the item's spend is not split by feed language: shared equally
                    "spend_recent": items["item_id"].map(spend) / items["item_id"].map(per_lang),
                }
            )
        )
    if not out:
        return pd.DataFrame(
            columns=[
                "channel",
                "reason",
                "criterion_id",
                "item_id",
                "url",
                "spend_recent",
                "spend_at_stake",
            ]
        )
    result = pd.concat(out, ignore_index=True)
    result["spend_at_stake"] = result["spend_recent"]  # same horizon: the spend continues unchanged
    return result.sort_values("spend_at_stake", ascending=False).reset_index(drop=True)


def _path_of(key: str) -> str:
    parts = urlsplit(key)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _hosts(keys: set[str]) -> str:
    names = sorted({urlsplit(k).netloc for k in keys})
    return ", ".join(repr(n) for n in names[:3]) + (
        f" and {len(names) - 3} more" if len(names) > 3 else ""
    )


def align_to_crawl(keywords: pd.DataFrame, pages: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``keywords`` with final URLs moved onto the crawled host when only their paths match
    the crawl, and what was done (or why nothing matches) as notes."""
    if keywords.empty or "final_url" not in keywords or keywords["final_url"].isna().all():
        return keywords, []
    ad_keys = {k for k in keywords["final_url"].map(url_key) if k}
    crawled = {k for col in ("url", "final_url") for k in pages[col].map(url_key) if k}
    if ad_keys & crawled or not crawled:
        return keywords, []
    by_path = {_path_of(k): k for k in sorted(crawled)}
    moved = keywords["final_url"].map(
        lambda u: by_path.get(_path_of(key), u) if (key := url_key(u)) else u
    )
    matched = int((moved != keywords["final_url"]).sum())
    if matched:
        note = (
            f"keyword final URLs are on {_hosts(ad_keys)}, the crawl is of {_hosts(crawled)}: "
            f"matched {matched:,} of {keywords['final_url'].notna().sum():,} by path"
        )
        return keywords.assign(final_url=moved, ad_final_url=keywords["final_url"]), [note]
    note = (
        f"no keyword final URL matches a crawled URL, not even by path (ads on "
        f"{_hosts(ad_keys)}, crawl of {_hosts(crawled)}): wasted spend and keyword coverage "
        "cannot be judged; crawl the site the ads point at"
    )
    return keywords, [note]


def coverage(
    run: Path, workspace: Workspace, config: CoverageConfig, margin: float, seed: int = 0
) -> Coverage:
    pages = read_pages(run)
    feed = feed_products(workspace)
    products = feed if feed is not None else crawl_products(pages)
    keywords, notes = align_to_crawl(_table(workspace, "sem_keywords"), pages)
    for note in notes:
        log.warning("%s", note)
    shopping = _table(workspace, "sem_products")
    kw_daily = _table(workspace, "sem_keyword_daily")
    shop_daily = _table(workspace, "sem_shopping_daily")
    if products.empty:
        flagged = products.assign(keyword_covered=False, shopping_covered=False, covered=False)
    else:
        flagged = _coverage_flags(products, keywords, shopping)
    prices = products.set_index("sku")["price"] if not products.empty else pd.Series(dtype=float)
    if not shopping.empty:
        prices = prices.combine_first(
            shopping.drop_duplicates("item_id").set_index("item_id")["price"]
        )
    stats = _category_stats(keywords, kw_daily, shopping, shop_daily, prices, config.horizon_days)
    opp = opportunities(flagged, stats, config, margin, seed)
    wasted = waste(pages, flagged, keywords, kw_daily, shopping, shop_daily, config.horizon_days)
    if "ad_final_url" in keywords and not wasted.empty:  # show the URL the ad really has
        ad_url = keywords.drop_duplicates("criterion_id").set_index("criterion_id")["ad_final_url"]
        is_kw = wasted["channel"] == "keyword"
        wasted.loc[is_kw, "url"] = wasted.loc[is_kw, "criterion_id"].map(ad_url)
    return Coverage(
        products=flagged, opportunities=opp, waste=wasted, notes=notes,
        source="crawl" if feed is None else "feed", groups=label_groups(flagged, opp),
    )  # fmt: skip


_UNSAFE = re.compile(r"[^\w '&.,!%/-]+")


def ad_text(value: object) -> str:
    """Page text made fit for ad copy: Google Ads rejects most symbols, and a leading = + - @
    would make spreadsheet tools evaluate the cell."""
    text = _UNSAFE.sub(" ", str(value or ""))
    return re.sub(r"\s+", " ", text).strip().lstrip("=+-@ ")


# Templates: "{name}" is the product name, "{brand}" its brand; advertools.ad_create inserts
# them, or a fallback when the result would exceed Google's limit.
_HEADLINES = ("{name}", "Buy {name} Online", "{brand} In Stock")
_DESCRIPTIONS = (
    "Shop the {name} online. In stock and ready to ship.",
    "{brand} at a great price. Order today, free returns.",
)


def _copy(
    templates: tuple[str, ...], name: str, brand: str, fallbacks: list[str], limit: int
) -> list[str]:
    """One line per template that fits ``limit`` (ad_create refuses a too-long fallback)."""
    out = []
    for template in templates:
        value = brand if "{brand}" in template else name
        shape = template.replace("{name}", "{}").replace("{brand}", "{}")
        room = limit - len(shape) + 2
        fallback = next((f for f in fallbacks if f and len(f) <= room), None)
        if fallback is not None:
            out.extend(adv.ad_create(shape, [value], fallback, limit))
    return out


def generated_ads(opp: pd.DataFrame, config: CoverageConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(keywords, responsive search ads) for ``opp``'s products, one ad group per product."""
    kw_frames, ads = [], []
    for row in opp.itertuples(index=False):
        name = ad_text(row.name) or ad_text(row.sku)
        group = f"{name} | {row.sku}"
        campaign = f"Search | {ad_text(row.category) or 'Catalog'}"
        kws = adv.kw_generate(
            [name],
            config.keyword_words,
            max_len=2,
            match_types=config.keyword_match_types,
            capitalize_adgroups=False,
            campaign_name=campaign,
        )
        kws["Ad Group"] = group
        kws["Max CPC"] = f"{row.cpc:.2f}"
        kws["Final URL"] = row.url
        kw_frames.append(kws)
        fallbacks = [ad_text(row.category), ad_text(row.brand), "Gear"]
        brand = ad_text(row.brand) or fallbacks[0]
        headlines = _copy(_HEADLINES, name, brand, fallbacks, config.headline_max)
        descriptions = _copy(_DESCRIPTIONS, name, brand, fallbacks, config.description_max)
        ad = {
            "Campaign": campaign,
            "Ad Group": group,
            "Ad type": "Responsive search ad",
            "Final URL": row.url,
        }
        ad |= {f"Headline {i + 1}": h for i, h in enumerate(headlines)}
        ad |= {f"Description {i + 1}": d for i, d in enumerate(descriptions)}
        ads.append(ad)
    keywords = pd.concat(kw_frames, ignore_index=True) if kw_frames else pd.DataFrame()
    keywords = keywords.rename(columns={"Ad Group": "Ad group"}).drop(
        columns=["Labels"], errors="ignore"
    )
    return keywords, pd.DataFrame(ads).rename(columns={"Ad Group": "Ad group"})


def write_editor_csvs(keywords: pd.DataFrame, ads: pd.DataFrame, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"keywords": out / "coverage-keywords.csv", "ads": out / "coverage-ads.csv"}
    write_csv(keywords, paths["keywords"])
    write_csv(ads, paths["ads"])
    return paths


def save(
    workspace: Workspace,
    result: Coverage,
    run_id: str,
    crawl_run: str,
    horizon_days: int | None = None,
) -> None:
    """Write the run's tables; ``horizon_days`` (the window of ``spend_at_stake`` and of the
    opportunities' profit) goes into the run's stats, so a report can state it."""
    with workspace.transaction():
        opp = result.opportunities.assign(run_id=run_id, crawl_run=crawl_run)
        wasted = result.waste.assign(run_id=run_id, crawl_run=crawl_run)
        wasted["criterion_id"] = pd.to_numeric(wasted["criterion_id"], errors="coerce").astype(
            "Int64"
        )
        _add_columns(workspace, "coverage_opportunities", opp)
        workspace.replace_rows("coverage_opportunities", opp, "run_id", run_id)
        workspace.replace_rows("coverage_waste", wasted, "run_id", run_id)
        workspace.register_run(
            run_id,
            "coverage",
            label=crawl_run,
            stats={
                "horizon_days": horizon_days,
                "products_from": result.source,
                "opportunities": len(opp),
                "waste_rows": len(wasted),
                "spend_at_stake": float(wasted["spend_at_stake"].sum())
                if not wasted.empty
                else 0.0,
            },
        )


def _add_columns(workspace: Workspace, table: str, frame: pd.DataFrame) -> None:
    """Columns a newer run writes (a feed's custom labels) added to a table older runs made."""
    if not workspace.has_table(table):
        return
    have = {r[0] for r in workspace.con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()}  # fmt: skip
    for column in frame.columns:
        if column not in have:
            workspace.con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{column}" VARCHAR')
