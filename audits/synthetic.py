"""Run folders from partial records: for rule fixtures, benchmarks and trying a rule out.

Every record is completed with the values of a clean page (self-canonical, a
unique title and description of good length, one h1, a viewport, lang ...), so a
fixture states only what its case is about::

    from audits.synthetic import write_run
    run = write_run(tmp_path / "run", pages=[{"url": "https://shop.example/a", "title": None,
                                              "title_count": 0}])
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq

from searchops.run_folder import write_manifest
from seo_crawler import schema

TABLES = {
    "pages": schema.PAGES,
    "links": schema.LINKS,
    "sitemaps": schema.SITEMAPS,
    "sitemap_urls": schema.SITEMAP_URLS,
    "robots": schema.ROBOTS,
}


def _stable_int(text: str, bits: int = 63) -> int:
    return int.from_bytes(hashlib.sha1(text.encode()).digest()[:8], "big") >> (64 - bits)


def clean_page(url: str) -> dict[str, Any]:
    """The record of a page no SEO rule objects to (as far as one record can tell)."""
    path = urlsplit(url).path or "/"
    name = path.strip("/").replace("/", " ").replace("-", " ") or "home"
    title = f"{name.title()} | Example Outdoor Store"
    if len(title) < 35:
        title = f"{name.title()} - Quality Gear | Example Outdoor Store"
    description = (
        f"Shop {name} at the Example Outdoor Store: free shipping over $75, "
        "30-day returns and expert advice for every trail."
    )
    return {
        "url": url,
        "final_url": url,
        "status": 200,
        "fetch_state": "fetched",
        "redirect_chain": [],
        "redirect_loop": False,
        "content_type": "text/html",
        "encoding": "utf-8",
        "encoding_declared": "utf-8",
        "depth": 1,
        "response_ms": 120.0,
        "bytes": 48_000,
        "truncated": False,
        "rendered": False,
        "discovered_from": "link",
        "title": title[:60],
        "title_count": 1,
        "meta_description": description[:155],
        "meta_description_count": 1,
        "meta_robots": None,
        "x_robots_tag": None,
        "canonical": url,
        "canonicals": [url],
        "canonical_sources": ["html"],
        "hreflang": [],
        "lang": "en-CA",
        "viewport": "width=device-width, initial-scale=1",
        "h1": [name.title()],
        "h2": [],
        "structured_data": "[]",
        "structured_data_errors": [],
        "jsonld_blocks": 0,
        "jsonld_control_chars": [],
        "visible_prices": [],
        "images": [],
        "insecure_resources": [],
        "word_count": 450,
        "content_hash": hashlib.sha1(url.encode()).hexdigest(),
        "simhash": _stable_int(url),
        "non_link_anchors": [],
        "links_internal": 20,
        "links_external": 1,
        "in_sitemap": True,
        "sitemaps": [f"{urlsplit(url).scheme}://{urlsplit(url).netloc}/sitemap.xml"],
        "trap": None,
        "error": None,
    }


def _page(record: Mapping[str, Any]) -> dict[str, Any]:
    row = clean_page(record["url"])
    row.update(record)
    if "final_url" not in record and record.get("redirect_chain"):
        raise ValueError(f"{record['url']}: a redirected record needs final_url")
    if not isinstance(row["structured_data"], str | type(None)):
        row["structured_data"] = json.dumps(row["structured_data"])
    if "canonical" in record and "canonicals" not in record:
        row["canonicals"] = [] if record["canonical"] is None else [record["canonical"]]
        row["canonical_sources"] = ["html"] * len(row["canonicals"])
    return row


def _robots_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """A robots.txt row, completed with a clean origin's values (read, no issue, small)."""
    url = str(record.get("robots_url", "https://s.ex/robots.txt"))
    origin = url.removesuffix("/robots.txt")
    return {
        "robots_url": url, "origin": origin, "final_url": url, "status": 200,
        "outcome": "rules", "reason": "HTTP 200: rules read", "error": None,
        "redirect_chain": [], "bytes": 100, "size": 100, "truncated": False,
        "max_bytes": 512000, "groups": 1, "rules": 1, "sitemaps": [], "issues": [],
        "body": "User-agent: *\nDisallow: /cart\n", **record,
    }  # fmt: skip


def _table(name: str, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    sch = TABLES[name]
    rows = list(rows)
    unknown = {k for r in rows for k in r} - set(sch.names)
    if unknown:
        raise ValueError(f"{name}: unknown column(s) {sorted(unknown)}")
    return pa.Table.from_pylist([{c: r.get(c) for c in sch.names} for r in rows], schema=sch)


def write_run(
    run: Path,
    *,
    pages: Iterable[Mapping[str, Any]] = (),
    links: Iterable[Mapping[str, Any]] = (),
    sitemaps: Iterable[Mapping[str, Any]] | None = None,
    sitemap_urls: Iterable[Mapping[str, Any]] | None = None,
    robots: Iterable[Mapping[str, Any]] | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> Path:
    """Write a run folder; ``sitemaps``/``sitemap_urls``/``robots`` default to none fetched
    (no files)."""
    run = Path(run)
    run.mkdir(parents=True, exist_ok=True)
    page_rows = [_page(p) for p in pages]
    link_rows = [
        {"kind": "a", "nofollow": False, "region": "body", "internal": True, **link}
        for link in links
    ]
    pq.write_table(_table("pages", page_rows), run / "pages.parquet")
    pq.write_table(_table("links", link_rows), run / "links.parquet")
    if sitemaps is not None:
        rows = [
            {
                "parent": None,
                "kind": "urlset",
                "status": 200,
                "url_count": 0,
                "bytes_uncompressed": 0,
                "namespace": "http://www.sitemaps.org/schemas/sitemap/0.9",
                "structure_issues": [],
                **s,
            }
            for s in sitemaps
        ]
        pq.write_table(_table("sitemaps", rows), run / "sitemaps.parquet")
    if sitemap_urls is not None:
        rows = [{"lastmod": None, "alternates": [], "loc_markup": False, **u} for u in sitemap_urls]
        pq.write_table(_table("sitemap_urls", rows), run / "sitemap_urls.parquet")
    if robots is not None:
        rows = [_robots_row(r) for r in robots]
        pq.write_table(_table("robots", rows), run / "robots.parquet")
    write_manifest(run, {"kind": "crawl", "start_urls": [], **(manifest or {})})
    return run
