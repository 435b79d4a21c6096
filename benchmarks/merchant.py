"""Merchant feed import at catalog scale: seconds and peak RSS of `searchops merchant import`,
and of `searchops merchant check` joining the feed with a crawl of as many pages.

    .venv/bin/python benchmarks/merchant.py [--items 1000000] [--format tsv|xml] [--join]

Generates a primary feed of ``--items`` items (tab-separated, or RSS 2.0 with the g:
namespace), bilingual-catalog sized (60-char links, 80-char titles, 300-char descriptions,
prices like "129.99 CAD", 1% of items with an unreadable price), then imports it in a child
process and reports that process's peak RSS (ru_maxrss of the child). The peer, run in the
same way: DuckDB's own read_csv of the same tab-separated file into a table, the floor any
importer that checks each item pays. Target: 1,000,000 items within 1.5 GB.

``--join`` also writes a crawl run folder of ``--items`` pages (pages.parquet, written 10,000
rows at a time: memory bounded whatever the size) for the feed's links: Product JSON-LD on
each, 2% with another price, 1% out of stock where the feed says in stock, 1% answering 404,
1% of the items never crawled and 1% more pages that no item has, then times
``merchant check --crawl RUN --format csv`` on the imported workspace. Peer: DuckDB's own
join of the two on the link (the floor of reading both sides). Target: 1,000,000 x 1,000,000
within 2 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

WORDS = np.array(["alpine", "trail", "summit", "ridge", "boreal", "granite", "cascade", "tent", "jacket", "boot", "pack", "stove", "lantern", "kestrel", "portage", "voyageur", "lakeshore", "fleece", "shell", "down"])  # fmt: skip


def write_feed(path: Path, items: int, fmt: str, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8") as out:
        if fmt == "xml":
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                      'xmlns:g="http://base.google.com/ns/1.0"><channel><title>bench</title>\n')  # fmt: skip
        else:
            out.write(
                "id\ttitle\tdescription\tlink\timage_link\tavailability\tprice\tbrand\tgtin\n"
            )
        for start in range(0, items, 10_000):
            n = min(10_000, items - start)
            words = WORDS[rng.integers(0, len(WORDS), (n, 8))]
            prices = rng.uniform(5, 900, n)
            broken = rng.random(n) < 0.01
            stock = np.where(rng.random(n) < 0.9, "in_stock", "out_of_stock")
            for k in range(n):
                i = start + k
                title = " ".join(words[k]).title()
                price = "call us" if broken[k] else f"{prices[k]:.2f} CAD"
                link = f"https://www.example-outdoor.ca/en/p/{'-'.join(words[k][:4])}-{i}"
                desc = (title + ". ") * 6
                gtin = f"{(10**12 + i * 7919) % 10**13:013d}"
                if fmt == "xml":
                    out.write(f"<item><g:id>SKU-{i}</g:id><title>{title}</title><link>{link}</link>"
                              f"<description>{desc}</description><g:image_link>{link}.jpg"
                              f"</g:image_link><g:availability>{stock[k]}</g:availability>"
                              f"<g:price>{price}</g:price><g:brand>Boreal</g:brand>"
                              f"<g:gtin>{gtin}</g:gtin></item>\n")  # fmt: skip
                else:
                    out.write(f"SKU-{i}\t{title}\t{desc}\t{link}\t{link}.jpg\t{stock[k]}\t{price}"
                              f"\tBoreal\t{gtin}\n")  # fmt: skip
        if fmt == "xml":
            out.write("</channel></rss>\n")


PAGE_SCHEMA = pa.schema([("url", pa.string()), ("final_url", pa.string()), ("status", pa.int32()),
                         ("fetch_state", pa.string()), ("meta_robots", pa.string()),
                         ("x_robots_tag", pa.string()), ("lang", pa.string()),
                         ("structured_data", pa.string())])  # fmt: skip


def write_crawl(run: Path, items: int, seed: int = 0) -> None:
    """pages.parquet of a crawl of ``write_feed``'s links (same seed: same items), one
    10,000-page row group at a time (see the module docstring for what differs)."""
    rng = np.random.default_rng(seed)
    run.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(run / "pages.parquet", PAGE_SCHEMA) as writer:
        for start in range(0, items, 10_000):
            n = min(10_000, items - start)
            # the feed's draws, in the feed's order
            words = WORDS[rng.integers(0, len(WORDS), (n, 8))]
            prices = rng.uniform(5, 900, n)
            rng.random(n)
            stock = rng.random(n) < 0.9
            page = np.random.default_rng([seed, start])
            other_price = page.random(n) < 0.02
            sold_out = page.random(n) < 0.01
            gone = page.random(n) < 0.01
            uncrawled = page.random(n) < 0.01
            rows: list[tuple[str, int, str]] = []  # url, status, structured_data
            for k in range(n):
                i = start + k
                link = f"https://www.example-outdoor.ca/en/p/{'-'.join(words[k][:4])}-{i}"
                price = prices[k] * (1.1 if other_price[k] else 1.0)
                in_stock = stock[k] and not sold_out[k]
                product = {
                    "@context": "https://schema.org", "@type": "Product",
                    "name": " ".join(words[k]).title(), "sku": f"SKU-{i}",
                    "gtin13": f"{(10**12 + i * 7919) % 10**13:013d}", "image": f"{link}.jpg",
                    "offers": {"@type": "Offer", "price": f"{price:.2f}", "priceCurrency": "CAD",
                               "availability": "https://schema.org/"
                               + ("InStock" if in_stock else "OutOfStock")},
                }  # fmt: skip
                data = json.dumps([{"syntax": "json-ld", "type": "Product", "data": product}])
                if uncrawled[k]:  # a page no item has, in its place: the crawl keeps its size
                    new = data.replace(f"SKU-{i}", f"NEW-{i}").replace('"gtin13"', '"mpn"')
                    rows.append((f"https://www.example-outdoor.ca/en/p/new-{i}", 200, new))
                else:
                    rows.append((link, 404 if gone[k] else 200, "[]" if gone[k] else data))
            url, status, data_column = (list(column) for column in zip(*rows, strict=True))
            columns = {"url": url, "final_url": url, "status": status,
                       "fetch_state": ["fetched"] * len(url), "meta_robots": [None] * len(url),
                       "x_robots_tag": [None] * len(url), "lang": ["en"] * len(url),
                       "structured_data": data_column}  # fmt: skip
            writer.write_table(pa.table(columns, schema=PAGE_SCHEMA))


# A wrapper process per measurement: ru_maxrss of RUSAGE_CHILDREN is the largest child a
# process ever had, so each command gets a parent of its own.
WRAPPER = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, "
    "text=True); sys.stderr.write(r.stderr[-2000:] if r.returncode else ''); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)"
)


def measure(command: list[str]) -> tuple[float, float, int]:
    """(seconds, peak RSS MB, exit code) of ``command`` run as a child process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAPPER, *command], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.stderr:
        print(done.stderr, file=sys.stderr)
    peak_kb, code = done.stdout.split()
    return seconds, int(peak_kb) / 1024, int(code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["tsv", "xml"], default="tsv")
    parser.add_argument("--join", action="store_true", help="Also time merchant check.")
    args = parser.parse_args()
    searchops = str(Path(sys.executable).parent / "searchops")
    with tempfile.TemporaryDirectory(prefix="searchops-bench-feed-") as tmp:
        feed = Path(tmp) / f"feed.{'xml' if args.format == 'xml' else 'txt'}"
        write_feed(feed, args.items, args.format)
        size = feed.stat().st_size / 2**20
        print(f"feed: {args.items:,} items, {size:,.0f} MB ({args.format})")
        peer = (
            'import duckdb,sys; c=duckdb.connect(sys.argv[2]); c.execute("CREATE TABLE t AS '
            "SELECT * FROM read_csv(?, delim='\\t', header=true, all_varchar=true)\", [sys.argv[1]])"
        )
        rows = []
        if args.format == "tsv":
            rows.append(("duckdb read_csv (peer)",
                         *measure([sys.executable, "-c", peer, str(feed), str(Path(tmp) / "peer.duckdb")])))  # fmt: skip
        rows.append(("searchops merchant import",
                     *measure([searchops, "-q", "--workspace", str(Path(tmp) / "ws.duckdb"),
                               "merchant", "import", str(feed), "--language", "en"])))  # fmt: skip
        if args.join:
            run = Path(tmp) / "crawl"
            write_crawl(run, args.items)
            print(f"crawl: {pq.ParquetFile(run / 'pages.parquet').metadata.num_rows:,} pages")
            join = (
                "import duckdb,sys; c=duckdb.connect(sys.argv[1], read_only=True); print(c.execute("
                '"SELECT count(*) FROM merchant_items i JOIN read_parquet(?) p ON p.url = i.link", '
                "[sys.argv[2]]).fetchone())"
            )
            rows.append(("duckdb join on link (peer)",
                         *measure([sys.executable, "-c", join, str(Path(tmp) / "ws.duckdb"),
                                   str(run / "pages.parquet")])))  # fmt: skip
            rows.append(("searchops merchant check",
                         *measure([searchops, "-q", "--workspace", str(Path(tmp) / "ws.duckdb"),
                                   "merchant", "check", "--crawl", str(run), "--format", "csv",
                                   "--out", str(Path(tmp) / "findings.csv")])))  # fmt: skip
    print(f"{'':28s} {'seconds':>9s} {'peak RSS MB':>12s} exit")
    for name, seconds, peak, code in rows:
        print(f"{name:28s} {seconds:9.1f} {peak:12.0f} {code}")
    if args.format == "tsv":
        print(f"import time ratio searchops / peer: {rows[1][1] / rows[0][1]:.2f}")
    if args.join:
        print(f"check time ratio searchops / peer: {rows[-1][1] / rows[-2][1]:.2f}")


if __name__ == "__main__":
    main()
