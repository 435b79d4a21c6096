"""Merchant feed import at catalog scale: seconds and peak RSS of `searchops merchant import`.

    .venv/bin/python benchmarks/merchant.py [--items 1000000] [--format tsv|xml]

Generates a primary feed of ``--items`` items (tab-separated, or RSS 2.0 with the g:
namespace), bilingual-catalog sized (60-char links, 80-char titles, 300-char descriptions,
prices like "129.99 CAD", 1% of items with an unreadable price), then imports it in a child
process and reports that process's peak RSS (ru_maxrss of the child). The peer, run in the
same way: DuckDB's own read_csv of the same tab-separated file into a table, the floor any
importer that checks each item pays. Target: 1,000,000 items within 1.5 GB.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

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
    print(f"{'':28s} {'seconds':>9s} {'peak RSS MB':>12s} exit")
    for name, seconds, peak, code in rows:
        print(f"{name:28s} {seconds:9.1f} {peak:12.0f} {code}")
    if len(rows) == 2:
        print(f"time ratio searchops / peer: {rows[1][1] / rows[0][1]:.2f}")


if __name__ == "__main__":
    main()
