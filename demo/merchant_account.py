"""The demo's Merchant Center account: the demo catalog as a primary feed, with seeded
mismatches against the demo site, and the manifest that lists them.

The English items are a tab-separated primary feed (``products_en.txt``, read by
``merchant import``); the French items are the account's products as the Merchant API
returns them (served by :mod:`demo.merchant_server`, read by ``merchant pull``), so the demo
exercises both ways in. Every item says what the product's page says (title, link, image,
price, availability, GTIN), except where a mismatch is seeded:

* on products of their own, none of which carries a demo-site defect (``SEEDS``): a price,
  an availability, a GTIN, a title and an image that differ from the page, an English and a
  French item that disagree, an item whose link the crawl never reaches, an item whose link
  robots.txt blocks, and an in-stock product left out of the feed; plus a clean control that
  uses ``sale_price`` (the page shows the sale price: no mismatch);
* through the demo site's own defects (``SITE_CONSEQUENCES``): noindex product pages, the
  discontinued products' 404 pages (or, the week no page links to them, a page the crawl
  never reaches) and the zero-price and USD-price product pages.

:func:`manifest` lists each expected finding (``kind``, ``offer_id``, ``language``, ``url``,
``detail``, ``origin`` seeded|site), the clean controls (products with neither: no finding
expected) and the products left unjudged (other demo-site defects, whose pages may disagree
with the feed as a consequence: a duplicate page shows another product, an XSS name is not
the feed's title ...). Custom labels group the catalog for ``coverage``: ``custom_label_0``
the season (the category's), ``custom_label_1`` the price band.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from demo.site import defects
from demo.site.catalog import Catalog, mix64

ACCOUNT_ID = "5550001234"
FEED_SOURCE = "products_en"
TSV_COLUMNS = ("id", "title", "description", "link", "image_link", "availability", "price",
               "sale_price", "brand", "gtin", "product_type", "custom_label_0",
               "custom_label_1")  # fmt: skip

# Seeded on products without a site defect, in assignment order: name -> what is wrong.
SEEDS: dict[str, str] = {
    "price_mismatch": "the feed's price is 10.00 more than the page's",
    "availability_mismatch": "the feed says out_of_stock, the page InStock",
    "gtin_mismatch": "the feed's GTIN is one the catalog does not have",
    "title_differs": "the feed's title is another product's",
    "image_differs": "the feed's image_link is another product's image",
    "languages_disagree": "the French item's price is 5.00 more than the English one's (and the French page's)",
    "page_not_crawled": "the English item links to a URL no page or sitemap links to",
    "landing_page_blocked": "the English item links to /cart, which robots.txt disallows",
    "not_in_feed": "an in-stock product with no item in either language",
    "sale_price_control": "clean control: price 20.00 above the page with sale_price = the page's price",
}  # fmt: skip
# A valid GTIN-13 (GS1's example) that no demo product has: a GTIN of another catalog product
# would make that product known to the feed.
OTHER_GTIN = "4006381333931"
_NEEDS_STOCK = {"availability_mismatch", "not_in_feed"}
_SEASONS = ("summer", "winter", "all-season")


@dataclass(frozen=True)
class Plan:
    catalog: Catalog
    seeds: dict[str, int]  # seed name -> product index
    site: frozenset[int]  # products carrying a demo-site defect


def plan_for(catalog: Catalog) -> Plan:
    site_plan = defects.plan_for(catalog.products, catalog.seed, 1)
    site = frozenset(site_plan.slot_index.values())
    candidates = [i for i in range(catalog.products) if i not in site]
    random.Random(mix64(catalog.seed * 104_729 + 0xFEED)).shuffle(candidates)
    seeds: dict[str, int] = {}
    for name in SEEDS:
        pick = next(
            i for i in candidates
            if i not in seeds.values() and (name not in _NEEDS_STOCK or catalog.product(i).in_stock)
        )  # fmt: skip
        seeds[name] = pick
    return Plan(catalog, seeds, site)


def _price_band(price: float) -> str:
    return "under-50" if price < 50 else "50-200" if price < 200 else "over-200"


def items(catalog: Catalog, base_url: str) -> list[dict[str, Any]]:
    """Every feed item (both languages) with the seeds applied; ``price`` and ``sale_price``
    as floats (CAD)."""
    plan = plan_for(catalog)
    seed_of = {index: name for name, index in plan.seeds.items()}
    base = base_url.rstrip("/")
    out: list[dict[str, Any]] = []
    for product in catalog.iter_products():
        seed = seed_of.get(product.index)
        if seed == "not_in_feed":
            continue
        category = catalog.category(product.category)
        # another category's product: its name shares no word with this one's
        other_category = catalog.categories[(category.index + 1) % len(catalog.categories)]
        other = catalog.product(other_category.first)
        for lang in ("en", "fr"):
            item: dict[str, Any] = {
                "id": product.sku, "language": lang, "title": product.name(lang),
                "description": catalog.meta_description(product, lang),
                "link": base + product.path(lang), "image_link": f"{base}/img/p/{product.sku}.png",
                "availability": "in_stock" if product.in_stock else "out_of_stock",
                "price": product.price, "sale_price": None, "brand": product.brand,
                "gtin": product.gtin, "product_type": category.slug,
                "custom_label_0": _SEASONS[category.index % len(_SEASONS)],
                "custom_label_1": _price_band(product.price),
            }  # fmt: skip
            if seed == "price_mismatch":
                item["price"] = round(product.price + 10, 2)
            elif seed == "availability_mismatch":
                item["availability"] = "out_of_stock"
            elif seed == "gtin_mismatch":
                item["gtin"] = OTHER_GTIN
            elif seed == "title_differs":
                item["title"] = other.name(lang)
            elif seed == "image_differs":
                item["image_link"] = f"{base}/img/p/{other.sku}.png"
            elif seed == "languages_disagree" and lang == "fr":
                item["price"] = round(product.price + 5, 2)
            elif seed == "page_not_crawled" and lang == "en":
                item["link"] = f"{base}/en-ca/p/retired-{product.sku}"
            elif seed == "landing_page_blocked" and lang == "en":
                item["link"] = base + defects.CART
            elif seed == "sale_price_control":
                item["price"], item["sale_price"] = round(product.price + 20, 2), product.price
            out.append(item)
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f} CAD"
    return str(value).replace("\t", " ").replace("\n", " ")


def feed_tsv(rows: list[dict[str, Any]]) -> str:
    """The English items as a tab-separated primary feed (the product data specification's
    attribute names as the header)."""
    lines = ["\t".join(TSV_COLUMNS)]
    lines += ["\t".join(_cell(r[c]) for c in TSV_COLUMNS) for r in rows if r["language"] == "en"]
    return "\n".join(lines) + "\n"


def api_products(rows: list[dict[str, Any]]) -> list[Any]:
    """The French items as the Merchant API's ``Product`` messages."""
    from google.shopping.merchant_products_v1 import Availability, Product, ProductAttributes
    from google.shopping.type import Price

    def price(value: float) -> Price:
        return Price(amount_micros=round(value * 1_000_000), currency_code="CAD")

    stock = {"in_stock": Availability.IN_STOCK, "out_of_stock": Availability.OUT_OF_STOCK}

    out = []
    for r in rows:
        if r["language"] != "fr":
            continue
        attributes = ProductAttributes(
            title=r["title"], description=r["description"], link=r["link"],
            image_link=r["image_link"], price=price(r["price"]), brand=r["brand"],
            availability=stock[r["availability"]], gtins=[r["gtin"]],
            product_types=[r["product_type"]], custom_label_0=r["custom_label_0"],
            custom_label_1=r["custom_label_1"],
        )  # fmt: skip
        if r["sale_price"] is not None:
            attributes.sale_price = price(r["sale_price"])
        out.append(Product(
            name=f"accounts/{ACCOUNT_ID}/products/fr~CA~{r['id']}", offer_id=r["id"],
            content_language="fr", feed_label="CA", product_attributes=attributes,
        ))  # fmt: skip
    return out


