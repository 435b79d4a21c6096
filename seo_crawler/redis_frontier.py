"""The crawl frontier in Redis: one crawl shared by any number of worker processes on any
number of machines (``searchops crawl --frontier redis://HOST:PORT/DB``).

It has :class:`seo_crawler.frontier.Frontier`'s interface (push, log_recorded, pop, claimed,
resume, close) plus what sharing needs. Keys live under ``searchops:crawl:<ID>:``:

* ``spec``: the crawl spec as JSON (a joining worker reads the crawl from here);
* ``fp:<n>``: the seen-set. Each URL is a 64-bit fingerprint (the first 8 bytes of its
  BLAKE2b digest, as a signed integer) kept in one of ``buckets`` small sets. A Redis set
  of integers up to ``set-max-intset-entries`` (512 by default) is an *intset*, a sorted
  array of 8-byte integers: with buckets sized for ~256 fingerprints each, a URL costs
  ~9-10 bytes of Redis memory (a set of 40-character SHA1 strings, scrapy-redis's
  dupefilter, costs ~88). Exact up to a 64-bit collision (odds ~3e-6 at 10 million URLs);
  never a Bloom filter, whose false positives are pages silently never audited;
* ``queue``: a list of JSON visits (breadth-first order, FIFO); ``claimed``: URLs taken in;
* ``leases``: a sorted set of the visits handed to a worker, scored by their expiry (each
  member is the queue entry, a newline and the pop's own token: a worker whose lease expired
  and was handed to another can neither renew nor release the new holder's lease). A
  worker renews its leases while it holds them and releases one only once the URL's row is
  in a *committed* part file, so a worker killed with ``kill -9`` loses nothing: its leases
  expire and go back to the queue (a second fetch after a lost lease; the run folder's
  finalization keeps one row per URL);
* ``slots:<host>`` / ``next:<host>``: politeness across workers: fetches in flight on a
  host (each a token with an expiry) are capped at ``concurrency_per_host`` for the whole
  crawl, and ``host_delay_s`` spaces the fetches of one host whichever worker makes them;
* ``workers``: each worker's heartbeat (expiry) and ``busy:<worker>``: a worker with
  work of its own (sitemaps, start URLs) keeps the crawl open; ``finished``: set once,
  atomically, when the queue is empty, no lease is held and no live worker is busy.

Claiming (seen-check, budget, add, queue) and popping (expired leases back to the queue,
host slot, lease) are Lua scripts: atomic in Redis, whatever the number of workers.

Why not scrapy-redis: its scheduler and queues serialize Scrapy ``Request`` objects
through Scrapy's scheduler, but this spider does not keep its frontier in Scrapy's
scheduler (it feeds Scrapy a few requests at a time from its own frontier, which carries
visits, not requests: :mod:`seo_crawler.spider`); its dupefilter is the 40-character SHA1
set above; and its queues have no leases (a popped request of a killed worker is lost).
So the frontier is these few Redis structures through redis-py, behind the interface the
spider already uses.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import redis

from searchops.errors import SearchopsError
from seo_crawler.visit import Visit

SITEMAP_RELEASE = 1000  # sitemap-only URLs claimed a round, once every worker is idle
KNOWN = 50_000  # URLs a worker remembers as seen (no round trip for a site's menu links)
SITEMAP_FILE, ROBOTS_FILE = "sitemap-file", "robots-file"  # queue entries that are no page
PER_BUCKET = 256  # fingerprints a bucket is sized for: well under Redis's 512 intset entries
MAX_BUCKETS = 1 << 22

# KEYS: fp bucket, queue, claimed. ARGV: fingerprint, entry (empty: record, no queue), budget.
_CLAIM = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[3]) then return -1 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[3])
if ARGV[2] ~= '' then redis.call('RPUSH', KEYS[2], ARGV[2]) end
return 1
"""

# KEYS: fp bucket. ARGV: fingerprint. Seen without a claim (trap and unsafe rows): 1 if new.
_MARK = "return redis.call('SADD', KEYS[1], ARGV[1])"

# Expired leases back to the front of the queue. KEYS: queue, leases.
_REQUEUE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000)
for i = #expired, 1, -1 do
  redis.call('ZREM', KEYS[2], expired[i])
  redis.call('LPUSH', KEYS[1], string.match(expired[i], '^[^\\n]*'))
