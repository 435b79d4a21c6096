"""The Redis frontier's pieces against a real redis-server: atomic claims, leases that
survive a killed worker, global per-host slots, compact fingerprints, the end of a crawl."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest
import redis

from seo_crawler.redis_frontier import (
    SITEMAP_FILE,
    RedisFrontier,
    bucket_count,
    fingerprint,
    lease_key,
    starting,
)
from seo_crawler.visit import Visit
from tests.redis_server import MISSING, redis_server

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason=MISSING)


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def _frontier(url: str, worker: str, **kwargs: object) -> RedisFrontier:
    client = redis.Redis.from_url(url, decode_responses=True)
    options = {"max_pages": 1000, "lease_s": 1.0, "per_host": 16, **kwargs}
    return RedisFrontier(client, "t", worker, **options)  # type: ignore[arg-type]


def _visit(url: str) -> Visit:
    return Visit(url, 1, "link", "http://a.test/")


def test_a_url_is_claimed_once_across_workers_and_within_the_budget(redis_url: str) -> None:
    one, two = _frontier(redis_url, "w1", max_pages=3), _frontier(redis_url, "w2", max_pages=3)
    assert one.claim(_visit("http://a.test/x"), "http://a.test/x")
    assert not two.claim(_visit("http://a.test/x"), "http://a.test/x")  # seen by w1
    assert "http://a.test/x" in two and "http://a.test/y" not in two
    assert two.claim(None, "http://a.test/r")  # recorded without a fetch: claimed, not queued
    assert two.claim(_visit("http://a.test/y"), "http://a.test/y")
    assert not one.claim(_visit("http://a.test/z"), "http://a.test/z")  # budget of 3 spent
    assert one.claimed == 3 and len(one) == 2
    assert one.mark("http://a.test/trap") and not two.mark("http://a.test/trap")


def test_leases_of_a_killed_worker_go_back_to_the_queue(redis_url: str) -> None:
    killed, alive = _frontier(redis_url, "w1"), _frontier(redis_url, "w2", lease_s=30.0)
    for i in range(3):
        killed.push(_visit(f"http://a.test/{i}"))
    held = [killed.pop(), killed.pop()]
    assert [v.url for v in held if v] == ["http://a.test/0", "http://a.test/1"]
    got = alive.pop()
    assert got is not None and got.url == "http://a.test/2"
    assert alive.pop() is None and not alive.finished()  # w1's leases are live
    killed.stop_renewing()  # what kill -9 does
    time.sleep(1.2)  # its leases expire
    again = [alive.pop(), alive.pop()]
    assert {v.url for v in again if v} == {"http://a.test/0", "http://a.test/1"}
    alive.recorded(["http://a.test/0", "http://a.test/1", "http://a.test/2"])
    assert alive.finished()


def test_a_renewed_lease_is_not_handed_out_again(redis_url: str) -> None:
    one, two = _frontier(redis_url, "w1"), _frontier(redis_url, "w2")
    one.push(_visit("http://a.test/slow"))
    assert one.pop() is not None
    for _ in range(4):
        time.sleep(0.4)
        one.heartbeat()
        assert two.pop() is None
    one.recorded(["http://a.test/slow"])
    assert two.finished()


def test_a_worker_held_up_longer_than_a_lease_keeps_it(redis_url: str) -> None:
    # the reactor never calls heartbeat() here (a slow page, a busy machine): the renewal
    # thread does, so the URL is neither handed to another worker nor fetched twice
    one, two = _frontier(redis_url, "w1"), _frontier(redis_url, "w2")
    one.push(_visit("http://a.test/slow"))
    assert one.pop() is not None
    time.sleep(2.5)  # 2.5 leases
    assert two.pop() is None and not two.finished()
    one.recorded(["http://a.test/slow"])
    assert two.finished()


def test_a_late_worker_cannot_release_the_lease_another_took_over(redis_url: str) -> None:
    late, taker, third = (_frontier(redis_url, w) for w in ("w1", "w2", "w3"))
    late.push(_visit("http://a.test/x"))
    late.push(_visit("http://a.test/y"))
    assert late.pop() is not None
    late.stop_renewing()  # stalled: its lease expires and x goes back to the queue
    time.sleep(1.2)
    got = taker.pop()
    assert got is not None and got.url == "http://a.test/x"
    late.recorded(["http://a.test/x"])  # the stalled worker wakes up and records x
    # the taker's lease on x holds: the crawl is not over while it works on x
    assert third.pop() is not None and third.pop() is None  # y only
    third.recorded(["http://a.test/y"])
    assert not third.finished()
    taker.recorded(["http://a.test/x"])
    assert third.finished()


def test_per_host_slots_hold_across_workers(redis_url: str) -> None:
    one, two = _frontier(redis_url, "w1", per_host=2), _frontier(redis_url, "w2", per_host=2)
    for i in range(4):
        one.push(_visit(f"http://a.test/{i}"))
    assert one.pop() is not None and two.pop() is not None
    two.wait_until = one.wait_until = 0
    assert one.pop() is None  # the host's 2 slots are taken, by two workers
    two.fetched("http://a.test/1")
    one.wait_until = 0
    assert one.pop() is not None  # a slot freed by w2's answer


def test_a_busy_worker_keeps_the_crawl_open(redis_url: str) -> None:
    one, two = _frontier(redis_url, "w1"), _frontier(redis_url, "w2")
    one.heartbeat(busy=True)  # e.g. reading sitemaps: it will queue URLs
    assert not two.finished()
    one.heartbeat(busy=False)
    assert two.finished() and one.finished()  # decided once, for every worker


def test_the_first_worker_keeps_the_crawl_open_until_its_crawler_has_started(
    redis_url: str,
) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    starting(client, "t", "w1", startup_s=30.0)  # what `crawl --frontier` does before its crawler
    joiner = _frontier(redis_url, "w2", lease_s=1.0)
    time.sleep(1.3)  # longer than lease_s: w1's crawler is still importing
    assert not joiner.finished()
    first = _frontier(redis_url, "w1", lease_s=1.0)  # its crawler: start URLs, then a heartbeat
    first.push(_visit("http://a.test/"))
    first.heartbeat(busy=False)
    assert not joiner.finished() and joiner.pop() is not None


def test_fingerprints_are_kept_as_small_integer_sets(redis_url: str) -> None:
    frontier = _frontier(redis_url, "w1", max_pages=5_000)
    client = frontier.client
    for i in range(5_000):
        frontier.mark(f"https://shop.test/p/{i}?colour=red")
    buckets = list(client.scan_iter(match="searchops:crawl:t:fp:*"))
    assert len(buckets) == bucket_count(5_000) == 32
    assert {client.object("encoding", key) for key in buckets} == {"intset"}
    assert sum(client.scard(key) for key in buckets) == 5_000
    assert fingerprint("https://shop.test/") == fingerprint("https://shop.test/")


def test_cli_errors_of_a_shared_crawl_are_one_line(redis_url: str) -> None:
    import subprocess
    import sys
    from pathlib import Path

    searchops = str(Path(sys.executable).parent / "searchops")
    cases = {
        ("--join", "abc", "--frontier", "redis://127.0.0.1:1/0"): "is not reachable",
        ("--join", "abc", "--frontier", "http://x/"): "must be redis://",
        ("--join", "abc", "--frontier", redis_url): "no shared crawl 'abc'",
        ("--join", "abc"): "--join needs --frontier",
    }
    for args, message in cases.items():
        done = subprocess.run(
            [searchops, "crawl", *args], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
        if args[-2] == "--frontier":  # not a usage error: one line
            assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_render_votes_and_samples_are_counted_for_every_worker(redis_url: str) -> None:
    one, two = _frontier(redis_url, "w1"), _frontier(redis_url, "w2")
    assert one.vote("/p/*", True) == [1, 0]
    assert two.vote("/p/*", True) == [2, 0]  # w1's vote counts in w2's decision
    assert one.vote("/p/*", False) == [2, 1] and two.vote("/c/*", False) == [0, 1]
    assert [one.count_render("/p/*"), two.count_render("/p/*")] == [1, 2]


def test_a_hop_takes_the_host_slot_a_popped_page_would(redis_url: str) -> None:
    one, two = _frontier(redis_url, "w1", per_host=1), _frontier(redis_url, "w2", per_host=1)
    one.push(_visit("http://a.test/1"))
    one.push(_visit("http://b.test/1"))
    got = one.pop()
    assert got is not None and got.url == "http://a.test/1"
    one.fetched("http://a.test/1")  # answered 301 -> http://b.test/2
    assert one.take_slot("http://a.test/1", "http://b.test/2") == 0.0
    assert two.take_slot("http://b.test/9", "http://b.test/9") > 0  # b.test's one slot is held
    assert two.pop() is None  # b.test/1 waits too (a.test's slot is free, b.test's is not)
    one.fetched("http://a.test/1")  # the hop answered: b.test's slot is free
    assert two.take_slot("http://b.test/9", "http://b.test/9") == 0.0


def test_a_page_s_links_are_claimed_in_one_round_trip_and_remembered(redis_url: str) -> None:
    one, two = _frontier(redis_url, "w1", max_pages=4), _frontier(redis_url, "w2", max_pages=4)
    links = [_visit(f"http://a.test/{i}") for i in (1, 2, 2, 3)]
    assert one.claim_many(links) == 3 and len(one) == 3
    assert one.claim_many(links) == 0 and "http://a.test/1" in one.known  # no round trip
    assert two.claim_many([_visit("http://a.test/3"), _visit("http://a.test/4")]) == 1
    assert two.claim_many([_visit("http://a.test/5")]) == 0  # the budget of 4 is spent
    assert "http://a.test/5" not in two.known


def test_sitemap_only_urls_are_claimed_once_every_worker_is_idle(redis_url: str) -> None:
    one, two = _frontier(redis_url, "w1"), _frontier(redis_url, "w2")
    one.push(_visit("http://a.test/linked"))
    listed = [Visit(f"http://a.test/{p}", 1, "sitemap", None) for p in ("linked", "only")]
    two.push_sitemap_urls(listed)
    assert not two.finished() and len(two) == 1  # a link is queued: sitemap URLs wait
    got = one.pop()
    assert got is not None and not two.finished() and len(two) == 0  # and while it is held
    one.recorded(["http://a.test/linked"])
    assert not two.finished()  # idle: the sitemap-only URL is claimed and queued, once
    queued = two.pop()
    assert queued is not None and queued.url == "http://a.test/only"
    assert queued.source == "sitemap" and queued.depth == 1
    two.recorded(["http://a.test/only"])
    assert one.finished() and one.claimed == 2


def test_a_sitemap_file_is_queued_once_for_any_worker(redis_url: str) -> None:
    one, two = _frontier(redis_url, "w1"), _frontier(redis_url, "w2")
    assert one.push_file(SITEMAP_FILE, "http://a.test/sitemap.xml", None)
    assert not two.push_file(SITEMAP_FILE, "http://a.test/sitemap.xml", None)
    got = two.pop()
    assert got is not None and got.source == SITEMAP_FILE and one.claimed == 0  # no page
    assert lease_key(got) in two.held and not one.finished()
    two.recorded([lease_key(got)])
    assert one.finished()
