"""Measuring pages in Chromium: one isolated browser context per measurement.

Each measurement opens a fresh context (no cache, cookies or service workers
shared with another load), throttles it per the profile, loads the page, waits
until it is quiet (no long task and no request in flight for ``quiet_ms``),
reads what the in-page observer recorded, optionally clicks ``interact`` for
INP, and closes the page before its context. Up to ``concurrency`` loads are in
flight, but only ``loading_concurrency`` of them in a timed phase at once (see
``_measure_once``), so concurrency buys throughput without skewing paint times.
Failures are recorded on the row and retried; they never stop the batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from seo_crawler.browser import BrowserPolicy, RendererWatchdog
from seo_crawler.config import RenderConfig, VitalsConfig, VitalsProfile
from seo_crawler.vitals import metrics
from seo_crawler.vitals.observer import COLLECT_JS, CPU_IDLE_JS, OBSERVER_JS
from seo_crawler.vitals.profiles import apply_throttling, context_options

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One load of one URL."""

    url: str
    template: str
    run_index: int


class _NetworkTracker:
    """Requests in flight, bytes, request counts and the document's time to first byte,
    from the page's CDP Network events.

    TTFB comes from here rather than Navigation Timing because DevTools throttling
    delays the response after the network stack timed it: ``responseStart`` would
    leave the emulated latency out, the CDP event timestamps include it.
    """

    def __init__(self) -> None:
        self.inflight: set[str] = set()
        self.requests = 0
        self.bytes = 0
        self.last_activity = asyncio.get_running_loop().time()
        self._document: str | None = None
        self._document_sent: float | None = None
        self.ttfb_ms: float | None = None

    def _touch(self) -> None:
        self.last_activity = asyncio.get_running_loop().time()

    def attach(self, cdp: Any) -> None:
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)
        cdp.on("Network.responseReceived", self._response)

    def _sent(self, params: dict[str, Any]) -> None:
        self.requests += 1  # redirects reuse the request id: each hop counts, as in Lighthouse
        self.inflight.add(params["requestId"])
        # The first navigation request is the page (requestId == loaderId); its first
        # hop starts the clock, so redirects count towards TTFB as in web-vitals.
        if self._document is None and params["requestId"] == params.get("loaderId"):
            self._document, self._document_sent = params["requestId"], params["timestamp"]
        self._touch()

    def _response(self, params: dict[str, Any]) -> None:
        if params["requestId"] == self._document and self._document_sent is not None:
            self.ttfb_ms = (params["timestamp"] - self._document_sent) * 1000

    def _finished(self, params: dict[str, Any]) -> None:
        self.bytes += int(params.get("encodedDataLength") or 0)
        self.inflight.discard(params["requestId"])
        self._touch()

    def _failed(self, params: dict[str, Any]) -> None:
        self.inflight.discard(params["requestId"])
        self._touch()

    def idle_ms(self) -> float:
        if self.inflight:
            return 0.0
        return (asyncio.get_running_loop().time() - self.last_activity) * 1000


