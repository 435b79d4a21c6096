"""Audit benchmark: 1,000,000 synthetic page records, every rule, seconds and peak RSS of
what `searchops audit RUN` does (findings.parquet, workspace tables, the terminal table).

    .venv/bin/python benchmarks/audit.py [--pages 1000000] [--keep DIR]
    .venv/bin/python benchmarks/audit.py --pages 1000000,10000000   # scaling (issue 21)
    .venv/bin/python benchmarks/audit.py --pages 1000000,3000000 --rules 'SEO-HREFLANG-*'

The run folder is generated in batches of 100,000 rows (numpy + pyarrow.compute, no
Python loop per page): bilingual catalog pages with realistic field sizes (60-char URLs,
titles, 140-char descriptions, hreflang en-CA/fr-CA/x-default pairs, a ~700-byte
Product JSON-LD on product pages, two images, 3 internal links per page), 2% exact
duplicates, and ~1% of pages each with a seeded defect (missing title, noindex in
the sitemap, broken links, missing return links, zero prices ...), so findings
are produced and written like on a real site.

Each measurement runs in its own child process and reports its own peak RSS
(VmHWM); the peer is DuckDB merely scanning every column of the same Parquet
files, so the printed ratio is robust to the load on this shared machine.
Target: audit < 60 s and < 2 GB peak RSS on 2 cores at 1,000,000 rows; at 10,000,000
rows, time per million rows within 1.5x of that at 1,000,000 and < 4 GB peak RSS.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from searchops.run_folder import write_manifest
from seo_crawler import schema

BATCH = 100_000
HOST = "https://www.example-outdoor.ca"
WORDS = np.array(
    [
        "alpine",
        "trail",
        "summit",
        "ridge",
        "boreal",
        "granite",
        "cascade",
        "voyageur",
        "kestrel",
        "portage",
        "lakeshore",
        "tent",
        "jacket",
        "boot",
        "pack",
        "stove",
        "lantern",
        "legging",
        "shell",
        "parka",
        "mitt",
        "tarp",
        "headlamp",
        "kettle",
    ]
)

# The Organization markup of the about page: the policies every offer inherits.
ORGANIZATION = json.dumps(
    [
        {
            "syntax": "json-ld",
            "type": "Organization",
            "data": {
                "@context": "https://schema.org",
                "@type": "Organization",
                "name": "Boreal Outdoor",
                "url": HOST + "/",
                "logo": HOST + "/img/logo.png",
                "hasMerchantReturnPolicy": {
                    "@type": "MerchantReturnPolicy",
                    "applicableCountry": "CA",
                    "returnPolicyCountry": "CA",
                    "returnPolicyCategory": "https://schema.org/MerchantReturnFiniteReturnWindow",
                    "merchantReturnDays": 30,
                    "returnMethod": "https://schema.org/ReturnByMail",
                    "returnFees": "https://schema.org/FreeReturn",
                },
                "hasShippingService": {
                    "@type": "ShippingService",
                    "name": "Standard shipping",
                    "shippingConditions": {
                        "@type": "ShippingConditions",
                        "shippingDestination": {"@type": "DefinedRegion", "addressCountry": "CA"},
                        "shippingRate": {"@type": "MonetaryAmount", "value": 0, "currency": "CAD"},
                    },
                },
            },
        }
    ]
)


def _lists(per_row: int, flat: pa.Array, rows: int | None = None) -> pa.ListArray:
    """A list column with ``per_row`` items in every row, from the flat item array."""
    rows = rows if rows is not None else len(flat) // max(per_row, 1)
    offsets = pa.array(np.arange(rows + 1, dtype=np.int32) * per_row)
    return pa.ListArray.from_arrays(offsets, flat)


def _cat(*parts: Any) -> pa.Array:
    """Element-wise string concatenation of arrays and plain strings (vectorized)."""
    return pc.binary_join_element_wise(*parts, "")


def _weave(*arrays: pa.Array) -> pa.Array:
    """Row-major interleaving of k equal-length arrays: a0, b0, c0, a1, b1, c1, ..."""
    k, n = len(arrays), len(arrays[0])
    order = (np.arange(k * n) % k) * n + np.arange(k * n) // k
    return pc.take(pa.concat_arrays([a.cast(arrays[0].type) for a in arrays]), pa.array(order))


def page_batch(
    start: int, n: int, total: int, rng: np.random.Generator
) -> tuple[pa.Table, pa.Table]:
    idx = np.arange(start, start + n)
    lang_fr = pa.array(idx % 2 == 1)  # en/fr pairs: page 2k (en) <-> 2k+1 (fr)
    product = idx % 10 < 8
    defect = idx % 97  # ~1% of pages per defect family

    def where(mask: np.ndarray, yes: Any, no: Any) -> pa.Array:
        return pc.if_else(pa.array(mask), yes, no)

    sku = pc.cast(pa.array(idx // 2), pa.string())
    picks = WORDS[rng.integers(0, len(WORDS), size=(n, 3))]
    names = pc.binary_join_element_wise(*(pa.array(picks[:, i]) for i in range(3)), " ")
    urls = _cat(
        HOST,
        pc.if_else(lang_fr, "/fr-ca/p/", "/en-ca/p/"),
        pc.replace_substring(names, " ", "-"),
        "-",
        sku,
    )
    order = idx - start
    partner_pos = np.where(order % 2 == 0, np.minimum(order + 1, n - 1), order - 1)
    partner = pc.take(urls, pa.array(partner_pos))
    # 2% exact duplicates: copies of the page 3 before (same text, title, description)
    dup = (idx % 50 == 7) & (order >= 3)
    source = np.where(dup, order - 3, order)
    titles = pc.take(
        _cat(
            pc.utf8_title(names),
            " ",
            sku,
            pc.if_else(lang_fr, " | Plein air Boréal", " | Boreal Outdoor"),
        ),
        pa.array(source),
    )
    titles = where(defect == 5, pa.scalar(None, pa.string()), titles)
    descriptions = pc.take(
        _cat(
            "Shop the ",
            names,
            " ",
            sku,
            ": light, waterproof, tested in the Rockies. Free shipping over $75 and 30-day returns.",
        ),
        pa.array(source),
    )
    content_hash = pc.take(_cat("h", pc.cast(pa.array(idx), pa.string())), pa.array(source))
    simhash = rng.integers(-(2**63), 2**63 - 1, size=n, dtype=np.int64)[source]
    status = np.where(defect == 3, 404, 200).astype(np.int32)
    price = np.round(rng.uniform(9, 600, n), 2)
    price_text = where(defect == 17, "0.00", pc.cast(pa.array(price), pa.string()))
    currency = where(defect == 13, "USD", "CAD")
    jsonld = _cat(
        '[{"syntax": "json-ld", "type": "Product", "data": {"@context": "https://schema.org", "@type": "Product", "name": "',
        names, '", "sku": "', sku, '", "image": ["', HOST, "/img/", sku,
        '.jpg"], "brand": {"@type": "Brand", "name": "Boreal"}, "description": "Lightweight gear tested in the Rockies.", '
        '"offers": {"@type": "Offer", "price": "', price_text, '", "priceCurrency": "', currency,
        '", "availability": "https://schema.org/InStock"}, "aggregateRating": {"@type": "AggregateRating", '
        '"ratingValue": "4.4", "reviewCount": "12"}}}]',
    )  # fmt: skip
    own_lang = pc.if_else(lang_fr, "fr-CA", "en-CA")
    hreflang = _lists(
        3,
        pa.StructArray.from_arrays(
            [
                _weave(
                    own_lang, pc.if_else(lang_fr, "en-CA", "fr-CA"), pa.array(["x-default"] * n)
                ),
                _weave(
                    urls, where(defect == 19, urls, partner), pc.if_else(lang_fr, partner, urls)
                ),
                pa.array(["html"] * (3 * n)),
            ],
            fields=list(schema.HREFLANG),
        ),
    )
    images = _lists(
        2,
        pa.StructArray.from_arrays(
            [
                _weave(_cat(HOST, "/img/", sku, ".jpg"), _cat(HOST, "/img/", sku, "-2.jpg")),
                # each image described for what it shows (SEO-MEDIA-002 flags a gallery
                # repeating one alt text), ~1% with the main image's alt missing
                _weave(
                    where(defect == 23, pa.scalar(None, pa.string()), names),
                    _cat(names, ", side view"),
                ),
                pa.array(["800"] * (2 * n)),
                pa.array(["800"] * (2 * n)),
                _weave(pa.nulls(n, pa.string()), pa.array(["lazy"] * n)),
            ],
            fields=list(schema.IMAGE),
        ),
    )
    sitemap = _cat(HOST, "/sitemaps/products-", pc.cast(pa.array(idx // 50_000), pa.string()))
    columns = {
        "url": urls,
        "final_url": urls,
        "status": pa.array(status),
        "fetch_state": pa.array(["fetched"] * n),
        "redirect_chain": _lists(0, pa.array([], type=schema.HOP), n),
        "redirect_loop": pa.array(np.zeros(n, bool)),
        "content_type": pa.array(["text/html"] * n),
        "encoding": pa.array(["utf-8"] * n),
        "encoding_declared": pa.array(["utf-8"] * n),
        "depth": pa.array((2 + idx % 4).astype(np.int32)),
        "response_ms": pa.array(rng.uniform(40, 400, n)),
        "bytes": pa.array(rng.integers(30_000, 120_000, n)),
        "truncated": pa.array(np.zeros(n, bool)),
        "rendered": pa.array(np.zeros(n, bool)),
        "discovered_from": pa.array(["link"] * n),
        "referrer": pc.take(urls, pa.array((order + 3) % n)),
        "title": titles,
        "title_count": pa.array(np.where(defect == 5, 0, 1).astype(np.int32)),
        "meta_description": descriptions,
        "meta_description_count": pa.array(np.ones(n, np.int32)),
        "meta_robots": where(defect == 11, "noindex, follow", pa.scalar(None, pa.string())),
        "canonical": urls,
        "canonicals": _lists(1, urls),
        "canonical_sources": _lists(1, pa.array(["html"] * n)),
        "hreflang": hreflang,
        "lang": own_lang,
        "viewport": pa.array(["width=device-width, initial-scale=1"] * n),
        "h1": _lists(1, pc.utf8_title(names)),
        "h2": _lists(2, _weave(pa.array(["Specifications"] * n), pa.array(["Reviews"] * n))),
        # the site's Organization (one page: the about page) states the return and
        # shipping policies every offer inherits (SEO-SCHEMA-017)
        "structured_data": where(idx == 9, ORGANIZATION, where(product, jsonld, "[]")),
        "structured_data_errors": _lists(0, pa.array([], pa.string()), n),
        "jsonld_blocks": pa.array(product.astype(np.int32)),
        "visible_prices": _lists(1, _cat("$", pc.cast(pa.array(price), pa.string()))),
        # the raw HTML (what AI crawlers read, SEO-AI-003) shows the offer; ~1% of
        # product pages load the price by script
        "product_markup": pa.array(product),
        "price_shown": pa.array(defect != 31),
        "availability_shown": pa.array(np.ones(n, bool)),
        "description_shown": pa.array(np.ones(n, bool)),
        "images": images,
        "insecure_resources": _lists(0, pa.array([], pa.string()), n),
        "word_count": pa.array(rng.integers(250, 900, n).astype(np.int32)),
        "content_hash": content_hash,
        "simhash": pa.array(simhash),
        "links_internal": pa.array(np.full(n, 3, np.int32)),
        "links_external": pa.array(np.zeros(n, np.int32)),
        "in_sitemap": pa.array(np.ones(n, bool)),
        "sitemaps": _lists(1, sitemap),
    }
    pages = pa.table(
        {
            name: columns.get(name, pa.nulls(n, schema.PAGES.field(name).type))
            for name in schema.PAGES.names
        }
    )
    pages = pages.cast(schema.PAGES)
    # 3 internal links per page: the next product, the partner page, and another (1% broken)
    link_columns = {
        "source": pa.concat_arrays([urls, urls, urls]),
        "target": pa.concat_arrays(
            [
                pc.take(urls, pa.array((order + 1) % n)),
                partner,
                where(defect == 29, _cat(urls, "-gone"), pc.take(urls, pa.array((order + 7) % n))),
            ]
        ),
        "kind": pa.array(["a"] * (3 * n)),
        "anchor": pa.concat_arrays([names, names, names]),
        "nofollow": pa.array(np.zeros(3 * n, bool)),
        "region": pa.array(["body"] * (3 * n)),
        "internal": pa.array(np.ones(3 * n, bool)),
    }
    return pages, complete(link_columns, schema.LINKS, 3 * n)


def complete(columns: dict[str, Any], table_schema: pa.Schema, n: int) -> pa.Table:
    """A table with ``table_schema``: the columns given, the others (added to the schema
    since this generator was written) null."""
    return pa.table(
        {
            name: columns.get(name, pa.nulls(n, table_schema.field(name).type))
            for name in table_schema.names
        }
    ).cast(table_schema)


def generate(run: Path, pages: int) -> None:
    rng = np.random.default_rng(20261122)
    run.mkdir(parents=True, exist_ok=True)
    page_writer = pq.ParquetWriter(run / "pages.parquet", schema.PAGES)
    link_writer = pq.ParquetWriter(run / "links.parquet", schema.LINKS)
    sitemap_writer = pq.ParquetWriter(run / "sitemap_urls.parquet", schema.SITEMAP_URLS)
    for start in range(0, pages, BATCH):
        n = min(BATCH, pages - start)
        page_table, link_table = page_batch(start, n, pages, rng)
        page_writer.write_table(page_table, row_group_size=BATCH)
        link_writer.write_table(link_table, row_group_size=BATCH)
        sitemap_rows = complete(
            {
                "sitemap": page_table["sitemaps"].combine_chunks().flatten(),
                "loc": page_table["url"],
                "lastmod": pa.array(["2026-11-16"] * n),
            },
            schema.SITEMAP_URLS,
            n,
        )
        sitemap_writer.write_table(sitemap_rows)
    page_writer.close()
    link_writer.close()
    sitemap_writer.close()
    files = sorted({f"{HOST}/sitemaps/products-{i}" for i in range((pages + 49_999) // 50_000)})
    pq.write_table(
        complete(
            {
                "sitemap": pa.array(files),
                "parent": pa.array([f"{HOST}/sitemap_index.xml"] * len(files)),
                "kind": pa.array(["urlset"] * len(files)),
                "status": pa.array([200] * len(files), pa.int32()),
                "url_count": pa.array([50_000] * len(files), pa.int64()),
                "bytes_uncompressed": pa.array([14_000_000] * len(files), pa.int64()),
            },
            schema.SITEMAPS,
            len(files),
        ),
        run / "sitemaps.parquet",
    )
    write_manifest(
        run, {"kind": "crawl", "start_urls": [HOST + "/"], "synthetic": True, "pages": pages}
    )


# Peak RSS of the child itself: VmHWM of its own address space (ru_maxrss would carry the
# parent's peak across fork + exec on Linux).
_PEAK = """
import os
def peak_rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
def cpu_seconds():
    return round(sum(os.times()[:2]), 1)
