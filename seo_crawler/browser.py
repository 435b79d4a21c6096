"""What the rendering browser may reach, and how much memory it may take.

A crawled page is untrusted, and so are its scripts. Chromium renders them (``crawl --render
auto|always``, ``vitals``), and without a policy a script makes Chromium send requests
wherever it likes: another port or host, a private address, the cloud metadata endpoint, a
POST with whatever the page found. Every request Chromium makes goes through
:class:`BrowserPolicy` (Playwright request interception: scrapy-playwright's
``PLAYWRIGHT_ABORT_REQUEST`` in the crawl, ``context.route`` in vitals) and is aborted when

* its scheme is not http(s) (``data:``/``blob:`` stay: they never reach the network),
* its host is link-local or cloud metadata (the crawler's own SSRF guard,
  :func:`seo_crawler.urls.unsafe_address`),
* it is outside the crawl's scope: host *and port* (:meth:`seo_crawler.urls.Scope.internal`),
* it is not a GET/HEAD and goes to another origin than the page's.

What is blocked is recorded per page (``pages.browser_blocked``, audit rule SEO-LINKS-030)
and counted (``crawl.json`` stats ``browser_blocked``). Service workers are blocked (their
requests would bypass interception). Known limit: Playwright routes only the first request
of a redirect chain, so a redirect's target never reaches the policy: behind it, Chromium's
own resolver is fenced to the scope's hosts (:meth:`BrowserPolicy.host_fence`,
``--host-resolver-rules``): any other host name or address (IP literals included) fails to
resolve, whether a redirect, a WebSocket or anything else asks for it. The fence is per host;
ports are the interception's to judge.

Memory: V8's heap is capped (``--js-flags=--max-old-space-size``) and :class:`RendererWatchdog`
kills any Chromium process whose RSS passes ``[render] max_renderer_mb`` (typed arrays live
outside the V8 heap); the page then fails to render and is recorded as such.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

import psutil

from seo_crawler.config import RenderConfig
from seo_crawler.urls import Scope, host_of, site_of, unsafe_address

log = logging.getLogger(__name__)

_NO_NETWORK = ("data:", "blob:", "about:")
_SAFE_METHODS = frozenset({"GET", "HEAD"})
MAX_RECORDED_PER_PAGE = 20  # blocked requests listed per page (all are counted)


def _origin(url: str) -> str:
    scheme = url.split(":", 1)[0].lower()
    return f"{scheme}://{site_of(url)}"


class BrowserPolicy:
    """Decides each browser request; remembers what it blocked, per page URL."""

    def __init__(self, scope: Scope, skip_resource_types: frozenset[str] = frozenset()):
        self.scope = scope
        self.skip_resource_types = skip_resource_types
        self.blocked: dict[str, list[str]] = {}
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, Any]) -> BrowserPolicy:
        # Scrapy deep-copies its settings for each crawler: the spider (which reads what was
        # blocked) and scrapy-playwright's handler (which blocks) must share this one object.
        return self

    def verdict(self, method: str, url: str, page_url: str | None) -> str | None:
        """Why the request must not be sent, or None."""
        if url.startswith(_NO_NETWORK):
            return None
        if not url.startswith(("http://", "https://")):
            return "scheme"
        if unsafe_address(host_of(url)):
            return "unsafe-address"
        if not self.scope.internal(url):
            return "out-of-scope"
        if (
            method.upper() not in _SAFE_METHODS
            and page_url
            and page_url.startswith(("http://", "https://"))
            and _origin(url) != _origin(page_url)
        ):
            return "cross-origin-" + method.lower()
        return None

    def host_fence(self) -> str:
        """A Chromium switch under which only the scope's hosts resolve (every other name or
        address is NOTFOUND): what interception cannot see, redirect targets and WebSockets
        among them, still cannot leave the scope's hosts."""
        names = sorted({host_of(f"http://{site}/") for site in self.scope.hosts} - {""})
        excluded = "".join(f", EXCLUDE {name}" for name in names)
        return f"--host-resolver-rules=MAP * ~NOTFOUND{excluded}"

    def record(self, page_url: str, method: str, url: str, reason: str) -> None:
        with self._lock:
            self.counts[reason] += 1
            listed = self.blocked.setdefault(page_url, [])
            if len(listed) < MAX_RECORDED_PER_PAGE:
                listed.append(f"{reason}: {method.upper()} {url[:300]}")

    def take(self, page_url: str) -> list[str]:
        """What was blocked on ``page_url`` (forgotten once taken)."""
        with self._lock:
            return self.blocked.pop(page_url, [])

    def total(self) -> int:
        return sum(self.counts.values())

    def __call__(self, request: Any) -> bool:
        """``PLAYWRIGHT_ABORT_REQUEST``: True aborts ``request`` (a Playwright Request)."""
        page_url = _page_url(request)
        reason = self.verdict(request.method, request.url, page_url)
        if reason is not None:
            self.record(page_url or request.url, request.method, request.url, reason)
            return True
        # Not a policy matter: heavy resources the extracted DOM does not need.
        return bool(request.resource_type in self.skip_resource_types)

    async def route(self, route: Any) -> None:
        """A ``context.route("**/*", ...)`` handler (vitals)."""
        if self(route.request):
            await route.abort("blockedbyclient")
        else:
            await route.fallback()