end
return now
"""

# One fetch of a host, if its global slots and delay allow it now: a slot token with an expiry
# in ``slots``, the host's next due time in ``nextkey``. Returns 0 (taken) or ms to wait.
_TAKE_SLOT = """
redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
if redis.call('ZCARD', slots) >= tonumber(cap) then return 20 end
local due = tonumber(redis.call('GET', nextkey) or '0')
if due > now then return due - now end
redis.call('ZADD', slots, now + tonumber(lease), token)
redis.call('PEXPIRE', slots, tonumber(lease) * 2)
if tonumber(delay) > 0 then
  redis.call('SET', nextkey, now + tonumber(delay), 'PX', tonumber(delay) + 1000)
end
return 0
"""

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# A redirect hop or a render of a page already handed out: the host's slot for one more fetch.
# KEYS: slots, next. ARGV: lease ms, per-host cap, delay ms, slot token.
_SLOT = (
    _NOW
    + "local slots, nextkey = KEYS[1], KEYS[2]\n"
    + "local lease, cap, delay, token = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
    + _TAKE_SLOT
)

# KEYS: queue, leases, prefix of slots/next keys. ARGV: lease ms, per-host cap, delay ms,
# slot token. Returns {entry, wait_ms}: entry false when nothing may be handed out now.
_POP = (
    "local now = (function()\n"
    + _REQUEUE.replace("return now", "return now end)()")
    + """
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return {false, 0} end
local host = cjson.decode(head)['h'] or ''
local wait = (function()
local slots, nextkey = KEYS[3] .. 'slots:' .. host, KEYS[3] .. 'next:' .. host
local lease, cap, delay, token = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
"""
    + _TAKE_SLOT
    + """end)()
if wait > 0 then return {false, wait} end
redis.call('LPOP', KEYS[1])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), head .. '\\n' .. ARGV[4])
return {head, 0}
"""
)

# KEYS: queue, leases, workers, finished, prefix. ARGV: this worker. 1 when the crawl is done.
_FINISH = (
    "local now = (function()\n"
    + _REQUEUE.replace("return now", "return now end)()")
    + """
if redis.call('EXISTS', KEYS[4]) == 1 then return 1 end
if redis.call('LLEN', KEYS[1]) > 0 or redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
local workers = redis.call('HGETALL', KEYS[3])
for i = 1, #workers, 2 do
  if tonumber(workers[i + 1]) > now and workers[i] ~= ARGV[1]
     and redis.call('EXISTS', KEYS[5] .. 'busy:' .. workers[i]) == 1 then
    return 0
  end
end
-- Idle everywhere: sitemap-only URLs are claimed now (as one process releases them when its
-- link frontier is empty, so that link-reachable pages keep their click depth), in one step:
-- none is lost whoever dies. Up to ARGV[3] queued a call.
local queued, scanned = 0, 0
while queued < tonumber(ARGV[3]) and scanned < 20 * tonumber(ARGV[3]) do
  if tonumber(redis.call('GET', KEYS[7]) or '0') >= tonumber(ARGV[2]) then
    redis.call('DEL', KEYS[6])
    break
  end
  local raw = redis.call('LPOP', KEYS[6])
  if not raw then break end
  scanned = scanned + 1
  local e = cjson.decode(raw)
  local bucket = KEYS[5] .. 'fp:' .. e['b']
  if redis.call('SISMEMBER', bucket, e['p']) == 0 then
    redis.call('SADD', bucket, e['p'])
    redis.call('INCR', KEYS[7])
    redis.call('RPUSH', KEYS[1], e['e'])
    queued = queued + 1
  end
end
if queued > 0 or redis.call('LLEN', KEYS[6]) > 0 then return 0 end
redis.call('SET', KEYS[4], now)
return 1
"""
)


def fingerprint(url: str) -> int:
    """A URL's 64-bit fingerprint as a signed integer (Redis stores it in an intset)."""
    return int.from_bytes(
        hashlib.blake2b(url.encode("utf-8"), digest_size=8).digest(), "big", signed=True
    )


def bucket_count(max_pages: int) -> int:
    """Buckets for a crawl of ``max_pages``: a power of two, ~PER_BUCKET fingerprints each."""
    return min(MAX_BUCKETS, 1 << max(0, math.ceil(math.log2(max(1, max_pages) / PER_BUCKET))))