def _site_consequences(plan: Plan, week: int, base: str) -> list[dict[str, Any]]:
    """The findings the demo site's own defects cause for the feed's (faithful) items."""
    catalog = plan.catalog
    site = defects.plan_for(catalog.products, catalog.seed, week)
    out = []

    def add(kind: str, slot: str, lang: str, detail: str) -> None:
        product = catalog.product(site.index(slot))
        out.append({"kind": kind, "offer_id": product.sku, "language": lang,
                    "url": base + product.path(lang), "detail": detail, "origin": "site"})  # fmt: skip

    add("landing_page_noindex", "noindex-meta", "en", "the page says noindex (meta robots)")
    add("landing_page_noindex", "noindex-header", "fr", "the page says noindex (X-Robots-Tag)")
    add("price_mismatch", "product-price-zero", "fr", "the page's Offer price is 0.00")
    add("price_mismatch", "product-wrong-currency", "en", "the page's Offer is in USD")
    for link_slot, dead in (("link-to-404", "discontinued"), ("link-to-404-2", "discontinued-2")):
        linked = site.active(link_slot)
        for lang in ("en", "fr"):
            if linked:
                add("landing_page_error", dead, lang, "a discontinued product: its page is 404")
            else:
                add("page_not_crawled", dead, lang,
                    "a discontinued product no page links to this week")  # fmt: skip
    return out


def manifest(
    products: int = 2000, seed: int = 0, week: int = 1, base_url: str = "http://127.0.0.1"
) -> dict[str, Any]:
    """What ``merchant check`` of the demo feed against the week's crawl must find."""
    catalog = Catalog(products=products, seed=seed)
    plan = plan_for(catalog)
    base = base_url.rstrip("/")
    expected: list[dict[str, Any]] = []
    for name, index in plan.seeds.items():
        product = catalog.product(index)
        langs = {"languages_disagree": ("en",), "page_not_crawled": ("en",),
                 "landing_page_blocked": ("en",), "not_in_feed": ("en", "fr"),
                 "sale_price_control": ()}.get(name, ("en", "fr"))  # fmt: skip
        for lang in langs:
            url = base + product.path(lang)
            if name == "page_not_crawled":
                url = f"{base}/en-ca/p/retired-{product.sku}"
            elif name == "landing_page_blocked":
                url = base + defects.CART
            known = name != "not_in_feed"  # a page without an item: no id, no language
            expected.append({"kind": name, "offer_id": product.sku if known else None,
                             "language": lang if known else None, "url": url,
                             "detail": SEEDS[name], "origin": "seeded"})  # fmt: skip
        if name == "languages_disagree":  # the French page shows the English item's price
            expected.append({"kind": "price_mismatch", "offer_id": product.sku, "language": "fr",
                             "url": base + product.path("fr"), "detail": SEEDS[name],
                             "origin": "seeded"})  # fmt: skip
    expected += _site_consequences(plan, week, base)
    seeded = {i for n, i in plan.seeds.items() if n != "sale_price_control"}
    controls = [
        catalog.product(i).sku for i in range(products) if i not in plan.site and i not in seeded
    ]
    expected.sort(key=lambda e: (e["kind"], e["offer_id"] or "", e["language"] or "", e["url"]))
    return {
        "account": ACCOUNT_ID,
        "week": week,
        "expected": expected,
        "controls": sorted(controls),
        "not_judged": sorted(catalog.product(i).sku for i in plan.site),
    }
