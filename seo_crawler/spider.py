"""The catalog spider: breadth-first from start URLs and sitemaps, recording every URL it meets.

Callbacks return lists, not generators: for generator callbacks Scrapy parses the
callback's source with ``ast`` to warn about ``return`` values, and its cache misses
for requests restored from the disk queue, which cost ~3 ms per page.

Decisions (each visible in the record):

* scope, traps and unsafe addresses are judged *before* scheduling
  (:mod:`seo_crawler.urls`); trap and unsafe URLs get a row and are not fetched;
* redirects are followed here, hop by hop, so the chain keeps every status and
  loops are caught (Scrapy's RedirectMiddleware is off);
* breadth-first: priority = -depth and FIFO queues; sitemap-only URLs are released
  when the link frontier is empty, so link-reachable pages get their click depth;
* every page is fetched raw first, as Google crawls before it renders; it is then rendered
  when ``--render always`` says so, when ``--render auto`` finds its raw HTML has scripts but
  no ``<h1>`` and no JSON-LD (or little text) or its URL template needed it
  ``template_min_pages`` times, or as one of ``--render-sample`` N pages of its template. The
  rendered row keeps what the raw HTML said (``raw_*`` columns): rules compare the two;
* the frontier is ``frontier.jsonl`` on disk (:mod:`seo_crawler.frontier`), released to
  Scrapy a few requests at a time: every URL taken into the crawl is a flushed line there
  (durable across ``kill -9``) and the queue is a read position in it, so a resume re-queues
  exactly the scheduled-but-unrecorded URLs and waiting URLs cost no memory.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, DownloadCancelledError
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import task
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from seo_crawler import layout, redis_frontier, store
from seo_crawler.browser import BrowserPolicy
from seo_crawler.config import CrawlConfig, RenderConfig
from seo_crawler.extract import PageFacts, header_facts
from seo_crawler.extract_pool import ExtractPool, worker_count
from seo_crawler.frontier import Frontier, LineQueue, UrlSet
from seo_crawler.middlewares import REFUSED_NAMES
from seo_crawler.pipelines import LEASE, RECORD
from seo_crawler.redis_frontier import RedisFrontier
from seo_crawler.robots import RobotsTxt
from seo_crawler.sitemaps import parse_sitemap
from seo_crawler.urls import Scope, host_of, page_template, site_of, template_of, unsafe_address
from seo_crawler.visit import VISIT, Visit

log = logging.getLogger(__name__)

# Google follows up to 10 redirect hops (developers.google.com/search/docs/crawling-indexing/http-network-errors).
MAX_REDIRECTS = 10
RAW_PAGE = "searchops_raw_page"  # meta of a render request: the raw page's (row, links)
SITEMAP_RELEASE = 1000  # sitemap-only URLs judged and queued per idle round
TICK_S = 0.2  # a shared crawl's worker: how often it feeds itself from Redis when idle
SITEMAP_SLOT = "searchops-sitemaps"  # download slot of sitemap files (concurrency 1: process.py)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_ALTERNATES = ("canonical", "hreflang")
_FOLLOWED = {
    "a": "link",
    "canonical": "canonical",
    "hreflang": "hreflang",
}  # link kind -> discovered_from  # discovered_from of URLs [crawl] fetch_alternates fetches


def _now() -> datetime:
    return datetime.now(UTC)


def _redirects(response: Response) -> bool:
    return 300 <= response.status < 400 and b"Location" in response.headers


def _content_type(response: Response) -> str:
    value = response.headers.get(b"Content-Type") or b""
    return value.decode("latin-1").split(";")[0].strip().lower()


def _is_html(response: Response) -> bool:
    content_type = _content_type(response)
    return content_type in _HTML_TYPES or (
        not content_type and b"<html" in response.body[:1024].lower()
    )


def _incomplete(response: Response, html: bool) -> str | None:
    """Why the body is not the whole document, or None.

    Scrapy flags a body that ended before its Content-Length ("dataloss"); a Content-Length
    *shorter* than the page cannot be seen on the wire (the client stops reading there), so
    an HTML document that opens ``<html`` but has neither ``</body`` nor ``</html`` in its
    last bytes is taken as cut short (HTML may omit both tags; real pages hardly ever do).
    """
    body = response.body
    if "dataloss" in response.flags:
        return f"body ended after {len(body)} bytes, before its Content-Length"
    if html and b"<html" in body[:2048].lower():
        tail = body[-2048:].lower()
        if b"</html" not in tail and b"</body" not in tail:
            declared = (response.headers.get(b"Content-Length") or b"?").decode("latin-1")
            return (
                f"HTML ends before </body></html> after {len(body)} bytes "
                f"(Content-Length {declared}): cut short"
            )
    return None


_RAW_LINKS = 1000  # raw_links kept per page: enough to tell which links JavaScript adds


def _raw_columns(
    record: dict[str, Any], links: list[dict[str, Any]], needs_render: bool | None
) -> dict[str, Any]:
    """The raw HTML's facts a rendered page's row keeps (``raw_*`` and ``needs_render``)."""
    targets = dict.fromkeys(link["target"] for link in links if link["kind"] == "a")
    return {
        "needs_render": needs_render,
        "raw_title": record["title"],
        "raw_meta_description": record["meta_description"],
        "raw_meta_robots": record["meta_robots"],
        "raw_canonical": record["canonical"],
        "raw_h1": record["h1"],
        "raw_links": list(targets)[:_RAW_LINKS],
        "raw_product_markup": record["product_markup"],
        "raw_price_shown": record["price_shown"],
        "raw_availability_shown": record["availability_shown"],
        "raw_description_shown": record["description_shown"],
        "raw_word_count": record["word_count"],
    }


def _memo_normalize(scope: Scope) -> Callable[[str], str | None]:
    """``scope.normalize`` remembered for one sitemap file; None for a URL no parser accepts
    (recorded as written, never queued: it would fail the whole file's callback)."""
    known: dict[str, str | None] = {}

    def clean(url: str) -> str | None:
        if url not in known:
            try:
                known[url] = scope.normalize(url)
            except ValueError:
                known[url] = None
        return known[url]

    return clean


class CatalogSpider(scrapy.Spider):
    name = "searchops"

    def __init__(self, spec: dict[str, Any], **kwargs: Any):
        super().__init__(**kwargs)
        self.spec = spec
        self.run = Path(spec["run"])
        self.config = CrawlConfig.model_validate(spec["crawl"])
        self.render_config = RenderConfig.model_validate(spec["render_config"])
        self.render_mode: str = spec["render"]
        # False when --render auto found no Chromium: shells are recorded (needs_render), not rendered
        self.renders: bool = spec.get("renders", self.render_mode != "never")
        self.max_pages: int = spec["max_pages"]
        self.max_depth: int = spec["max_depth"]
        self.start_urls_given: list[str] = spec["start_urls"]
        self.sitemap_urls: list[str] = spec["sitemaps"]
        self.scope = Scope.build(self.config, self.start_urls_given + self.sitemap_urls)
        self.start_urls_given = [self.scope.normalize(u) for u in self.start_urls_given]
        # Remembered: an out-of-scope link (cart, search, excluded paths) is on every page
        # and never joins ``seen``, so it was judged again each time (regexes, query parse).
        self.allows = lru_cache(maxsize=20_000)(self.scope.allows)  # ~3 MB at most
        # every URL met in scope: claimed, trap or unsafe
        self.seen: UrlSet | RedisFrontier = UrlSet()
        self.sitemaps_seen: set[str] = set()
        # A worker of a shared crawl (--frontier redis://): the frontier and seen-set in Redis
        self.shared: dict[str, Any] | None = spec.get("shared")
        worker = self.shared["worker"] if self.shared else ""
        # sitemap-only URLs, judged and queued when the link frontier runs dry
        self.sitemap_pending = LineQueue(
            self.run / layout.worker_file(layout.SITEMAP_QUEUE, worker)
        )
        self.feed = 2 * self.config.concurrency  # requests handed to Scrapy's scheduler at a time
        self.templates: dict[str, list[int]] = {}  # template -> [pages needing JS, pages not]
        self.render_sample: int = spec.get("render_sample", 0)
        self.sample_templates: dict[str, str] = spec.get("sample_templates", {})
        self.rendered_per_template: dict[str, int] = {}  # vitals template -> pages rendered
        self.frontier: Frontier | RedisFrontier
        if self.shared:
            self.frontier = RedisFrontier(
                redis_frontier.connect(self.shared["frontier"]),
                self.shared["crawl_id"],
                worker,
                max_pages=self.max_pages,
                lease_s=self.config.lease_s,
                per_host=self.config.concurrency_per_host,
                delay_s=self.config.host_delay_s,
            )
            self.seen = self.frontier
            # A popped URL holds a host slot for every worker: take no more than this worker
            # downloads at once, or it would sit on slots other workers could use.
            self.feed = self.config.concurrency
            self.ticker: task.LoopingCall | None = None
            self.ticks = 0
        else:
            self.frontier = Frontier(self.run / layout.FRONTIER)
        self.extractor = ExtractPool(worker_count(self.config.extract_workers))
        self.renders_started = 0
        self.frontier_counted = 0.0  # monotonic: when the queue's length was last counted
        self.slot_waiters = 0  # a shared crawl's hops and renders waiting for their host's slot
        self.browser_policy: BrowserPolicy | None = None  # set by from_crawler when rendering

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> CatalogSpider:
        spider = super().from_crawler(
            crawler, *args, spec=crawler.settings.getdict("SEARCHOPS_SPEC"), **kwargs
        )
        policy = crawler.settings.get("PLAYWRIGHT_ABORT_REQUEST")
        spider.browser_policy = policy if isinstance(policy, BrowserPolicy) else None
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.closed_frontier, signal=signals.spider_closed)
        return spider

    # ------------------------------------------------------------------ start and resume
    async def start(self) -> AsyncIterator[Request]:
        if self.shared:
            self.ticker = task.LoopingCall(self._tick)
            self.ticker.start(TICK_S, now=False)
            if self.shared.get("join"):  # the starting worker schedules the start URLs
                return
        if self.spec.get("resume"):
            self._resume()
        for url in self.start_urls_given:
            self._schedule(url, depth=0, source="start", referrer=None)
        for request in self._release():
            yield request
        robots_hosts = {(urlsplit(u).scheme, urlsplit(u).netloc) for u in self.start_urls_given}
        for url in self.sitemap_urls:
            sitemap = self._sitemap_request(url, parent=None)
            if sitemap is not None:
                yield sitemap
        if self.config.sitemaps_from_robots:
            for scheme, netloc in sorted(robots_hosts):
                robots = self._sitemap_request(f"{scheme}://{netloc}/robots.txt", parent=None)
                if robots is not None:
                    yield robots

    def _tick(self) -> None:
        """A shared crawl's worker: heartbeat (leases renewed, busy while it has work of its
        own) and feeding the downloader while Scrapy is idle (its idle signal comes every 5 s)."""
        assert isinstance(self.frontier, RedisFrontier)
        self.ticks += 1
        if self.ticks % max(1, int(self.frontier.lease_ms / 3000 / TICK_S)) == 0:
            self.frontier.heartbeat(busy=self._busy())
        engine = self.crawler.engine
        if engine is None or not engine.running:
            return
        released = 0
        for request in self._release():
            engine.crawl(request)
            released += 1
        if (
            not released
            and not len(self.sitemap_pending)
            and engine.spider_is_idle()
            and self.frontier.finished()
        ):
            # Scrapy asks its idle handlers every 5 s only: the crawl's end is noticed here
            if self.ticker is not None:
                self.ticker.stop()
            deferred_from_coro(engine.close_spider_async(reason="finished"))

    def _busy(self) -> bool:
        """Work this worker holds outside the shared queue (sitemaps, start requests)."""
        engine = self.crawler.engine
        return bool(len(self.sitemap_pending)) or (
            engine is not None and not engine.spider_is_idle()
        )

    def _resume(self) -> None:
        if isinstance(self.frontier, Frontier):  # a shared frontier outlives its workers
            recorded = UrlSet(store.column_values(self.run, "pages", "url"))
            seen = self.frontier.resume(recorded)
            seen.update(recorded)
            self.seen = seen
        self.crawler.stats.set_value("searchops/scheduled", self.frontier.claimed)

    def _request(self, visit: Visit, url: str) -> Request:
        """The one way a page request is made: a visit's first fetch (``url`` is
        ``visit.url``), a redirect hop or a render retry.

        Redirects and HTTP errors come back to :meth:`parse` (the spider records each hop
        and every status itself); the spider dedupes URLs before they reach Scrapy, so
        Scrapy's filter is bypassed for the hops and retries of one URL.
        """
        meta: dict[str, Any] = {VISIT: visit, "handle_httpstatus_all": True, "dont_redirect": True}
        if visit.render:
            meta["playwright"] = True
            # One page per browser context (process.py), taken in turn.
            self.renders_started += 1
            meta["playwright_context"] = (
                f"render-{self.renders_started % self.render_config.max_pages_open}"
            )
            meta["playwright_page_goto_kwargs"] = {"wait_until": self.render_config.wait_until}
        return Request(
            url,
            callback=self.parse,
            errback=self.failed,
            meta=meta,
            priority=-visit.depth,
            dont_filter=True,
        )

    def _render_reason(
        self, url: str, template_needs_js: bool, needs_render: bool | None
    ) -> str | None:
        """Why a page fetched raw is rendered next (its render_reason), or None."""
        if not self.renders:
            return None
        reason = None
        if self.render_mode == "always":
            reason = "always"
        elif self.render_mode == "auto" and template_needs_js:
            reason = "template-needs-js"
        elif self.render_mode == "auto" and needs_render:
            reason = "page-needs-js"
        template = page_template(url, self.sample_templates) if self.render_sample else ""
        done = self.rendered_per_template.get(template, 0)
        if isinstance(self.frontier, RedisFrontier):
            # counted for every worker: --render-sample N pages of a template in all
            if reason is not None or (self.render_sample and done < self.render_sample):
                done = self.rendered_per_template[template] = self.frontier.count_render(template)
                if reason is None and done <= self.render_sample:
                    reason = "sample"
            return reason
        if reason is None and self.render_sample and done < self.render_sample:
            reason = "sample"
        if reason is not None:
            self.rendered_per_template[template] = done + 1
        return reason

    def _template_needs_js(self, url: str) -> bool:
        """``--render auto``: ``template_min_pages`` pages of this URL template needed JS, and
        most of its pages did."""
        needs, fine = self.templates.get(template_of(url), (0, 0))
        return needs >= self.render_config.template_min_pages and needs > fine

    def _schedule(self, url: str, depth: int, source: str, referrer: str | None) -> None:
        """Queue ``url`` if it is new, in scope and within depth and budget.

        Beyond ``max_depth``, canonical targets and hreflang alternates are still fetched
        (``[crawl] fetch_alternates``), as pages whose links are not followed: hreflang and
        canonical rules judge the whole set a crawled page names. Trap and unsafe URLs are
        recorded (a row, not fetched) through the item path.
        """
        visit = self._visit(url, depth, source, referrer)
        if visit is not None:
            self._claim(url, visit)

    def _visit(self, url: str, depth: int, source: str, referrer: str | None) -> Visit | None:
        """The visit of ``url`` found at ``depth``, or None when the depth rules it out."""
        if depth <= self.max_depth:
            return Visit(url, depth, source, referrer)
        if self.config.fetch_alternates and source in _ALTERNATES:
            return Visit(url, depth, source, referrer, follow=False)
        return None

    def _release(self) -> Iterator[Request]:
        """Requests from the spider's own frontier, just enough to keep the downloader busy.

        The frontier hands out visits in discovery order (breadth-first) from its file: no
        Request object waits in memory or is pickled to a disk queue, so memory stays flat
        and no per-request serialization is paid.
        """
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        waiting = len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0
        active = len(engine.downloader.active) if engine is not None else 0
        room = self.feed - waiting - active
        if self.slot_waiters:  # a hop or render of a page in hand goes first (_take_slots)
            room = 0
        while room > 0:
            visit = self.frontier.pop()
            if visit is None:
                break
            room -= 1
            if visit.source in (redis_frontier.SITEMAP_FILE, redis_frontier.ROBOTS_FILE):
                assert isinstance(self.frontier, RedisFrontier)
                lease = redis_frontier.lease_key(visit)
                request = self._sitemap_request(visit.url, visit.referrer, lease=lease)
                if request is None:
                    self.frontier.recorded([lease])
                else:
                    yield request
                continue
            yield self._request(visit, visit.url)
        now = time.monotonic()
        shared = isinstance(self.frontier, RedisFrontier)
        if not shared or now - self.frontier_counted >= 0.5:  # in Redis: a round trip
            self.frontier_counted = now
            queued = len(self.frontier) + len(self.sitemap_pending)
            self.crawler.stats.set_value("searchops/frontier", queued)

    def _claim(self, url: str, visit: Visit | None = None) -> bool:
        """Whether ``url`` is taken into the crawl (new, in scope, within the budget); it is
        then queued (``visit``) or the caller records it at once (``visit`` None).
        A shared frontier decides in one atomic step for every worker."""
        if isinstance(self.frontier, RedisFrontier):
            if not self.allows(url) or not self.frontier.claim(visit, url):
                return False
            self.crawler.stats.inc_value("searchops/scheduled")
            return True
        seen = self.seen
        assert isinstance(seen, UrlSet)
        if url in seen or self.frontier.claimed >= self.max_pages or not self.allows(url):
            return False
        seen.add(url)
        self.crawler.stats.set_value("searchops/scheduled", self.frontier.claimed + 1)
        if visit is not None:
            self.frontier.push(visit)
        return True

    def _unfetched(
        self, url: str, depth: int, source: str, referrer: str | None
    ) -> dict[str, Any] | None:
        """A row for an in-scope URL that must not be fetched (trap, unsafe), or None.

        A shared crawl records it again in each worker that meets it (the writer keeps one a
        worker, finalization one in all): marked seen in Redis, a row that a killed worker
        had not committed would be lost."""
        shared = isinstance(self.seen, RedisFrontier)
        if (not shared and url in self.seen) or not self.allows(url):
            return None
        if unsafe_address(host_of(url)):
            state, trap, error = "blocked_unsafe", None, "link-local or cloud-metadata address"
        else:
            trap = self.scope.trap(url)
            if trap is None:
                return None
            state, error = "trap", None
        if not isinstance(self.seen, RedisFrontier):
            self.seen.add(url)
        visit = Visit(url, depth, source, referrer)
        return self._row(visit, url, None, state, trap=trap, error=error)

    def _follow(self, targets: list[tuple[str, str]], depth: int, referrer: str) -> Iterator[Any]:
        shared = isinstance(self.frontier, RedisFrontier)
        batch: list[Visit] = []
        for url, source in targets:
            row = self._unfetched(url, depth, source, referrer)
            if row is not None:
                yield {"page": row, "links": []}
            elif not shared:
                self._schedule(url, depth, source, referrer)
            elif (visit := self._visit(url, depth, source, referrer)) and self.allows(url):
                batch.append(visit)
        if batch:  # a shared crawl claims a page's links in one round trip
            assert isinstance(self.frontier, RedisFrontier)
            self.crawler.stats.inc_value("searchops/scheduled", self.frontier.claim_many(batch))

    # ------------------------------------------------------------------ records
    def _row(
        self, visit: Visit, final_url: str, status: int | None, state: str, **extra: Any
    ) -> dict[str, Any]:
        row: dict[str, Any] = {
            "url": visit.url,
            "final_url": final_url,
            "status": status,
            "fetch_state": state,
            "redirect_chain": list(visit.chain),
            "redirect_loop": state == "redirect_loop",
            "depth": visit.depth,
            "truncated": False,
            "rendered": False,
            "fetched_at": _now(),
            "discovered_from": visit.source,
            "referrer": visit.referrer,
            "in_sitemap": False,
            "sitemaps": [],
        }
        row.update(extra)
        return row

    # ------------------------------------------------------------------ pages
    async def parse(self, response: Response) -> list[Any]:
        if isinstance(self.frontier, RedisFrontier):
            self.frontier.fetched(response.meta[VISIT].url)  # the host's global slot is free
            # and the downloader has room: the next page is fetched while this one is parsed
            # (after the parse, a worker held one fetch fewer than its cap for each page's
            # extraction: ~a third of its throughput at 100 ms pages)
            for request in self._release():
                self.crawler.engine.crawl(request)
        facts = None
        try:
            if (
                not _redirects(response)
                and _is_html(response)
                and isinstance(response, TextResponse)
            ):
                facts = await self.extractor.extract(
                    response.url,
                    response.body,
                    response.headers,
                    internal_hosts=self.scope.hosts,
                    text=response.text,
                    encoding=response.encoding,
                )
            rows = list(self._page(response, facts))
        except Exception as exc:  # a page that breaks extraction is recorded, never dropped
            log.warning("extraction failed on %s", response.url, exc_info=True)
            rows = [self._extraction_failed(response, exc)]
        if isinstance(self.frontier, RedisFrontier):
            await self._take_slots(rows)
        return [*rows, *self._release()]

    async def _take_slots(self, rows: list[Any]) -> None:
        """A shared crawl: a redirect hop or a render of this page is one more fetch of its host,
        made once the host's global slot and delay allow it, as for a page from the queue."""
        from twisted.internet import reactor  # the one Scrapy installed (never at import)

        assert isinstance(self.frontier, RedisFrontier)
        for request in rows:
            if not isinstance(request, Request) or VISIT not in request.meta:
                continue
            url = request.meta[VISIT].url
            self.slot_waiters += 1  # this worker pops nothing meanwhile: its freed slots are ours
            try:
                while (wait := self.frontier.take_slot(url, request.url)) > 0:
                    await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))
            finally:
                self.slot_waiters -= 1

    def _extraction_failed(self, response: Response, exc: Exception) -> dict[str, Any]:
        visit: Visit = response.meta[VISIT]
        row = self._row(
            visit, response.url, response.status, "error",
            content_type=_content_type(response) or None, bytes=len(response.body),
            error=f"extraction failed: {type(exc).__name__}: {str(exc)[:300]}",
        )  # fmt: skip
        return {"page": row, "links": list(visit.hop_links)}

    def _page(self, response: Response, facts: PageFacts | None) -> Iterator[Any]:
        """The rows and requests of one response; ``facts``: its extraction (None when it is
        not an HTML page)."""
        visit: Visit = response.meta[VISIT]
        if _redirects(response):
            yield from self._redirect(response, visit)
            return
        url, depth = visit.url, visit.depth
        content_type = _content_type(response)
        row = self._row(
            visit,
            response.url,
            response.status,
            "fetched",
            content_type=content_type or None,
            response_ms=round(response.meta.get("download_latency", 0.0) * 1000, 2),
            bytes=len(response.body),
            rendered=bool(visit.render),
            render_reason=visit.render,
        )
        if visit.render and self.browser_policy is not None:
            row["browser_blocked"] = self.browser_policy.take(response.url) or None
        incomplete = _incomplete(response, facts is not None)
        if incomplete:
            row.update(truncated=True, error=f"truncated: {incomplete}")
        hop_links = list(visit.hop_links)
        if facts is None:
            columns, header_links = header_facts(
                response.url, response.headers, internal_hosts=self.scope.hosts
            )
            row.update(columns)
            yield {"page": row, "links": hop_links + header_links}
            if visit.follow and 200 <= response.status < 300:
                yield from self._follow(self._targets(header_links), depth + 1, url)
            return
        record = facts.record
        if visit.render is None:
            template_needs_js = self._template_needs_js(response.url)
            needs_render = self._needs_render(response, visit, record, facts.scripts)
            reason = (
                self._render_reason(response.url, template_needs_js, needs_render)
                if 200 <= response.status < 300  # Google may not render non-200 pages
                else None
            )
            row.update(record)
            row["needs_render"] = needs_render
            if reason is not None:
                raw = _raw_columns(record, facts.links, needs_render)
                request = self._request(replace(visit, render=reason, raw=raw), response.url)
                # Kept until the render answers: when it fails (a script that never ends, a
                # renderer killed for its memory), the raw page is recorded instead of nothing.
                if incomplete:
                    row["error"] = f"truncated: {incomplete}"
                request.meta[RAW_PAGE] = (row, hop_links + facts.links)
                yield request
                return
        else:
            row.update(record)
            row.update(visit.raw or {})
        if incomplete:
            row["error"] = f"truncated: {incomplete}"  # not the extraction's own word
        # Children are claimed (written to the durable frontier) before the row is handed to
        # the writer: a committed row then always implies its children are known on resume.
        follow: list[Any] = []
        if visit.chain and self._claim(response.url):
            self.frontier.log_recorded(response.url, depth, "redirect", url)
            # The end of a chain is a URL of its own (audits judge links/canonicals to it):
            # recorded from the same response, without a second fetch.
            target_row = {
                **row,
                "url": response.url,
                "redirect_chain": [],
                "discovered_from": "redirect",
                "referrer": url,
            }
            follow.append({"page": target_row, "links": []})
        # Like Google: links of error pages are recorded, not followed.
        if visit.follow and 200 <= response.status < 300:
            follow.extend(self._follow(self._targets(facts.links), depth + 1, url))
        yield {"page": row, "links": hop_links + facts.links}
        yield from follow

    def _targets(self, links: list[dict[str, Any]]) -> list[tuple[str, str]]:
        """(URL, discovered_from) of the links to follow."""
        follow_nofollow = self.config.follow_nofollow
        targets = []
        for link in links:
            kind = link["kind"]
            if kind not in _FOLLOWED or (link["nofollow"] and not follow_nofollow):
                continue
            target = self._fetchable(link["target"], kind)
            if target is not None:
                targets.append((target, _FOLLOWED[kind]))
        return targets

    def _fetchable(self, target: str, kind: str) -> str | None:
        """The URL to fetch for a link target, or None when no URL parser accepts it.

        Anchors arrive normalized (extraction skips unparsable ones); canonical and hreflang
        targets are recorded as written when unparsable (``http://host:PORT/``), so they are
        checked here: Scrapy would raise on them, losing the page's row.
        """
        if kind == "a" and not ("?" in target and self.scope.strip_params):
            return target
        try:
            return self.scope.normalize(target)
        except ValueError:
            return None

    def _needs_render(
        self, response: Response, visit: Visit, record: dict[str, Any], scripts: int
    ) -> bool | None:
        """Raw HTML with scripts but without an <h1> or much text (and its template's vote);
        None when not judged: an error page."""
        if response.status >= 400:
            return None
        # A shell: scripts, no <h1>, and no JSON-LD or hardly any text. A page merely missing
        # its h1 (JSON-LD and text present) is a defect to record, not a reason to render.
        lacking = (
            scripts > 0
            and not record["h1"]
            and (
                record["jsonld_blocks"] == 0 or record["word_count"] < self.render_config.min_words
            )
        )
        template = template_of(response.url)
        if isinstance(self.frontier, RedisFrontier) and self.renders and self.render_mode == "auto":
            # every worker's votes (only --render auto reads them)
            self.templates[template] = self.frontier.vote(template, lacking)
            return lacking
        votes = self.templates.setdefault(template, [0, 0])
        votes[0 if lacking else 1] += 1
        return lacking

    def _redirect(self, response: Response, visit: Visit) -> Iterator[Any]:
        location = (response.headers.get(b"Location") or b"").decode("latin-1")
        target = self.scope.normalize(urljoin(response.url, location))
        link = {
            "source": response.url, "target": target, "kind": "redirect", "anchor": str(response.status),
            "nofollow": False, "region": "header", "internal": self.scope.internal(target),
        }  # fmt: skip
        hop = replace(
            visit,
            chain=(*visit.chain, {"url": response.url, "status": response.status}),
            hop_links=(*visit.hop_links, link),
        )
        state, error = "error", None
        if target in {h["url"] for h in hop.chain}:
            state, error = "redirect_loop", "redirect loop"
        elif len(hop.chain) >= MAX_REDIRECTS:
            error = f"more than {MAX_REDIRECTS} redirects"
        elif unsafe_address(host_of(target)):
            state, error = "blocked_unsafe", "redirect to a link-local or cloud-metadata address"
        elif not self.allows(target):
            state = "redirect_out_of_scope"
        else:
            yield self._request(hop, target)
            return
        row = self._row(hop, target, response.status, state, error=error)
        yield {"page": row, "links": list(hop.hop_links)}

    def failed(self, failure: Failure) -> list[Any]:
        return [*self._failed(failure), *self._release()]

    def _failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        request: Request = failure.request  # type: ignore[attr-defined]
        visit: Visit = request.meta[VISIT]
        if isinstance(self.frontier, RedisFrontier):
            self.frontier.fetched(visit.url)
        blocked = request.meta.get("blocked")
        error: str | None = (
            f"{failure.type.__name__ if failure.type else 'Error'}: {str(failure.value)[:300]}"
        )
        message = error or ""
        truncated = False
        if blocked == "robots":
            # A rule: no error. A robots.txt that answered 5xx: why nothing is fetched. One that
            # gave no answer at all (DNS, connection, timeout): the URL could not be fetched,
            # an error like the fetch itself would have met.
            error = request.meta.get("blocked_reason")
            state = "error" if request.meta.get("robots_unreachable") else "blocked_robots"
        elif blocked == "unsafe" or "UnsafeAddressError" in message:
            state = "blocked_unsafe"
        elif (host := host_of(request.url)) in REFUSED_NAMES:
            state = "blocked_unsafe"
            error = f"{host} resolves to unsafe address {REFUSED_NAMES[host]}"
        elif (
            failure.check(DownloadCancelledError, CancelledError)
            or "max size" in message
            or "DOWNLOAD_MAXSIZE" in message
        ):
            state, truncated = "too_large", True
        else:
            state = "error"
        if visit.render and state == "error":
            error = f"render failed: {error}"
            raw = request.meta.get(RAW_PAGE)
            if raw is not None:
                yield from self._raw_instead(visit, raw, error, request.url)
                return
        row = self._row(
            visit, request.url, None, state,
            error=error, truncated=truncated, rendered=False, render_reason=visit.render,
            needs_render=visit.render == "page-needs-js" or None,
        )  # fmt: skip
        if visit.render and self.browser_policy is not None:
            row["browser_blocked"] = self.browser_policy.take(request.url) or None
        yield {"page": row, "links": list(visit.hop_links)}

    def _raw_instead(
        self, visit: Visit, raw: tuple[dict[str, Any], list[dict[str, Any]]], error: str, url: str
    ) -> Iterator[dict[str, Any]]:
        """The raw page of a failed render (every render follows a raw fetch): recorded as
        fetched, with the render's error, and followed as the raw page would have been."""
        row, links = raw
        row = {**row, "error": error, "rendered": False, "render_reason": visit.render}
        if self.browser_policy is not None:
            row["browser_blocked"] = self.browser_policy.take(url) or None
        follow: list[dict[str, Any]] = []
        if visit.follow and 200 <= (row.get("status") or 0) < 300:
            follow.extend(self._follow(self._targets(links), visit.depth + 1, visit.url))
        yield {"page": row, "links": links}
        yield from follow

    # ------------------------------------------------------------------ sitemaps
    def _sitemap_request(
        self, url: str, parent: str | None, lease: str | None = None
    ) -> Request | None:
        """The request of a sitemap (or of a robots.txt naming sitemaps), once per crawl.

        A shared crawl queues it in Redis for any worker instead (None here); ``lease``: the
        worker that popped it, whose lease is released once its rows are committed."""
        try:
            url = self.scope.normalize(url)
        except ValueError:  # no URL parser takes it (http://host:PORT/): nothing to fetch
            return None
        if unsafe_address(host_of(url)):
            return None
        robots = url.endswith("/robots.txt")
        if lease is None and isinstance(self.frontier, RedisFrontier):
            kind = redis_frontier.ROBOTS_FILE if robots else redis_frontier.SITEMAP_FILE
            self.frontier.push_file(kind, url, parent)
            return None
        if lease is None:
            if url in self.sitemaps_seen:
                return None
            self.sitemaps_seen.add(url)
        if robots:
            return Request(
                url,
                callback=self.parse_robots,
                errback=self.sitemap_failed,
                meta={"dont_obey_robotstxt": True, "handle_httpstatus_all": True, LEASE: lease},
                priority=10,
            )
        return Request(
            url,
            callback=self.parse_sitemap,
            errback=self.sitemap_failed,
            # One sitemap at a time (a download slot of concurrency 1): each is up to 50 MB
            # inflated plus its parsed tree, and an index lists hundreds of them.
            meta={
                "parent": parent,
                LEASE: lease,
                "handle_httpstatus_all": True,
                "dont_redirect": True,
                "download_slot": SITEMAP_SLOT,
                # the protocol's 50 MB, not the 15 MB page cap (also caps gzip inflation)
                "download_maxsize": self.config.sitemap_max_bytes,
                "download_warnsize": self.config.sitemap_max_bytes,
            },
            priority=10,
            dont_filter=True,
        )

    def parse_robots(self, response: Response) -> list[Request]:
        requests = list(self._parse_robots(response))
        self._file_done(response.meta.get(LEASE))
        return requests

    def _file_done(self, lease: str | None) -> None:
        """A shared crawl's robots.txt is read (the sitemaps it names are queued in Redis): its
        lease is released."""
        if lease is not None and isinstance(self.frontier, RedisFrontier):
            self.frontier.recorded([lease])

    def _parse_robots(self, response: Response) -> Iterator[Request]:
        """The sitemaps robots.txt names. Relative ``Sitemap:`` values are resolved against
        robots.txt; others that are no http(s) URL (``javascript:``) are skipped, one line
        never costing the others (robots.parquet's issues report both kinds)."""
        if response.status != 200:
            return
        robots = RobotsTxt.parse(response.body, max_bytes=self.config.robots_max_bytes)
        for url in robots.sitemap_urls(response.url)[0]:
            if not (self.scope.internal(url) or site_of(url) == site_of(response.url)):
                continue  # another site's sitemap: outside the crawl's scope, as for indexes
            request = self._sitemap_request(url, parent=None)
            if request is not None:
                yield request

    def parse_sitemap(self, response: Response) -> list[Any]:
        lease = response.meta.get(LEASE)
        if lease is not None and isinstance(self.frontier, RedisFrontier):
            self.frontier.fetched(lease)  # the host's slot is free; leased until recorded
        return [*self._parse_sitemap(response, lease), *self._release()]

    def _parse_sitemap(self, response: Response, lease: str | None) -> Iterator[Any]:
        parent = response.meta.get("parent")
        if response.status != 200:
            yield self._sitemap_row(
                response.url, parent, "invalid", response.status, 0, 0, f"HTTP {response.status}",
                lease=lease,
            )  # fmt: skip
            return
        parsed = parse_sitemap(response.body, self.config.sitemap_max_bytes)
        count = len(parsed.urls) if parsed.kind == "urlset" else len(parsed.children)
        rows = []
        # Only while the budget lasts: once it is spent, idle() drops what waits anyway.
        queue = self.frontier.claimed < self.max_pages
        listed: set[str] = set()
        shared = isinstance(self.frontier, RedisFrontier)
        visits: list[Visit] = []  # a shared crawl's sitemap-only URLs, for Redis
        clean = _memo_normalize(self.scope)  # alternates repeat the other entries' <loc>s
        for entry in parsed.urls:
            written = str(entry["loc"])
            loc = clean(written)
            # an alternate without href or hreflang is kept for SEO-SITEMAP-010
            alternates = [
                {
                    "lang": a["lang"],
                    "href": (clean(a["href"]) or a["href"]) if a["href"] else a["href"],
                    "source": "sitemap",
                }
                for a in entry["alternates"]  # type: ignore[attr-defined]
            ]
            rows.append(
                {
                    "sitemap": response.url,
                    "loc": loc or written,
                    "lastmod": entry["lastmod"],
                    "changefreq": entry["changefreq"],
                    "priority": entry["priority"],
                    "loc_markup": entry["loc_markup"],
                    "alternates": alternates,
                    "images": entry["images"],
                    "image_count": entry["image_count"],
                    "videos": entry["videos"],
                    "video_count": entry["video_count"],
                }
            )
            if not queue:
                continue
            hrefs = (clean(a["href"]) for a in alternates if a["href"] and a["lang"])
            for candidate in (loc, *hrefs):
                if not candidate or candidate in listed:
                    continue
                listed.add(candidate)
                if not shared:
                    if candidate not in self.seen:
                        self.sitemap_pending.append(candidate)  # judged when released (idle)
                    continue
                # Shared: judged now; traps recorded by this worker, the rest kept in Redis
                # until every worker is idle (a URL seen by then is not fetched again).
                trap = self._unfetched(candidate, 1, "sitemap", None)
                if trap is not None:
                    yield {"page": trap, "links": []}
                elif self.max_depth >= 1 and self.allows(candidate):
                    visits.append(Visit(candidate, 1, "sitemap", None))
        if visits:
            assert isinstance(self.frontier, RedisFrontier)
            self.frontier.push_sitemap_urls(visits)
        yield self._sitemap_row(
            response.url,
            parent,
            parsed.kind,
            response.status,
            count,
            parsed.bytes_uncompressed,
            parsed.error,
            rows,
            namespace=parsed.namespace,
            issues=parsed.issues,
            lease=lease,
        )
        for child in parsed.children:
            if self.scope.internal(child) or site_of(child) == site_of(response.url):
                request = self._sitemap_request(child, parent=response.url)
                if request is not None:
                    yield request

    def _sitemap_row(
        self,
        url: str,
        parent: str | None,
        kind: str,
        status: int | None,
        count: int,
        size: int,
        error: str | None,
        urls: list[dict[str, Any]] | None = None,
        *,
        namespace: str | None = None,
        issues: list[str] | None = None,
        lease: str | None = None,
    ) -> dict[str, Any]:
        return {
            LEASE: lease,  # a shared crawl's: released once this row is committed
            "sitemap": {
                "sitemap": url,
                "parent": parent,
                "kind": kind,
                "status": status,
                "url_count": count,
                "bytes_uncompressed": size,
                "error": error,
                "namespace": namespace,
                "structure_issues": issues or [],
            },
            "sitemap_urls": urls or [],
        }

    def sitemap_failed(self, failure: Failure) -> list[dict[str, Any]]:
        return list(self._sitemap_failed(failure))

    def _sitemap_failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        request: Request = failure.request  # type: ignore[attr-defined]
        lease = request.meta.get(LEASE)
        if lease is not None and isinstance(self.frontier, RedisFrontier):
            self.frontier.fetched(lease)
        if request.callback == self.parse_robots:
            self._file_done(lease)
            return
        error = f"{failure.type.__name__ if failure.type else 'Error'}: {str(failure.value)[:300]}"
        if request.meta.get("blocked") == "robots":
            error = "blocked by robots.txt"
        elif "max size" in error or "DOWNLOAD_MAXSIZE" in error:
            limit = self.config.sitemap_max_bytes
            error = f"larger than {limit} bytes (the sitemaps.org limit, uncompressed): not read"
        yield self._sitemap_row(
            request.url, request.meta.get("parent"), "invalid", None, 0, 0, error, lease=lease
        )

    def idle(self, spider: scrapy.Spider) -> None:
        """Feed the downloader from the frontier; once it is empty, release sitemap-only URLs."""
        if self.frontier.claimed >= self.max_pages:
            self.sitemap_pending.clear()  # budget spent: nothing more will be fetched
        while not self.frontier and self.sitemap_pending:
            # until something is queued: an idle round that raises DontCloseSpider without
            # queuing anything waits for Scrapy's 5 s heartbeat
            for _ in range(min(SITEMAP_RELEASE, len(self.sitemap_pending))):
                url = self.sitemap_pending.popleft()
                row = self._unfetched(url, 1, "sitemap", None)
                if row is not None:
                    self.crawler.signals.send_catch_log(
                        signal=RECORD, item={"page": row, "links": []}
                    )
                else:
                    self._schedule(url, 1, "sitemap", None)
        released = 0
        for request in self._release():
            self.crawler.engine.crawl(request)
            released += 1
        if released:
            raise DontCloseSpider
        if isinstance(self.frontier, RedisFrontier):
            # Idle here, but other workers may still add URLs: closed once the whole crawl is
            # done (empty queue, no lease held, no live worker busy).
            self.frontier.heartbeat(busy=bool(len(self.sitemap_pending)))
            if not self.frontier.finished():
                raise DontCloseSpider

    def closed_frontier(self, spider: scrapy.Spider, reason: str) -> None:
        if self.shared and self.ticker is not None and self.ticker.running:
            self.ticker.stop()
        self.extractor.close()
        self.frontier.close()
        self.sitemap_pending.close()