def connect(url: str) -> redis.Redis:
    """A client for ``redis://HOST:PORT/DB``, or a one-line error when it cannot be reached."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise SearchopsError(f"--frontier must be redis://HOST:PORT/DB, not {url!r}")
    try:
        client = redis.Redis.from_url(
            url, socket_timeout=30, socket_connect_timeout=10, decode_responses=True
        )
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise SearchopsError(f"Redis at {url} is not reachable: {exc}") from None
    return client


def key_prefix(crawl_id: str) -> str:
    return f"searchops:crawl:{crawl_id}:"


def store_spec(client: redis.Redis, crawl_id: str, spec_json: str) -> None:
    if not client.set(key_prefix(crawl_id) + "spec", spec_json, nx=True):
        raise SearchopsError(f"crawl id {crawl_id} already exists in this Redis database")


def load_spec(client: redis.Redis, crawl_id: str) -> dict[str, Any]:
    raw = client.get(key_prefix(crawl_id) + "spec")
    if raw is None:
        raise SearchopsError(f"no shared crawl {crawl_id!r} in this Redis database")
    data: dict[str, Any] = json.loads(raw)
    return data


def starting(client: redis.Redis, crawl_id: str, worker: str, startup_s: float) -> None:
    """The first worker is alive and busy for ``startup_s`` (until its crawler's first
    heartbeat): a worker joining at once must not find an empty queue and call the crawl done.
    Long enough for a slow start (if it dies before, the crawl ends that much later). Alive as
    long as busy: a busy mark counts only while its worker is alive, and with the heartbeat's
    ``lease_s`` only, a crawler slower than that to start (imports on a loaded machine) let the
    joiners call the crawl done, empty."""
    prefix = key_prefix(crawl_id)
    startup_ms = int(startup_s * 1000)
    client.set(f"{prefix}busy:{worker}", 1, px=startup_ms)
    client.hset(f"{prefix}workers", worker, int(time.time() * 1000) + startup_ms)


def new_crawl_id() -> str:
    return uuid.uuid4().hex[:12]


class RedisFrontier:
    """One worker's view of a shared crawl's frontier (see the module docstring)."""

    def __init__(
        self,
        client: redis.Redis,
        crawl_id: str,
        worker: str,
        *,
        max_pages: int,
        lease_s: float = 60.0,
        per_host: int = 16,
        delay_s: float = 0.0,
    ):
        self.client = client
        self.prefix = key_prefix(crawl_id)
        self.worker = worker
        self.max_pages = max_pages
        self.buckets = bucket_count(max_pages)
        self.lease_ms = max(1000, int(lease_s * 1000))
        self.per_host = per_host
        self.delay_ms = int(delay_s * 1000)
        self.queue, self.leases = self.prefix + "queue", self.prefix + "leases"
        self._claim = client.register_script(_CLAIM)
        self._mark = client.register_script(_MARK)
        self._pop = client.register_script(_POP)
        self._slot = client.register_script(_SLOT)
        self._finish = client.register_script(_FINISH)
        self.held: dict[str, str] = {}  # URL -> its lease (the queue entry), until recorded
        self.slots: dict[str, tuple[str, str]] = {}  # URL -> (host slots key, token)
        self.wait_until = 0.0  # monotonic: politeness says no pop before then
        self.busy: bool | None = None  # None: not said yet (the starter's start-up mark holds)
        self.known: set[str] = set()  # URLs known seen (see claim_many)
        self.heartbeat(busy=None)  # the starting worker stays busy until its first tick
        # Leases and the heartbeat are renewed by a thread of their own: a crawler whose
        # reactor is held up (a slow extraction, a machine busy with other work) for longer
        # than a lease is alive, and must neither lose its leases to another worker (a
        # second fetch) nor be taken for dead by the finalizer (whose merge would miss its
        # last parts). Only kill -9 (or a lost machine) lets them expire.
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._renew, name="lease-renewal", daemon=True)
        self._beat.start()

    # ------------------------------------------------------------------ the seen-set
    def _bucket(self, fp: int) -> str:
        return f"{self.prefix}fp:{fp % self.buckets}"

    def __contains__(self, url: object) -> bool:
        fp = fingerprint(str(url))
        return bool(self.client.sismember(self._bucket(fp), str(fp)))

    def mark(self, url: str) -> bool:
        """Take ``url`` as seen without claiming it (a trap row): True if no worker had."""
        fp = fingerprint(url)
        return bool(self._mark(keys=[self._bucket(fp)], args=[fp]))

    # ------------------------------------------------------------------ Frontier's interface
    @property
    def claimed(self) -> int:
        return int(self.client.get(self.prefix + "claimed") or 0)

    def __len__(self) -> int:
        return int(self.client.llen(self.queue))

    def resume(self, recorded: set[str]) -> set[str]:
        """Nothing to rebuild: the frontier outlives every worker in Redis."""
        return set()

    def claim_many(self, visits: list[Visit]) -> int:
        """:meth:`claim` of each visit in one round trip (a page's links); how many were new.
        URLs this worker knows are seen (claimed here or found seen before) cost nothing:
        a catalog's menu and footer links are on every page."""
        fresh = [v for v in dict((v.url, v) for v in visits).values() if v.url not in self.known]
        if not fresh:
            return 0
        pipe = self.client.pipeline(transaction=False)
        for visit in fresh:
            fp = fingerprint(visit.url)
            keys = [self._bucket(fp), self.queue, self.prefix + "claimed"]
            self._claim(keys=keys, args=[fp, _entry(visit), self.max_pages], client=pipe)
        new = 0
        for visit, result in zip(fresh, pipe.execute(), strict=True):
            if int(result) >= 0:  # claimed now or seen before: seen for good
                self._know(visit.url)
            new += int(result) == 1
        return new

    def _know(self, url: str) -> None:
        if len(self.known) >= KNOWN:
            self.known.clear()  # flat memory; forgetting costs a round trip, never a fetch
        self.known.add(url)

    def push_file(self, kind: str, url: str, parent: str | None) -> bool:
        """A sitemap (or a robots.txt naming sitemaps) to read, queued for any worker, once
        per crawl; leased like a page and released when its rows are committed."""
        fp = fingerprint(f"{kind}\t{url}")
        entry = _entry(Visit(url, 0, kind, parent))
        keys = [self._bucket(fp), self.queue, self.prefix + "files"]
        return int(self._claim(keys=keys, args=[fp, entry, 1 << 50])) == 1

    def push_sitemap_urls(self, visits: list[Visit]) -> None:
        """Sitemap-only URLs (judged in scope, no trap): kept in Redis, claimed by
        :meth:`finished` once every worker is idle, so any worker fetches them and none is
        lost with the worker that read the sitemap."""
        pipe = self.client.pipeline(transaction=False)
        for start in range(0, len(visits), 1000):
            entries = []
            for visit in visits[start : start + 1000]:
                fp = fingerprint(visit.url)
                entry = {"b": fp % self.buckets, "p": str(fp), "e": _entry(visit)}
                entries.append(json.dumps(entry, separators=(",", ":")))
            pipe.rpush(self.prefix + "sitemap", *entries)
        pipe.execute()

    def claim(self, visit: Visit | None, url: str) -> bool:
        """Atomically: ``url`` new and within the budget, then seen and queued (``visit``)
        or recorded without a fetch (``visit`` None). False when seen or over budget."""
        fp = fingerprint(url)
        entry = "" if visit is None else _entry(visit)
        keys = [self._bucket(fp), self.queue, self.prefix + "claimed"]
        return int(self._claim(keys=keys, args=[fp, entry, self.max_pages])) == 1

    def push(self, visit: Visit) -> None:
        self.claim(visit, visit.url)

    def log_recorded(self, url: str, depth: int, source: str, referrer: str | None) -> None:
        """Claimed by :meth:`claim` already (a shared seen-set has no separate log)."""

    def pop(self) -> Visit | None:
        """The oldest queued visit, leased to this worker, or None (empty, or the host's
        global slots or delay say wait)."""
        if time.monotonic() < self.wait_until:
            return None
        token = f"{self.worker}:{uuid.uuid4().hex[:8]}"
        entry, wait_ms = self._pop(
            keys=[self.queue, self.leases, self.prefix],
            args=[self.lease_ms, self.per_host, self.delay_ms, token],
        )
        if not entry:
            self.wait_until = time.monotonic() + int(wait_ms) / 1000
            return None
        text = str(entry)
        data = json.loads(text)
        visit = Visit(data["u"], data["d"], data["f"], data["r"], follow=not data.get("n"))
        self.held[lease_key(visit)] = f"{text}\n{token}"  # the lease's member (see _POP)
        self.slots[lease_key(visit)] = (f"{self.prefix}slots:{data.get('h', '')}", token)
        return visit

    def fetched(self, url: str) -> None:
        """The first answer for ``url`` (a :func:`lease_key`) arrived: its host slot is free for
        any worker."""
        slot = self.slots.pop(url, None)
        if slot is not None:
            self.client.zrem(*slot)
            self.wait_until = 0.0  # a slot this worker freed: the next pop may take it at once

    def take_slot(self, url: str, fetch_url: str) -> float:
        """One more fetch for ``url`` (already handed out) at ``fetch_url``: a redirect hop or a
        render. Takes ``fetch_url``'s host slot for every worker, as :meth:`pop` does, and
        returns 0.0; or the seconds to wait before asking again (the host's slots are taken or
        its delay has not passed)."""
        host = urlsplit(fetch_url).netloc.lower()
        key = f"{self.prefix}slots:{host}"
        token = f"{self.worker}:{uuid.uuid4().hex[:8]}"
        wait_ms = int(
            self._slot(
                keys=[key, f"{self.prefix}next:{host}"],
                args=[self.lease_ms, self.per_host, self.delay_ms, token],
            )
        )
        if wait_ms > 0:
            return wait_ms / 1000
        self.slots[url] = (key, token)
        return 0.0

    # ------------------------------------------------------------------ --render auto, shared
    def vote(self, template: str, needs_js: bool) -> list[int]:
        """A page of ``template`` needed JavaScript (or not): every worker's votes together,
        [needing JS, not], this one included (a hash in Redis, so that each worker decides a
        template's rendering on the whole crawl's pages, as one process would)."""
        key = self.prefix + "votes"
        pipe = self.client.pipeline(transaction=True)
        pipe.hincrby(key, f"{template}\t{'needs' if needs_js else 'fine'}", 1)
        pipe.hmget(key, f"{template}\tneeds", f"{template}\tfine")
        _, counts = pipe.execute()
        return [int(n or 0) for n in counts]

    def count_render(self, template: str) -> int:
        """One more page of ``template`` rendered (``--render-sample``): how many now, in every
        worker together."""
        return int(self.client.hincrby(self.prefix + "rendered", template, 1))

    def recorded(self, urls: list[str]) -> None:
        """These URLs' rows (:func:`lease_key`) are in a committed part: their leases are
        released."""
        entries = [self.held.pop(url) for url in urls if url in self.held]
        for url in urls:
            self.fetched(url)
        if entries:
            self.client.zrem(self.leases, *entries)

    def heartbeat(self, busy: bool | None = False) -> None:
        """This worker is alive (its leases renewed); ``busy``: it has work of its own
        (None: as it was)."""
        expiry = int(time.time() * 1000) + self.lease_ms
        pipe = self.client.pipeline(transaction=False)
        pipe.hset(self.prefix + "workers", self.worker, expiry)
        # copies: the renewal thread reads these while the reactor changes them
        leases, slots = list(self.held.values()), list(self.slots.values())
        if leases:
            pipe.zadd(self.leases, dict.fromkeys(leases, expiry), xx=True)
        for key, token in slots:
            pipe.zadd(key, {token: expiry}, xx=True)
        if busy is not None:
            self.busy = busy
        busy_key = self.prefix + f"busy:{self.worker}"
        if self.busy:
            pipe.set(busy_key, 1, px=self.lease_ms)
        elif self.busy is not None:
            pipe.delete(busy_key)
        pipe.execute()

    def _renew(self) -> None:
        while not self._stop.wait(self.lease_ms / 4000):
            try:
                self.heartbeat(busy=None)
            except redis.RedisError:  # Redis away for a moment: the next beat retries
                continue

    def finished(self) -> bool:
        """Whether the crawl is over (decided once, for every worker)."""
        keys = [
            self.queue,
            self.leases,
            self.prefix + "workers",
            self.prefix + "finished",
            self.prefix,
            self.prefix + "sitemap",
            self.prefix + "claimed",
        ]
        args: list[str | int] = [self.worker, self.max_pages, SITEMAP_RELEASE]
        return int(self._finish(keys=keys, args=args)) == 1

    def stop_renewing(self) -> None:
        """No more heartbeats or lease renewals (closing; or, in tests, what kill -9 does)."""
        self._stop.set()
        self._beat.join(timeout=5)

    def close(self) -> None:
        self.stop_renewing()
        self.client.hset(self.prefix + "workers", self.worker, 0)
        self.client.delete(self.prefix + f"busy:{self.worker}")


def lease_key(visit: Visit) -> str:
    """What a worker's leases and slots are keyed by: a page's URL; a sitemap or robots.txt
    file's kind and URL (a page could be listed as a sitemap too)."""
    if visit.source in (SITEMAP_FILE, ROBOTS_FILE):
        return f"{visit.source}\t{visit.url}"
    return visit.url


def _entry(visit: Visit) -> str:
    entry: dict[str, Any] = {
        "u": visit.url,
        "d": visit.depth,
        "f": visit.source,
        "r": visit.referrer,
        "h": urlsplit(visit.url).netloc.lower(),
    }
    if not visit.follow:
        entry["n"] = 1
    return json.dumps(entry, separators=(",", ":"))
