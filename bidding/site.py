"""What the latest crawl says about landing pages and products (read from a run folder).

* :func:`read_pages`: the columns of ``pages.parquet`` the bidding code needs;
* :func:`page_health`: per crawled URL, whether a paid click there is wasted (status >= 400,
  never fetched, or noindex in meta robots / X-Robots-Tag);
* :func:`products_from_pages`: one row per product found in Product structured data (JSON-LD,
  microdata or RDFa as extracted by the crawler): sku, gtin, name, brand, category (from the
  BreadcrumbList, else Product.category), price, currency, availability, in_stock, url.

URLs are joined in w3lib's canonical form (fragment dropped, query sorted), the same on the
crawl side and the ad-account side. Page text is untrusted: it is returned as data, callers
escape it where shown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.dataset as ds
from w3lib.url import canonicalize_url

from searchops.errors import SearchopsError
from searchops.run_folder import parquet_path
from searchops.workspace import Workspace

PAGE_COLUMNS = [
    "url",
    "final_url",
    "status",
    "fetch_state",
    "meta_robots",
    "x_robots_tag",
    "structured_data",
]
_GTIN_KEYS = ("gtin", "gtin13", "gtin14", "gtin12", "gtin8")


def url_key(url: object) -> str | None:
    if not isinstance(url, str) or not url:
        return None
    try:
        return canonicalize_url(url.strip(), keep_fragments=False)
    except ValueError:
        return url.strip()


def latest_crawl(workspace: Workspace) -> Path | None:
    """The run folder of the newest crawl registered in the workspace (None if none)."""
    if not workspace.has_table("runs"):
        return None
    run = workspace.last_run("crawl")
    return Path(run["path"]) if run and run.get("path") else None


def resolve_run(workspace: Workspace | None, run: str | Path) -> Path:
    """A run folder from a path, or a run id registered in the workspace."""
    path = Path(run)
    if path.is_dir():
        return path
    if workspace is not None and workspace.has_table("runs"):
        row = workspace.con.execute("SELECT path FROM runs WHERE run_id = ?", [str(run)]).fetchone()
        if row and row[0] and Path(row[0]).is_dir():
            return Path(row[0])
    raise SearchopsError(f"{run}: no such run folder or run id in the workspace")


def read_pages(run: Path) -> pd.DataFrame:
    source = parquet_path(Path(run), "pages")
    if not source.exists():
        raise SearchopsError(f"{run}: no pages.parquet (is it a crawl run folder?)")
    dataset = ds.dataset(str(source), format="parquet")
    names = [c for c in PAGE_COLUMNS if c in dataset.schema.names]
    pages = dataset.to_table(columns=names).to_pandas()
    for col in PAGE_COLUMNS:
        if col not in pages.columns:
            pages[col] = None
    return pages


def page_health(pages: pd.DataFrame) -> pd.DataFrame:
    """``key`` (canonical URL, both requested and final) -> status, noindex, failed, reason."""
    robots = (pages["meta_robots"].fillna("") + "," + pages["x_robots_tag"].fillna("")).str.lower()
    noindex = robots.str.contains("noindex|none", regex=True)
    status = pages["status"]
    not_found = status.isna() | (status >= 400)
    reason = pd.Series(None, index=pages.index, dtype="object")
    reason[noindex] = "noindex"
    reason[not_found] = "not_found"
    reason[status.notna() & (status >= 500)] = "server_error"
    base = pd.DataFrame(
        {
            "status": status,
            "noindex": noindex,
            "failed": noindex | not_found,
            "reason": reason,
        }
    )
    by_url = base.assign(key=pages["url"].map(url_key))
    by_final = base.assign(key=pages["final_url"].map(url_key))
    # The requested URL wins: it carries the status of the whole redirect chain's end.
    out = pd.concat([by_url, by_final], ignore_index=True).dropna(subset=["key"])
    return out.drop_duplicates("key").reset_index(drop=True)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _props(item: dict[str, Any]) -> dict[str, Any]:
    data = item.get("data", item)
    if isinstance(data, dict) and isinstance(data.get("properties"), dict):
        return data["properties"]  # microdata / RDFa as extruct's "properties"
    return data if isinstance(data, dict) else {}


def _types(item: dict[str, Any]) -> list[str]:
    data: dict[str, Any] = item["data"] if isinstance(item.get("data"), dict) else {}
    raw = _as_list(item.get("type")) + _as_list(data.get("@type")) + _as_list(data.get("type"))
    return [str(t).rsplit("/", 1)[-1] for t in raw if t]


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or _props({"data": value}).get("name")
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value).strip() or None


def _breadcrumb_category(items: list[dict[str, Any]]) -> str | None:
    for item in items:
        if "BreadcrumbList" not in _types(item):
            continue
        elements = _as_list(_props(item).get("itemListElement"))
        crumbs: list[tuple[float, str | None]] = []
        for el in elements:
            props = _props({"data": el}) if isinstance(el, dict) else {}
            name = _text(props.get("name")) or _text(props.get("item"))
            crumbs.append((float(props.get("position") or len(crumbs) + 1), name))
        names = [n for _, n in sorted(crumbs, key=lambda c: c[0]) if n]
        if len(names) >= 2:
            return names[-2]  # the last crumb is the product itself
    return None


def _price(value: Any) -> float | None:
    try:
        return float(str(value).replace(",", "").strip())
    except (TypeError, ValueError):
        return None


def products_from_pages(pages: pd.DataFrame) -> pd.DataFrame:
    """One row per Product item on a fetched page (see the module docstring)."""
    rows = []
    for url, final_url, status, raw in pages[
        ["url", "final_url", "status", "structured_data"]
    ].itertuples(index=False):
        if not raw or pd.isna(status) or status >= 400:
            continue
        try:
            items = [i for i in json.loads(raw) if isinstance(i, dict)]
        except (TypeError, ValueError):
            continue
        category = _breadcrumb_category(items)
        for item in items:
            if "Product" not in _types(item):
                continue
            p = _props(item)
            offers = [o for o in _as_list(p.get("offers")) if isinstance(o, dict)]
            offer = _props({"data": offers[0]}) if offers else {}
            availability = _text(offer.get("availability"))
            availability = availability.rsplit("/", 1)[-1] if availability else None
            rows.append(
                {
                    "url": final_url or url,
                    "sku": _text(p.get("sku")),
                    "gtin": next((_text(p[k]) for k in _GTIN_KEYS if p.get(k)), None),
                    "name": _text(p.get("name")),
                    "brand": _text(p.get("brand")),
                    "category": category or _text(p.get("category")),
                    "price": _price(offer.get("price")),
                    "currency": _text(offer.get("priceCurrency")),
                    "availability": availability,
                    "in_stock": availability
                    in ("InStock", "LimitedAvailability", "OnlineOnly", "PreOrder")
                    if availability
                    else None,
                }
            )
    columns = [
        "url",
        "sku",
        "gtin",
        "name",
        "brand",
        "category",
        "price",
        "currency",
        "availability",
        "in_stock",
    ]
    return pd.DataFrame(rows, columns=columns)