def _page_url(request: Any) -> str | None:
    """The URL of the page that made ``request`` (None for a worker's or a navigation's)."""
    try:
        if request.is_navigation_request() and request.frame.parent_frame is None:
            return None  # the page itself: checked by the spider before it was queued
        return str(request.frame.page.url)
    except Exception:  # a service worker's request has no frame
        return None


def chromium_args(render: RenderConfig) -> list[str]:
    """``[render] chromium_args`` with V8's heap capped at ``[render] js_heap_mb``."""
    return [*render.chromium_args, f"--js-flags=--max-old-space-size={render.js_heap_mb}"]


class RendererWatchdog:
    """Kills the Chromium renderer that takes too much memory.

    Every ``interval_s``, the Chromium processes under ``root`` (this process by default)
    are measured: one over ``process_mb``, or the largest renderer when all of them together
    pass ``total_mb``, is killed. A page's script can allocate without end, and V8's heap cap
    does not cover typed arrays and other external memory. The killed renderer's page fails
    ("Target crashed") and is recorded as a render failure; the browser and the crawl go on.
    """

    def __init__(
        self, process_mb: int, total_mb: int, interval_s: float = 0.05, root: int | None = None
    ):
        self.process_limit = process_mb << 20
        self.total_limit = total_mb << 20
        self.interval = interval_s
        self.root = psutil.Process(root)
        self.killed: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="renderer-watchdog", daemon=True)

    def start(self) -> RendererWatchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        tick = 0
        while not self._stop.wait(self.interval):
            tick += 1
            try:
                children = self.root.children(recursive=True)
            except psutil.Error:
                return
            renderers: list[tuple[int, psutil.Process]] = []
            chromium: list[psutil.Process] = []
            for child in children:
                try:
                    if "chrom" not in child.name().lower():
                        continue
                    chromium.append(child)
                    if "--type=renderer" in child.cmdline():
                        renderers.append((child.memory_info().rss, child))
                except psutil.Error:
                    continue
            over = [(rss, p) for rss, p in renderers if rss > self.process_limit]
            # RSS counts the libraries every Chromium process shares once per process: the
            # total is judged on PSS (shared pages split between their users), read less often.
            if not over and renderers and tick % 4 == 0 and _pss(chromium) > self.total_limit:
                over = [max(renderers, key=lambda r: r[0])]
            for rss, process in over:
                self._kill(process, rss)

    def _kill(self, process: psutil.Process, rss: int) -> None:
        try:
            process.kill()
        except psutil.Error:
            return
        self.killed.append(f"pid {process.pid} at {rss >> 20} MB")
        log.warning("killed a Chromium process at %d MB of RSS (a page's memory)", rss >> 20)


def _pss(processes: list[psutil.Process]) -> int:
    total = 0
    for process in processes:
        try:
            total += process.memory_full_info().pss
        except (psutil.Error, AttributeError):
            continue
    return total
