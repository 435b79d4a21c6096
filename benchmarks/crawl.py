"""Crawl benchmark: ``searchops crawl`` against ``advertools.crawl`` on the demo site.

Both crawl the same page budget of a 20,000-product demo site served in its own
process, with the same concurrency, robots.txt obeyed and the same AutoThrottle
settings. Each crawler runs as a child process tree (searchops: the CLI and its
Scrapy child; advertools: its ``scrapy runspider`` subprocess) whose RSS is sampled
with psutil every 0.1 s. Printed: pages/s (pages recorded / wall time, startup and
writing included), peak RSS, and the ratios. Then a 100,000-page searchops run for
the memory target (a bigger site: 100k pages need ~50k products in two languages).

Targets (issue 2): >= 3x advertools' pages/s while recording more; peak RSS < 300 MB
at 20,000 and 100,000 pages. Absolute times mislead on a shared machine: read the ratio.

    .venv/bin/python benchmarks/crawl.py                 # 20k-page comparison + 100k run
    .venv/bin/python benchmarks/crawl.py --pages 5000 --big-pages 0   # quick comparison
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from demo.site import serve

BIN = Path(sys.executable).parent
CONCURRENCY, PER_HOST, TARGET = 32, 16, 8.0  # [crawl] defaults, given to both crawlers
# The demo site's crawler traps, excluded for both: advertools has no trap detection and
# Scrapy's default depth-first order walks the infinite calendar one page at a time, which
# would measure round trips instead of crawler throughput.
TRAPS = r"/(events|outlet|help)/"


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS in MB of its whole process tree, peak RSS
    while it had no child process: for searchops, the finalization after the crawler exits)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = psutil.Process(proc.pid)
    peak = alone = 0
    while proc.poll() is None:
        try:
            children = root.children(recursive=True)
            tree = [root, *children]
            rss = sum(p.memory_info().rss for p in tree if p.is_running())
            peak = max(peak, rss)
            if not children:
                alone = max(alone, rss)
        except psutil.Error:
            pass
        time.sleep(0.1)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed with exit {proc.returncode}")
    return time.perf_counter() - start, peak / 2**20, alone / 2**20


def run_searchops(url: str, pages: int, out: Path) -> tuple[int, float, float, int]:
    config = out.parent / f"{out.name}.toml"
    config.write_text(
        f"[crawl]\nconcurrency = {CONCURRENCY}\nconcurrency_per_host = {PER_HOST}\n"
        f"autothrottle_target_concurrency = {TARGET}\n"
    )
    cmd = [
        str(BIN / "searchops"),
        "--config",
        str(config),
        "--workspace",
        str(out.parent / "ws.duckdb"),
        "-q",
    ]
    cmd += ["crawl", url + "/", "--max-pages", str(pages), "--render", "never", "--out", str(out)]
    cmd += ["--exclude", TRAPS]
    seconds, rss, finalize_rss = measure(cmd)
    stats = json.loads((out / "crawl.json").read_text())["stats"]
    import pyarrow.parquet as pq

    columns = len(pq.read_schema(out / "pages.parquet").names)
    print(
        f"  (searchops {stats['pages']} pages: peak RSS {rss:.0f} MB; after the crawler exited, finalizing: {finalize_rss:.0f} MB)"
    )
    return stats["pages"], seconds, rss, columns


def run_advertools(url: str, pages: int, out: Path) -> tuple[int, float, float, int]:
    settings = {
        "CLOSESPIDER_PAGECOUNT": pages,
        "CONCURRENT_REQUESTS": CONCURRENCY,
        "CONCURRENT_REQUESTS_PER_DOMAIN": PER_HOST,
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 0.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": TARGET,
        "LOG_LEVEL": "WARNING",
    }
    # allowed_domains without the port: Scrapy's offsite filter ignores entries with one.
    script = (
        "import advertools, json, sys; "
        f"advertools.crawl([{url + '/'!r}], {str(out)!r}, follow_links=True, allowed_domains=['127.0.0.1'], "
        f"exclude_url_regex={TRAPS!r}, "
        "custom_settings=json.loads(sys.argv[1]))"
    )
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }  # advertools runs `scrapy`
    seconds, rss, _ = measure([sys.executable, "-c", script, json.dumps(settings)], env=env)
    with out.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    columns = len(set().union(*(r.keys() for r in rows))) if rows else 0
    return len(rows), seconds, rss, columns


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--pages", type=int, default=20_000, help="page budget of the comparison")
    parser.add_argument(
        "--big-pages", type=int, default=100_000, help="pages of the RSS run (0 = skip)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        work = Path(tmp)
        with serve(products=args.products, seed=1, process=True) as url:
            ours = run_searchops(url, args.pages, work / "searchops")
            theirs = run_advertools(url, args.pages, work / "advertools.jl")
        print(
            f"demo site: {args.products} products; budget {args.pages} pages; concurrency {CONCURRENCY}/{PER_HOST}"
        )
        print(
            f"{'crawler':<12}{'pages':>8}{'seconds':>10}{'pages/s':>10}{'peak RSS MB':>13}{'columns':>9}"
        )
        for name, (pages, seconds, rss, columns) in (("searchops", ours), ("advertools", theirs)):
            print(
                f"{name:<12}{pages:>8}{seconds:>10.1f}{pages / seconds:>10.1f}{rss:>13.0f}{columns:>9}"
            )
        speed = (ours[0] / ours[1]) / (theirs[0] / theirs[1])
        print(
            f"ratio searchops/advertools: pages/s x{speed:.2f} (target >= 3), peak RSS x{ours[2] / theirs[2]:.2f}"
        )
        if args.big_pages:
            products = max(args.products, args.big_pages // 2 + 5_000)
            with serve(products=products, seed=1, process=True) as url:
                pages, seconds, rss, _ = run_searchops(url, args.big_pages, work / "big")
            print(
                f"searchops {pages} pages ({products} products): {pages / seconds:.1f} pages/s, peak RSS {rss:.0f} MB (target < 300)"
            )


if __name__ == "__main__":
    main()
