"""The product join: each feed item against its landing page, the page's markup and its ads.

Google disapproves Shopping items whose landing page disagrees with the feed ("Mismatched
value (page crawl) [price]", "[availability]": support.google.com/merchants/answer/6098334
and 6324741) or does not work (answer/6098155: 404, redirects, pages crawlers may not fetch).
Merchant Center reads the feed and samples pages; searchops reads the whole crawl, so it
finds these before Google does, for every item.

An item joins its page by its ``link`` (the URL requested, or where a redirect ended). The
page's product facts come from its Product / ProductGroup markup (``offers``: price, currency,
availability; ``gtin*``, ``sku``, ``name``, ``image``). Finding kinds (``kind``):

* ``landing_page_error`` (4xx/5xx or not fetched), ``landing_page_redirects``,
  ``landing_page_noindex``, ``landing_page_blocked`` (robots.txt);
* ``page_not_crawled``: the item's link was not reached by the crawl (its host crawled);
* ``price_mismatch``: the markup's price is neither the feed's price nor its sale price;
  member-only prices (``validForMemberTier``) and strikethrough list prices
  (``priceType`` StrikethroughPrice) are not the price a shopper pays, so they are skipped;
* ``availability_mismatch``: in stock in one and not the other;
* ``gtin_missing`` (in the feed, not in the markup) and ``gtin_mismatch``;
* ``title_differs``: the feed's title shares under half its words with the markup's name
  (Google: the title must describe the product on the landing page, answer/6324415);
* ``image_differs``: the feed's image_link is none of the images the markup names (Google
  compares images with the landing page's, answer/6324350);
* ``languages_disagree``: the en and fr items of one id differ in price or availability;
* ``not_in_feed``: a product page in stock whose URL, id or GTIN no feed item has (a page
  whose markup lists several products is a category page, not judged).

``spend_at_risk`` is the item's Shopping cost over the last ``[merchant] spend_window_days``
days in the workspace (``sem_shopping_daily``, item ids compared case-insensitively), and
``revenue_at_risk`` its conversion value: what stops when Google disapproves the item.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow.parquet as pq

from searchops import clock

if TYPE_CHECKING:
    from searchops.workspace import Workspace

COLUMNS = [
    "kind", "severity", "offer_id", "url", "language", "page_value", "markup_value",
    "feed_value", "spend_at_risk", "revenue_at_risk", "message",
]  # fmt: skip


def at_risk(findings: pd.DataFrame) -> tuple[int, float, float]:
    """(items, Shopping spend, revenue) at risk: each offer id once, over the items with an
    error finding (the ones Google disapproves). The one definition: the CLI's summary, the
    demo and the report's products section say the same figure."""
    errors = findings[(findings["severity"] == "error") & findings["offer_id"].notna()]
    per_item = errors.groupby("offer_id")[["spend_at_risk", "revenue_at_risk"]].max()
    return (
        len(per_item),
        float(per_item["spend_at_risk"].sum()),
        float(per_item["revenue_at_risk"].sum()),
    )


SEVERITY = {
    "landing_page_error": "error", "landing_page_blocked": "error", "price_mismatch": "error",
    "availability_mismatch": "error", "page_not_crawled": "warning",
    "landing_page_redirects": "warning", "landing_page_noindex": "error",
    "gtin_missing": "warning", "gtin_mismatch": "error", "languages_disagree": "warning",
    "not_in_feed": "warning", "title_differs": "warning", "image_differs": "warning",
}  # fmt: skip
# schema.org availability -> the feed's values (answer/6324448); the rest read as out of stock.
AVAILABILITY = {
    "instock": "in_stock", "limitedavailability": "in_stock", "onlineonly": "in_stock",
    "instoreonly": "in_stock", "preorder": "preorder", "presale": "preorder",
    "backorder": "backorder", "outofstock": "out_of_stock", "soldout": "out_of_stock",
    "discontinued": "out_of_stock",
}  # fmt: skip
PRODUCT_TYPES = {"Product", "ProductGroup", "IndividualProduct", "ProductModel"}
PAGE_COLUMNS = [
    "url", "final_url", "status", "fetch_state", "meta_robots", "x_robots_tag", "lang",
    "structured_data",
]  # fmt: skip


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type", node.get("type"))
    values = value if isinstance(value, list) else [value]
    return {str(v).rsplit("/", 1)[-1] for v in values if v}