async def _wait_quiet(page: Page, network: _NetworkTracker, settings: VitalsConfig) -> None:
    """Until ``quiet_ms`` without long tasks and requests, or ``max_quiet_wait_ms``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.max_quiet_wait_ms / 1000
    while True:
        cpu_idle = float(await page.evaluate(CPU_IDLE_JS))
        missing = settings.quiet_ms - min(cpu_idle, network.idle_ms())
        if missing <= 0 or loop.time() >= deadline:
            return
        await asyncio.sleep(max(missing, 50) / 1000)


async def _interact(
    page: Page, selector: str, settings: VitalsConfig, document: str
) -> dict[str, Any] | None:
    """Click ``selector`` like a user and wait for the interaction's Event Timing
    entries; returns what the observer recorded by then on ``document`` (None when
    the selector is not on the page, or the click navigated away and took the
    entries with it)."""
    target = page.locator(selector).first
    try:
        if await target.count() == 0:
            return None
        await page.evaluate("() => { window.__searchopsVitals.inputAt = performance.now(); }")
        await target.click(timeout=settings.navigation_timeout_ms)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.interaction_wait_ms / 1000
        seen = 0
        while loop.time() < deadline:
            count = int(await page.evaluate("() => window.__searchopsVitals.events.length"))
            # Entries arrive after the next paint; one more short wait collects the
            # click that follows pointerup in the same interaction.
            if count and count == seen:
                break
            seen = count
            await asyncio.sleep(0.1)
        after: dict[str, Any] | None = await page.evaluate(COLLECT_JS)
    except PlaywrightError:
        if page.is_closed():
            raise  # the tab crashed: the load failed
        return None  # the click navigated: no INP, the load metrics stand
    return after if after and after["doc"] == document else None


def _shift_sources(shifts: list[dict[str, Any]], input_at: float | None) -> list[dict[str, Any]]:
    """Distinct sources of the shifts CLS counts, largest shift first."""
    seen: dict[str, dict[str, Any]] = {}
    for shift in sorted(shifts, key=lambda s: -s["value"]):
        if shift.get("input") and input_at is not None and shift["time"] >= input_at:
            continue
        for source in shift["sources"]:
            key = source.get("selector") or ""
            if key and key not in seen:
                seen[key] = {"selector": key, "unsized_image": source.get("unsized_image")}
    return list(seen.values())


async def _measure_once(
    browser: Browser,
    url: str,
    profile: VitalsProfile,
    settings: VitalsConfig,
    interact: str | None,
    loading: asyncio.Semaphore,
    policy: BrowserPolicy | None = None,
) -> dict[str, Any]:
    # Phases that measure time (a renderer starting and the page loading, the
    # interaction) or burn CPU (tearing a renderer down) hold the `loading` slot:
    # on a small machine they would slow the paints of another page being measured.
    # Waiting for quiet, mostly idle, overlaps freely.
    context: BrowserContext | None = None
    page: Page | None = None
    try:
        async with loading:
            context = await browser.new_context(**context_options(profile))
            if policy is not None:  # every request the page makes: scope and safety policy
                await context.route("**/*", policy.route)
            await context.add_init_script(OBSERVER_JS)
            page = await context.new_page()
            cdp = await context.new_cdp_session(page)
            network = _NetworkTracker()
            network.attach(cdp)
            await cdp.send("Network.enable")
            await apply_throttling(cdp, profile, settings)
            response = await page.goto(
                url, wait_until="load", timeout=settings.navigation_timeout_ms
            )
        await _wait_quiet(page, network, settings)
        raw = await page.evaluate(COLLECT_JS)
        after = None
        if interact and raw:
            async with loading:
                after = await _interact(page, interact, settings, raw["doc"])
        return _row(raw, after, response.status if response else None, network)
    finally:
        async with loading:
            try:
                if page is not None:
                    await page.close()  # the page first, then its context
            finally:
                if context is not None:
                    await context.close()


def _row(
    raw: dict[str, Any] | None,
    after: dict[str, Any] | None,
    status: int | None,
    network: _NetworkTracker,
) -> dict[str, Any]:
    """Metrics of one load: ``raw`` was read when the page went quiet, ``after``
    (optional) after the scripted interaction (its events, and shifts since)."""
    if raw is None:
        raise PlaywrightError("the observer script did not run on this page")
    lcp = metrics.largest_contentful_paint(raw["lcp"])
    shifts, input_at = (after["shifts"], after["inputAt"]) if after else (raw["shifts"], None)
    return {
        "status": status,
        "lcp_ms": lcp["time"] if lcp else None,
        "lcp_selector": lcp["selector"] if lcp else None,
        "lcp_url": (lcp["url"] or None) if lcp else None,
        "lcp_lazy": bool(lcp["lazy"]) if lcp else None,
        "cls": metrics.cumulative_layout_shift(shifts, input_at),
        "shift_sources": _shift_sources(shifts, input_at),
        "fcp_ms": raw["fcp"],
        "ttfb_ms": network.ttfb_ms if network.ttfb_ms is not None else raw["ttfb"],
        # A load metric: it ends when the page went quiet, before any interaction.
        "tbt_ms": metrics.total_blocking_time(raw["longtasks"], raw["fcp"], raw["now"]),
        "inp_ms": metrics.interaction_to_next_paint(after["events"]) if after else None,
        "total_bytes": network.bytes,
        "requests": network.requests,
    }


def _deadline_s(settings: VitalsConfig) -> float:
    """The longest one load may take: navigation, quiet wait, interaction, plus slack."""
    total_ms = (
        2 * settings.navigation_timeout_ms
        + settings.max_quiet_wait_ms
        + settings.interaction_wait_ms
    )
    return total_ms / 1000 + 10


def _describe(exc: BaseException) -> str:
    timeout = isinstance(exc, TimeoutError) or "Timeout" in type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else "the load took too long"
    kind = "timeout" if timeout else "error"
    return f"{kind}: {text}"[:300]


class _BrowserHolder:
    """One Chromium for the batch, relaunched if it dies under a measurement."""

    def __init__(self, pw: Playwright, executable: str, args: Sequence[str]) -> None:
        self._pw, self._executable, self._args = pw, executable, list(args)
        self._browser: Browser | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> Browser:
        async with self._lock:
            if self._browser is None or not self._browser.is_connected():
                self._browser = await self._pw.chromium.launch(
                    executable_path=self._executable, args=self._args, headless=True
                )
            return self._browser

    async def close(self) -> None:
        if self._browser is not None and self._browser.is_connected():
            await self._browser.close()


async def _measure_job(
    job: Job,
    holder: _BrowserHolder,
    profile: VitalsProfile,
    settings: VitalsConfig,
    interact: str | None,
    loading: asyncio.Semaphore,
    policy: BrowserPolicy | None = None,
) -> dict[str, Any]:
    """One row for one job: its metrics, or the error of its last attempt."""
    row: dict[str, Any] = {}
    error = None
    attempt = 0
    while attempt <= settings.retries:
        attempt += 1
        try:
            browser = await holder.get()
            # A page whose script never yields would block page.evaluate forever:
            # every load gets a hard deadline.
            row = await asyncio.wait_for(
                _measure_once(browser, job.url, profile, settings, interact, loading, policy),
                timeout=_deadline_s(settings),
            )
            error = None
            break
        except (TimeoutError, PlaywrightError) as exc:
            error = _describe(exc)
            log.info("vitals: %s attempt %d failed: %s", job.url, attempt, error)
    return {
        "url": job.url,
        "template": job.template,
        "run_index": job.run_index,
        **row,
        "attempts": attempt,
        "error": error,
        "browser_blocked": (policy.take(job.url) or None) if policy is not None else None,
        "measured_at": datetime.now(UTC),
    }


async def measure_jobs(
    jobs: Sequence[Job],
    *,
    profile: VitalsProfile,
    settings: VitalsConfig,
    chromium_path: str,
    concurrency: int,
    interact: str | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    policy: BrowserPolicy | None = None,
    render: RenderConfig | None = None,
) -> list[dict[str, Any]]:
    """Measure every job (``concurrency`` contexts at once); one row per job, in job order.

    ``policy`` judges every request the pages make (:mod:`seo_crawler.browser`); ``render``
    caps the browser's memory (V8 heap, renderer watchdog)."""
    semaphore = asyncio.Semaphore(concurrency)
    loading = asyncio.Semaphore(settings.loading_concurrency)
    args = list(settings.chromium_args)
    if policy is not None:
        args.append(policy.host_fence())
    watchdog = None
    if render is not None:
        args.append(f"--js-flags=--max-old-space-size={render.js_heap_mb}")
        watchdog = RendererWatchdog(render.renderer_max_mb, render.browser_max_mb).start()
    async with async_playwright() as pw:
        holder = _BrowserHolder(pw, chromium_path, args)

        async def one(job: Job) -> dict[str, Any]:
            async with semaphore:
                result = await _measure_job(
                    job, holder, profile, settings, interact, loading, policy
                )
            if on_done is not None:
                on_done(result)
            return result

        try:
            return list(await asyncio.gather(*(one(job) for job in jobs)))
        finally:
            if watchdog is not None:
                watchdog.stop()
            await holder.close()
