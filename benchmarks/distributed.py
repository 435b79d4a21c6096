"""Shared crawl benchmark: 1, 2 and 4 ``searchops crawl`` workers sharing one crawl through a
real ``redis-server`` (issue 21 item 1).

The site answers every page after 100 ms (``--delay``), so the crawl is bound by latency and
politeness, not by this machine's two cores. Each worker has ``[crawl] concurrency`` C (``--concurrency``, 2); the
per-host cap is either raised to C x N (throughput should grow with the workers: goal >= 0.8 x N
of one worker's) or left at C (it holds for all workers together: goal ~1.0x, exactly the cap).
The home page is held until every worker's crawler is up, and throughput is pages fetched /
(last fetch - home page fetch), so process startup is not counted. Printed per run: pages/s,
ratio to one worker, URLs fetched twice (goal 0), URLs recorded vs the site's (goal: equal),
the most requests on the host at once (never above the cap), Redis commands a page (those its
Lua scripts run included) and the workers' CPU a page (start-up and finalization included)
with the machine's load average: when the workers cannot get the CPU their pages need, that,
not Redis, limits the ratio.
Then a run of 4 workers where one is killed with kill -9 mid-crawl: URLs lost (goal 0), URLs
fetched twice (the killed worker's leases, fetched again after they expired). Then Redis
memory per URL at 1,000,000 fingerprints (INFO memory used_memory, goal <= 12 bytes) beside
scrapy-redis's layout (a set of 40-character SHA1 strings) in the same server.

    .venv/bin/python benchmarks/distributed.py                    # 1, 2, 4 workers, kill, memory
    .venv/bin/python benchmarks/distributed.py --pages 300 --fingerprints 100000   # quick
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import hashlib
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.crawler.sites import html, serve
from tests.redis_server import redis_server

BIN = Path(sys.executable).parent
FANOUT = 10


class Site:
    """Page i links to FANOUT*i+1 .. FANOUT*i+FANOUT; every answer after ``delay`` seconds."""

    def __init__(self, pages: int, delay: float):
        self.pages, self.delay = pages, delay
        self.hits: collections.Counter[str] = collections.Counter()
        self.times: list[float] = []
        self.gate = threading.Event()
        self.opened = 0.0
        self.in_flight = [0, 0]  # now, most at once

    def app(self) -> web.Application:
        async def page(request: web.Request) -> web.Response:
            i = int(request.match_info.get("i", "0"))
            while i == 0 and not self.gate.is_set():
                await asyncio.sleep(0.05)
            self.hits[request.path] += 1
            self.times.append(time.monotonic())
            self.in_flight[0] += 1
            self.in_flight[1] = max(self.in_flight)
            try:
                await asyncio.sleep(self.delay)
            finally:
                self.in_flight[0] -= 1
            links = "".join(
                f"<a href='/p/{j}'>p{j}</a>"
                for j in range(FANOUT * i + 1, min(FANOUT * i + FANOUT + 1, self.pages))
            )
            return html(f"<h1>Page {i}</h1>{links}", f"<title>Page {i}</title>")

        app = web.Application()
        app.router.add_get("/", page)
        app.router.add_get("/p/{i}", page)
        return app

    def urls(self, base: str) -> set[str]:
        return {base + "/"} | {f"{base}/p/{i}" for i in range(1, self.pages)}


def _config(folder: Path, concurrency: int, per_host: int) -> Path:
    path = folder / "searchops.toml"
    path.write_text(
        f"[crawl]\nconcurrency = {concurrency}\nconcurrency_per_host = {per_host}\n"
        "autothrottle = false\nsitemaps_from_robots = false\nobey_robots = false\n"
        "batch_rows = 50\nflush_seconds = 0.5\nlease_s = 5.0\nretries = 0\n"
    )
    return path


def _crawl(
    site: Site, base: str, redis_url: str, workers: int, concurrency: int, per_host: int,
    kill_one: bool = False,
) -> dict[str, float]:  # fmt: skip
    site.hits.clear()
    site.times.clear()
    site.gate.clear()
    site.in_flight[:] = [0, 0]
    import redis

    commands_before = _commands(redis.Redis.from_url(redis_url))
    cpu_before = _children_cpu()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="distributed-") as tmp:
        folder = Path(tmp)
        config, run = _config(folder, concurrency, per_host), folder / "run"
        common = [str(BIN / "searchops"), "--config", str(config), "crawl"]
        starter = subprocess.Popen(
            [*common, base + "/", "--out", str(run), "--frontier", redis_url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        assert starter.stderr is not None
        crawl_id = ""
        for line in starter.stderr:
            found = re.search(r"--join (\w+) --frontier", line)
            if found:
                crawl_id = found.group(1)
                break
        if not crawl_id:
            raise SystemExit(f"the first worker printed no crawl id (exit {starter.wait()})")
        joiners = [
            subprocess.Popen(
                [*common, "--join", crawl_id, "--frontier", redis_url],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for _ in range(workers - 1)
        ]
        deadline = time.monotonic() + 120
        while len(list(run.glob(".progress-*.json"))) < workers:  # every crawler is up
            if time.monotonic() > deadline:
                raise SystemExit("workers did not start within 120 s")
            time.sleep(0.1)
        site.opened = time.monotonic()
        site.gate.set()
        if kill_one:
            while sum(site.hits.values()) < site.pages // 3:
                time.sleep(0.01)
            os.killpg(joiners[0].pid, signal.SIGKILL)
            joiners[0].wait()
            joiners = joiners[1:]
        starter.communicate(timeout=900)
        for joiner in joiners:
            joiner.wait(timeout=900)
        import pandas as pd

        recorded = set(pd.read_parquet(run / "pages.parquet", columns=["url"])["url"])
    expected = site.urls(base)
    elapsed = max(site.times) - site.opened
    commands = _commands(redis.Redis.from_url(redis_url)) - commands_before
    cpu = _children_cpu() - cpu_before  # every worker's CLI and crawler, start to finalization
    return {
        "cpu_ms_per_page": 1000 * cpu / max(1, len(recorded)),
        "load": load,
        "commands_per_page": commands / max(1, len(recorded)),
        "pages_per_s": len(site.hits) / elapsed,
        "twice": sum(1 for n in site.hits.values() if n > 1),
        "lost": len(expected - recorded),
        "extra": len(recorded - expected),
        "recorded": len(recorded),
        "most": site.in_flight[1],
    }


def _children_cpu() -> float:
    """CPU seconds of the workers that have exited (their crawler processes included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _commands(client: Any) -> int:
    """Commands Redis has processed (INFO stats): the workers' round trips, scripts counted once."""
    return int(client.info("stats")["total_commands_processed"])


def fingerprint_memory(redis_url: str, count: int) -> tuple[float, float]:
    """Redis bytes per URL: our intset buckets, and a set of SHA1 hex strings (scrapy-redis)."""
    import redis

    from seo_crawler.redis_frontier import RedisFrontier, fingerprint

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    frontier = RedisFrontier(client, "bench", "w", max_pages=count)

    def used() -> int:
        return int(client.info("memory")["used_memory"])

    base = used()
    pipe = client.pipeline(transaction=False)
    for i in range(count):
        fp = fingerprint(f"https://www.example.ca/en/p/{i}?colour=red")
        pipe.sadd(frontier._bucket(fp), fp)
        if i % 20_000 == 19_999:
            pipe.execute()
    pipe.execute()
    ours = (used() - base) / count
    encodings = collections.Counter(
        client.object("encoding", key) for key in client.scan_iter(match="searchops:*fp:*")
    )
    if set(encodings) != {"intset"}:
        print(f"  warning: bucket encodings {dict(encodings)}")
    client.flushdb()
    base = used()
    for i in range(count):
        digest = hashlib.sha1(f"https://www.example.ca/en/p/{i}?colour=red".encode()).hexdigest()
        pipe.sadd("dupefilter", digest)
        if i % 20_000 == 19_999:
            pipe.execute()
    pipe.execute()
    sha1 = (used() - base) / count
    client.flushdb()
    return ours, sha1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds per page answer")
    parser.add_argument(
        "--concurrency", type=int, default=2,
        help="per worker (2: at 100 ms a page one worker needs ~0.3 of a core, so 4 fit on 2 cores)",
    )  # fmt: skip
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--fingerprints", type=int, default=1_000_000)
    args = parser.parse_args()
    site = Site(args.pages, args.delay)
    c = args.concurrency
    with redis_server() as redis_url, serve(site.app()) as base:
        print(f"site: {args.pages} pages, {args.delay * 1000:.0f} ms each; {c} concurrent a worker")
        for raised in (True, False):
            one = 0.0
            for n in args.workers:
                cap = c * n if raised else c
                r = _crawl(site, base, redis_url, n, c, cap)
                one = one or r["pages_per_s"]
                print(
                    f"  {n} worker(s), per-host cap {cap:3d}: {r['pages_per_s']:6.1f} pages/s "
                    f"ratio to 1 worker {r['pages_per_s'] / one:4.2f} (goal "
                    f"{'>= ' + format(0.8 * n, '.1f') if raised else '~1.0'}); fetched twice "
                    f"{r['twice']}, lost {r['lost']}, extra {r['extra']}; most requests on the "
                    f"host at once {r['most']} (cap {cap}); Redis commands a page "
                    f"{r['commands_per_page']:.1f}; workers' CPU {r['cpu_ms_per_page']:.0f} ms a "
                    f"page (machine load {r['load']:.0f})"
                )
        r = _crawl(site, base, redis_url, 4, c, 4 * c, kill_one=True)
        print(
            f"  4 workers, one killed -9 after {args.pages // 3} fetches: URLs lost {r['lost']} "
            f"(goal 0), recorded {r['recorded']} of {args.pages}, fetched twice {r['twice']}"
        )
        ours, sha1 = fingerprint_memory(redis_url, args.fingerprints)
        print(
            f"Redis memory at {args.fingerprints:,} fingerprints: {ours:.2f} bytes/URL (goal <= 12); "
            f"scrapy-redis's SHA1 set {sha1:.1f} bytes/URL ({sha1 / ours:.1f}x)"
        )


if __name__ == "__main__":
    main()