"""

# What `searchops audit RUN` does: the audit, RUN/findings.parquet, the workspace's tables
# and the terminal table (printed to /dev/null here).
_AUDIT = (
    _PEAK
    + """
import json, logging, os, sys, tempfile, time
from pathlib import Path
from rich.console import Console
import audits
from audits.terminal import audit_tables
from searchops.settings import resolve_settings
from searchops.workspace import Workspace
settings = resolve_settings(None)
per_rule = []  # (rule, wall s, CPU s) from the engine's debug line after each rule
class Timings(logging.Handler):
    def emit(self, record):
        per_rule.append((record.args[0], record.args[2], record.args[3]))
        # progress on stderr (a long run can be followed, and a cut one tells how far it got)
        print(f"  {len(per_rule)} {record.args[0]}: {record.args[2]:.1f} s, {record.args[3]:.1f} CPU s; "
              f"process {cpu_seconds()} CPU s, peak RSS {peak_rss_mb()} MB", file=sys.stderr, flush=True)
engine_log = logging.getLogger("audits.engine")
engine_log.setLevel(logging.DEBUG)
engine_log.addHandler(Timings())
engine_log.propagate = False
started = time.perf_counter()
with tempfile.TemporaryDirectory() as tmp, Workspace(Path(tmp) / "ws.duckdb", lock=settings.workspace) as ws:
    result = audits.audit(sys.argv[1], rules=sys.argv[2] or None, settings=settings, workspace=ws)
    with open(os.devnull, "w") as null:
        console = Console(file=null, width=120)
        for renderable in audit_tables(result, settings.audit.max_examples):
            console.print(renderable)