def _props(node: dict[str, Any]) -> dict[str, Any]:
    """JSON-LD keeps properties on the node; microdata (extruct's layout) under properties."""
    props = node.get("properties")
    return props if isinstance(props, dict) else node


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _products(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Product nodes of a page, with the variants a ProductGroup lists (hasVariant)."""
    for item in items:
        data = item.get("data")
        if not isinstance(data, dict):
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if _types(node) & PRODUCT_TYPES:
                yield node
            props = _props(node)
            for key in ("hasVariant", "mainEntity"):
                stack.extend(v for v in _as_list(props.get(key)) if isinstance(v, dict))


def _number(value: Any) -> float | None:
    try:
        return round(float(str(value).replace(",", "").strip()), 2)
    except (TypeError, ValueError):
        return None


def _offer_prices(offer: dict[str, Any]) -> Iterator[tuple[float, str | None]]:
    """The prices a shopper pays: the offer's own and its priceSpecifications that are neither
    member-only nor a strikethrough list price."""
    props = _props(offer)
    price = _number(props.get("price", props.get("lowPrice")))
    currency = props.get("priceCurrency")
    if price is not None:
        yield price, currency
    for spec in _as_list(props.get("priceSpecification")):
        if not isinstance(spec, dict):
            continue
        s = _props(spec)
        if s.get("validForMemberTier") or "Strikethrough" in str(s.get("priceType", "")):
            continue
        amount = _number(s.get("price"))
        if amount is not None:
            yield amount, s.get("priceCurrency", currency)


def page_facts(row: dict[str, Any]) -> dict[str, Any]:
    """Product facts of one crawled page (empty lists when it has no product markup)."""
    try:
        items = json.loads(row["structured_data"] or "[]")
    except ValueError:
        items = []
    prices: list[tuple[float, str | None]] = []
    availability: set[str] = set()
    gtins: set[str] = set()
    ids: set[str] = set()
    names: list[str] = []
    images: set[str] = set()
    links: set[str] = set()  # the products' own url properties
    product = False
    listed = 0  # top-level Product items: a category page lists several, a product page one
    for item in items if isinstance(items, list) else []:
        data = item.get("data") if isinstance(item, dict) else None
        listed += isinstance(data, dict) and bool(_types(data) & PRODUCT_TYPES)
    for node in _products(items if isinstance(items, list) else []):
        product = True
        props = _props(node)
        for key in ("gtin", "gtin8", "gtin12", "gtin13", "gtin14"):
            gtins.update(str(v).strip().lstrip("0") for v in _as_list(props.get(key)) if v)
        ids.update(str(v).strip() for v in _as_list(props.get("sku")) if v)
        links.update(str(v).strip() for v in _as_list(props.get("url")) if isinstance(v, str) and v)
        names += [str(v) for v in _as_list(props.get("name")) if v]
        for image in _as_list(props.get("image")):
            url = image.get("url", image.get("contentUrl")) if isinstance(image, dict) else image
            if isinstance(url, str) and url:
                images.add(url.strip())
        for offer in _as_list(props.get("offers")):
            if isinstance(offer, dict):
                prices += list(_offer_prices(offer))
                for a in _as_list(_props(offer).get("availability")):
                    key = str(a).rsplit("/", 1)[-1].lower()
                    availability.add(AVAILABILITY.get(key, "out_of_stock"))
    return {
        "product": product, "listed": listed, "links": links, "prices": prices, "availability": availability, "gtins": gtins,
        "ids": ids, "names": names, "images": images,
    }  # fmt: skip


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


# The feed items a page can join; ``items`` in every query below.
_ITEMS = """items AS (
    SELECT offer_id, language, link, availability, price, price_currency, sale_price, gtin,
           title, image_link
    FROM merchant_items WHERE offer_id IS NOT NULL AND link IS NOT NULL)"""


def _batches(con: Any, sql: str) -> Iterator[dict[str, Any]]:
    """Rows of ``sql`` a record batch at a time: memory holds one batch, not the result."""
    reader = con.sql(sql).to_arrow_reader(_BATCH_ROWS)
    for batch in reader:
        yield from batch.to_pylist()


_BATCH_ROWS = 20_000


def _page_columns(run: Path) -> str:
    names = set(pq.ParquetFile(run / "pages.parquet").schema_arrow.names)
    return ", ".join(f'"{c}"' if c in names else f'NULL AS "{c}"' for c in PAGE_COLUMNS)


def _join(workspace: Workspace, run: Path, add: Any) -> None:
    """Each page with the items that link to it (by the URL requested or where it ended),
    judged one batch of pages at a time; pages no item has, checked for ``not_in_feed``."""
    con = workspace.con
    pages = f"pages AS (SELECT {_page_columns(run)} FROM read_parquet({_quoted(run / 'pages.parquet')}))"
    item_columns = (
        "i.offer_id, i.language, i.link, i.availability, i.price, i.price_currency, "
        "i.sale_price, i.gtin, i.title, i.image_link"
    )
    page_columns = ", ".join(f"p.{c}" for c in PAGE_COLUMNS)
    joined = f"""WITH {pages}, {_ITEMS}
        SELECT {page_columns}, {item_columns} FROM pages p JOIN items i ON i.link = p.url
        UNION ALL
        SELECT {page_columns}, {item_columns} FROM pages p JOIN items i ON i.link = p.final_url
        WHERE p.final_url IS DISTINCT FROM p.url"""
    item_keys = ("offer_id", "language", "link", "availability", "price", "price_currency",
                 "sale_price", "gtin", "title", "image_link")  # fmt: skip
    for row in _batches(con, joined):
        page = {c: row[c] for c in PAGE_COLUMNS}
        _judge(page, page_facts(page), {k: row[k] for k in item_keys}, add)
    # Pages no item links to: product pages in stock whose id or GTIN no item has either.
    alone = f"""WITH {pages}, {_ITEMS}
        SELECT url, structured_data FROM pages
        WHERE status = 200 AND structured_data LIKE '%Product%'
          AND url NOT IN (SELECT link FROM items)
          AND coalesce(final_url, url) NOT IN (SELECT link FROM items)"""
    keys: list[tuple[str, str, str]] = []  # url, kind, key
    for page in _batches(con, alone):
        facts = page_facts(page)
        # one product on the page, its own (a listing of several, or of one whose url is
        # another page, is a category page)
        own = not facts["links"] or any(
            page["url"] == link or page["url"].endswith(link) for link in facts["links"]
        )
        if (
            facts["product"]
            and facts["listed"] <= 1
            and own
            and "in_stock" in facts["availability"]
        ):
            keys.append((page["url"], "url", page["url"]))
            keys += [(page["url"], "id", i) for i in facts["ids"]]
            keys += [(page["url"], "gtin", g) for g in facts["gtins"]]
    if not keys:
        return
    candidates = pd.DataFrame(keys, columns=["url", "kind", "key"])  # noqa: F841 (read by SQL)
    unknown = con.execute(
        f"""WITH {_ITEMS},
        known AS (SELECT offer_id AS key, 'id' AS kind FROM items
                  UNION ALL SELECT ltrim(gtin, '0'), 'gtin' FROM items WHERE gtin IS NOT NULL)
        SELECT url FROM candidates WHERE kind = 'url'
        EXCEPT
        SELECT c.url FROM candidates c JOIN known k USING (kind, key)
        ORDER BY url"""
    ).fetchall()
    for (url,) in unknown:
        add("not_in_feed", None, url,
            "Product page in stock that no feed item has (link, id or GTIN)", page="in_stock")  # fmt: skip


def _not_crawled(workspace: Workspace, run: Path, add: Any) -> None:
    """Items whose link no page of the crawl requested or ended at, on a host it crawled."""
    pages = f"read_parquet({_quoted(run / 'pages.parquet')})"
    sql = f"""WITH {_ITEMS},
        hosts AS (SELECT DISTINCT lower(split_part(url, '/', 3)) AS host FROM {pages})
        SELECT * FROM items
        WHERE link NOT IN (SELECT url FROM {pages})
          AND link NOT IN (SELECT final_url FROM {pages} WHERE final_url IS NOT NULL)
          AND lower(split_part(link, '/', 3)) IN (SELECT host FROM hosts)
        ORDER BY link, offer_id, language"""
    for item in _batches(workspace.con, sql):
        add("page_not_crawled", item, item["link"],
            "The item's landing page was not reached by the crawl (not linked, "
            "not in a sitemap, or outside its limits)")  # fmt: skip


def _spend(workspace: Workspace, window_days: int) -> pd.DataFrame:
    if not workspace.has_table("sem_shopping_daily"):
        return pd.DataFrame({"item": [], "spend": [], "revenue": []})
    return workspace.con.execute(
        f"""SELECT lower(item_id) AS item, sum(cost) AS spend,
                   sum(coalesce(conversions_value_adjusted, conversions_value)) AS revenue
            FROM sem_shopping_daily
            WHERE date > (SELECT max(date) FROM sem_shopping_daily) - INTERVAL {int(window_days)} DAY
            GROUP BY 1"""
    ).df()


def check(
    workspace: Workspace, run: Path, *, spend_window_days: int = 28, memory_limit: str = "1GB"
) -> pd.DataFrame:
    """One row per finding (``COLUMNS``), the items with the most spend at risk first.

    The join runs in DuckDB (``memory_limit``, spilling to disk past it) and pages are judged
    a batch at a time: a million items against a million pages stay within a few hundred MB
    of Python objects plus the findings."""
    findings: list[dict[str, Any]] = []

    def add(kind: str, item: dict[str, Any] | None, url: str, message: str, **values: Any) -> None:
        findings.append({
            "kind": kind, "severity": SEVERITY[kind],
            "offer_id": item["offer_id"] if item else None, "url": url,
            "language": item["language"] if item else None, "message": message,
            "page_value": values.get("page"), "markup_value": values.get("markup"),
            "feed_value": values.get("feed"),
        })  # fmt: skip

    con = workspace.con
    previous = con.execute("SELECT current_setting('memory_limit')").fetchone()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    try:
        _join(workspace, run, add)
        _not_crawled(workspace, run, add)
        _languages(
            con.execute(
                f"""WITH {_ITEMS} SELECT offer_id, language, link, price, availability FROM items
                WHERE offer_id IN (
                    SELECT offer_id FROM items GROUP BY 1
                    HAVING count(DISTINCT language) > 1
                       AND (count(DISTINCT round(price, 2)) > 1
                            OR count(DISTINCT availability) > 1))
                ORDER BY offer_id, language, link"""
            ).df(),
            add,
        )
    finally:
        if previous:
            con.execute(f"SET memory_limit = '{previous[0]}'")
    frame = pd.DataFrame(
        findings, columns=[c for c in COLUMNS if c not in ("spend_at_risk", "revenue_at_risk")]
    )
    spend = _spend(workspace, spend_window_days)
    frame["item"] = frame["offer_id"].astype("string").str.lower()
    frame = frame.merge(spend, on="item", how="left").drop(columns="item")
    frame = frame.rename(columns={"spend": "spend_at_risk", "revenue": "revenue_at_risk"})
    frame[["spend_at_risk", "revenue_at_risk"]] = frame[
        ["spend_at_risk", "revenue_at_risk"]
    ].fillna(0.0)
    order = frame["severity"].map({"error": 0, "warning": 1})
    frame = frame.assign(_o=order).sort_values(
        ["spend_at_risk", "_o", "kind", "offer_id", "language", "url"],
        ascending=[False, True, True, True, True, True], kind="stable")  # fmt: skip
    return frame.drop(columns="_o")[COLUMNS].reset_index(drop=True)


FINDINGS_TABLE = "merchant_findings"


def save(
    workspace: Workspace, findings: pd.DataFrame, run: Path, checked_at: datetime | None = None
) -> None:
    """Keep a check's findings (``merchant_findings``), replacing an earlier check of the same
    run folder: ``run`` is its absolute path, ``checked_at`` when it was checked (UTC; the
    report shows the newest check)."""
    key = str(Path(run).resolve())
    when = checked_at or clock.now().replace(tzinfo=None)
    with workspace.transaction():
        if workspace.has_table(FINDINGS_TABLE):  # tables written before checked_at existed
            workspace.con.execute(
                f"ALTER TABLE {FINDINGS_TABLE} ADD COLUMN IF NOT EXISTS checked_at TIMESTAMP"
            )
        rows = findings.assign(run=key, checked_at=pd.Timestamp(when))
        workspace.replace_rows(FINDINGS_TABLE, rows, "run", key)


def _host(url: str) -> str:
    return url.split("/")[2].lower() if url.count("/") >= 2 else ""


def _judge(page: dict[str, Any], facts: dict[str, Any], item: dict[str, Any], add: Any) -> None:
    url = page["url"]
    robots = f"{page.get('meta_robots') or ''},{page.get('x_robots_tag') or ''}"
    if page["fetch_state"] == "blocked_robots":
        add("landing_page_blocked", item, url, "robots.txt blocks the landing page", page="blocked")
        return
    if page["status"] is None or page["status"] >= 400:
        add("landing_page_error", item, url, f"The landing page answers {page['status'] or page['fetch_state']}",
            page=str(page["status"] or page["fetch_state"]))  # fmt: skip
        return
    if page["final_url"] != url and item["link"] == url:
        add("landing_page_redirects", item, url, f"The landing page redirects to {page['final_url']}",
            page=page["final_url"])  # fmt: skip
    if "noindex" in robots or "none" in robots.replace(" ", "").split(","):
        add("landing_page_noindex", item, url, "The landing page says noindex", page="noindex")
    if not facts["product"]:
        return
    paid = {(p, (c or "").upper()) for p, c in facts["prices"]}
    feed_prices = {round(float(p), 2) for p in (item["price"], item["sale_price"])
                   if p is not None and p == p}  # fmt: skip
    currency = item["price_currency"].upper() if isinstance(item["price_currency"], str) else ""
    if (
        paid
        and feed_prices
        and not any(p in feed_prices and (not c or not currency or c == currency) for p, c in paid)
    ):
        add("price_mismatch", item, url, "The markup's price is not the feed's price or sale price",
            markup=", ".join(f"{p:.2f} {c}".strip() for p, c in sorted(paid)),
            feed=f"{item['price']:.2f} {currency}".strip() if feed_prices and item["price"] is not None and item["price"] == item["price"] else None)  # fmt: skip
    shown = facts["availability"]
    if shown and item["availability"]:
        feed_in = item["availability"] in ("in_stock", "preorder", "backorder")
        if feed_in != bool(shown & {"in_stock", "preorder", "backorder"}):
            add("availability_mismatch", item, url, "The markup's availability is not the feed's",
                markup=", ".join(sorted(shown)), feed=item["availability"])  # fmt: skip
    title = _words(item.get("title"))
    names = [_words(n) for n in facts["names"]]
    if title and names and max(len(title & n) / len(title) for n in names) < 0.5:
        add("title_differs", item, url, "The feed's title does not describe the page's product",
            markup=facts["names"][0], feed=item["title"])  # fmt: skip
    image = item.get("image_link")
    if isinstance(image, str) and image and facts["images"] and image not in facts["images"]:
        add("image_differs", item, url, "The feed's image is not one the page's markup names",
            markup=sorted(facts["images"])[0], feed=image)  # fmt: skip
    gtin = str(item["gtin"]).lstrip("0") if isinstance(item["gtin"], str) and item["gtin"] else ""
    if gtin and not facts["gtins"]:
        add("gtin_missing", item, url, "The feed has a GTIN the page's markup does not give",
            feed=item["gtin"])  # fmt: skip
    elif gtin and gtin not in facts["gtins"]:
        add("gtin_mismatch", item, url, "The markup's GTIN is not the feed's",
            markup=", ".join(sorted(facts["gtins"])), feed=item["gtin"])  # fmt: skip


def _words(text: Any) -> set[str]:
    """Lowercase words of a title, for an overlap that ignores order, case and punctuation."""
    if not isinstance(text, str):
        return set()
    return {w for w in "".join(c if c.isalnum() else " " for c in text.casefold()).split() if w}


def _languages(feed: pd.DataFrame, add: Any) -> None:
    """One id in two languages: a shopper sees one price in English and another in French."""
    for offer_id, group in feed.groupby("offer_id"):
        if group["language"].nunique() < 2:
            continue
        prices = set(group["price"].dropna().round(2))
        stock = set(group["availability"].dropna())
        if len(prices) > 1 or len(stock) > 1:
            first = {str(k): v for k, v in group.iloc[0].to_dict().items()}
            values = "; ".join(
                f"{r.language}: {r.price} {r.availability}" for r in group.itertuples()
            )
            add("languages_disagree", first, first["link"],
                f"The {' and '.join(sorted(group['language'].dropna()))} items of {offer_id} differ",
                feed=values)  # fmt: skip