print(json.dumps({"seconds": time.perf_counter() - started, "findings": result.stats["findings"],
                  "peak_rss_mb": peak_rss_mb(), "cpu_seconds": cpu_seconds(),
                  "rules_run": result.stats["rules_run"],
                  "per_rule": sorted(per_rule, key=lambda r: -r[2])}))
"""
)

_SCAN = (
    _PEAK
    + """
import json, sys, time, duckdb
started = time.perf_counter()
con = duckdb.connect(config={"threads": 2, "memory_limit": "1GB"})
con.execute("SET enable_progress_bar = false")  # it would print to stdout, where the figures go
for name in ("pages", "links", "sitemap_urls"):
    source = f"read_parquet('{sys.argv[1]}/{name}.parquet')"
    columns = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    # touch every value: string lengths, list lengths, numbers summed
    exprs = ", ".join(
        f"sum(length({c}))" if t == "VARCHAR" else f"sum(len({c}))" if t.endswith("[]") else f"count({c})"
        for c, t, *_ in columns
    )
    con.execute(f"SELECT {exprs} FROM {source}").fetchall()
print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb(), "cpu_seconds": cpu_seconds()}))
"""
)


def measure(code: str, run: Path, *args: str) -> dict[str, Any]:
    """Run ``code`` in a child process; it reports its own seconds and peak RSS."""
    out = subprocess.run(  # stderr (the audit's progress) passes through
        [sys.executable, "-c", code, str(run), *args],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    data: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def bench(run: Path, pages: int, rules: str = "") -> dict[str, Any]:
    """Generate (unless already there), scan and audit ``pages`` rows in ``run``; print them."""
    started = time.perf_counter()
    if not (run / "pages.parquet").exists():
        generate(run, pages)
    size_mb = sum(p.stat().st_size for p in run.glob("*.parquet")) / 2**20
    print(
        f"generated {pages:,} pages ({size_mb:.0f} MB of Parquet) in {time.perf_counter() - started:.1f} s"
    )
    scan = measure(_SCAN, run)
    audit = measure(_AUDIT, run, rules)
    print(
        f"peer: DuckDB reading every value  {scan['seconds']:.1f} s ({scan['cpu_seconds']} CPU s), "
        f"peak RSS {scan['peak_rss_mb']} MB"
    )
    print(
        f"audit: {audit['rules_run']} rules, {audit['findings']:,} findings  "
        f"{audit['seconds']:.1f} s ({audit['cpu_seconds']} CPU s), peak RSS {audit['peak_rss_mb']} MB"
    )
    print(
        f"ratio audit / scan: {audit['seconds'] / scan['seconds']:.1f}x wall, "
        f"{audit['cpu_seconds'] / max(scan['cpu_seconds'], 0.1):.1f}x CPU"
    )
    # every rule's CPU seconds (the shared tables it builds first included), costliest
    # first: where the time goes, and (between sizes) what grows faster than the rows
    per_rule = ", ".join(f"{rule_id} {cpu:.1f}" for rule_id, _, cpu in audit["per_rule"])
    print(f"CPU seconds per rule (costliest first): {per_rule}")
    per_million = audit["seconds"] / (pages / 1e6)
    print(
        f"audit time per million rows: {per_million:.1f} s ({audit['cpu_seconds'] / (pages / 1e6):.1f} CPU s)"
    )
    if pages <= 1_000_000 and not rules:
        met = float(audit["seconds"]) < 60 and float(audit["peak_rss_mb"]) < 2048
        print(f"target at {pages:,}: < 60 s and < 2048 MB -> {'met' if met else 'NOT met'}")
    return {"pages": pages, "scan": scan, "audit": audit}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pages",
        default="1000000",
        help="rows of each run, comma-separated (e.g. 1000000,10000000: scaling printed)",
    )
    parser.add_argument("--keep", type=Path, help="generate into (and keep) DIR/<rows>")
    parser.add_argument(
        "--rules",
        default="",
        help="only these rules (IDs, globs, slugs or families, comma-separated, as `audit "
        "--rules`): a rule's scaling measured before and after a change",
    )
    args = parser.parse_args()
    sizes = [int(x) for x in str(args.pages).split(",") if x.strip()]
    tmp = None if args.keep else Path(tempfile.mkdtemp(prefix="searchops-audit-bench-"))
    base = args.keep or tmp
    assert base is not None
    results = []
    try:
        for pages in sizes:
            print(f"--- {pages:,} rows")
            results.append(bench(base / str(pages), pages, args.rules))
            if tmp is not None:
                shutil.rmtree(base / str(pages), ignore_errors=True)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    if len(results) > 1:
        small, big = results[0], results[-1]

        def per_m(r: dict[str, Any], key: str) -> float:
            return float(r["audit"][key]) / (r["pages"] / 1e6)

        wall = per_m(big, "seconds") / per_m(small, "seconds")
        cpu = per_m(big, "cpu_seconds") / per_m(small, "cpu_seconds")
        # the scan peer's own scaling: how much of the ratio the machine and the files explain
        scan = (big["scan"]["seconds"] / big["pages"]) / (small["scan"]["seconds"] / small["pages"])
        rss = float(big["audit"]["peak_rss_mb"])
        # each rule's CPU per million rows at the larger size over that at the smaller
        # (the shared tables a rule builds first are counted in it at both sizes); rules
        # under 0.5 CPU s at the smaller size are left out (their ratio is mostly noise)
        small_cpu = {rule_id: cpu for rule_id, _, cpu in small["audit"]["per_rule"]}
        growth = sorted(
            (
                (cpu / big["pages"]) / (small_cpu[rule_id] / small["pages"]),
                rule_id,
                small_cpu[rule_id],
                cpu,
            )
            for rule_id, _, cpu in big["audit"]["per_rule"]
            if small_cpu.get(rule_id, 0) >= 0.5
        )[::-1]
        print(
            "CPU per million rows, larger / smaller size, per rule (CPU s at each size): "
            + ", ".join(f"{r} x{g:.2f} ({a:.1f} -> {b:.1f})" for g, r, a, b in growth)
        )
        print(
            f"scaling {small['pages']:,} -> {big['pages']:,} rows: audit time per million rows "
            f"x{wall:.2f} wall, x{cpu:.2f} CPU (target <= 1.5; DuckDB scan peer x{scan:.2f}); "
            f"peak RSS at {big['pages']:,}: {rss:.0f} MB (target <= 4096) -> "
            f"{'met' if wall <= 1.5 and rss <= 4096 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
