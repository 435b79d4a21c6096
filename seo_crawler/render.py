"""Rendering through scrapy-playwright (Debian's Chromium; see ``[render]`` settings).

scrapy-playwright closes each page after its response is read (we never ask for
``playwright_include_page``), so pages are closed before their context: the
known page/context memory leak does not apply. What Chromium may request and how much
memory it may take: :mod:`seo_crawler.browser`.

**Every render has a deadline** (``[render] deadline_s``): :class:`DeadlineDownloadHandler`.
Only ``page.goto`` has a timeout of its own (``[render] timeout_ms``). Once it returns, the
calls that read the page (``page.content()``, the page's close) have none, and a renderer
that never gets back to them holds the render, and with it the crawl's end, forever: a
script that starts a busy loop after the load event, or one thrashing at V8's heap cap
while staying under the watchdog's RSS limit. At the deadline the render is cancelled,
its page is closed (then, if that does not answer, its browser context; then the browser),
and the request fails with :class:`RenderTimeout`: the spider records the page's raw HTML
with ``error`` "render failed: RenderTimeout: ..." as for any failed render, and the crawl
goes on. A context that had to be closed is created again, with its startup settings, by
the next page that names it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import psutil
from playwright.async_api import Page
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy_playwright.handler import BrowserContextWrapper, ScrapyPlaywrightDownloadHandler

log = logging.getLogger(__name__)

# Resource types that cannot change the extracted DOM: never downloaded while rendering.
SKIPPED_RESOURCES = frozenset({"image", "font", "media"})


class RenderTimeout(Exception):
    """A render did not end within ``[render] deadline_s``."""


class DeadlineDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler with a deadline on everything one render awaits on its page.

    The deadline starts once the render has its page, so a request waiting for a free
    browser context (``[render] max_pages_open``) is not charged for the wait. Settings:
    ``SEARCHOPS_RENDER_DEADLINE`` and ``SEARCHOPS_RENDER_CLOSE_TIMEOUT`` (seconds).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.deadline_s = crawler.settings.getfloat("SEARCHOPS_RENDER_DEADLINE", 60.0)
        self.close_timeout_s = crawler.settings.getfloat("SEARCHOPS_RENDER_CLOSE_TIMEOUT", 10.0)

    async def _download_request_with_page(
        self, request: Request, page: Page, spider: Spider
    ) -> Response:
        # goto, the page methods, content(), the security details and the page's close
        deadline = asyncio.timeout(self.deadline_s)
        try:
            async with deadline:
                return await super()._download_request_with_page(request, page, spider)
        except Exception as exc:
            timed_out = isinstance(exc, TimeoutError) and deadline.expired()
            if timed_out:
                self.stats.inc_value("searchops/render_timeouts")
                log.warning(
                    "render of %s did not end within %s s: its page is closed",
                    request.url, self.deadline_s,
                )  # fmt: skip
            # Any failure (a navigation timeout, a crash): scrapy-playwright closes the page
            # next with no timeout, and a renderer still busy could hold that close too.
            if not request.meta.get("playwright_include_page"):
                await close_render(page, self.close_timeout_s)
            if timed_out:
                raise RenderTimeout(
                    f"render timed out: not done within {self.deadline_s:g} s "
                    "([render] deadline_s); a script kept the renderer busy"
                ) from None
            raise

    def _make_close_page_callback(self, context_name: str) -> Callable[[], None]:
        # scrapy-playwright calls it on the page's "crash" and again on its "close": a
        # crashed page (a renderer the watchdog killed) would free two slots of its context.
        release = super()._make_close_page_callback(context_name)
        released = False

        def release_once() -> None:
            nonlocal released
            if not released:
                released = True
                release()

        return release_once

    async def _create_browser_context(
        self, name: str, context_kwargs: dict[str, Any] | None, spider: Spider | None = None
    ) -> BrowserContextWrapper:
        # A context closed after a timeout is created again by the next page naming it:
        # with the settings it was started with (PLAYWRIGHT_CONTEXTS: service workers blocked).
        if context_kwargs is None:
            context_kwargs = self.config.startup_context_kwargs.get(name)
        return await super()._create_browser_context(name, context_kwargs, spider)


async def close_render(page: Page, timeout_s: float) -> str:
    """Closes the page of a render that failed or timed out; if it does not close, its context;
    if that does not close it either, the browser (scrapy-playwright launches a new one for
    the next page). Each step waits at most ``timeout_s``. Returns the step that closed it:
    "page", "context" or "browser"."""
    if await _closes(page.close(), page, timeout_s):
        return "page"
    log.warning("the page of a timed-out render did not close: closing its browser context")
    if await _closes(page.context.close(), page, timeout_s):
        return "context"
    log.warning("a timed-out render's context did not close: killing the browser")
    for browser in _browser_processes():
        try:
            browser.kill()
        except psutil.Error:
            continue
    return "browser"


async def _closes(closing: Awaitable[None], page: Page, timeout_s: float) -> bool:
    try:
        async with asyncio.timeout(timeout_s):
            await closing
    except TimeoutError:
        pass
    except Exception as exc:  # already closed, crashed, disconnected
        log.debug("closing after a render timeout: %s", exc)
    return page.is_closed()


def _browser_processes() -> list[psutil.Process]:
    """This process's Chromium browsers (main processes, not their helpers: a crawler has one)."""
    found = []
    for child in psutil.Process(os.getpid()).children(recursive=True):
        try:
            if (
                "chrom" in child.name().lower()
                and child.status() != psutil.STATUS_ZOMBIE  # killed, not yet reaped
                and not any(arg.startswith("--type=") for arg in child.cmdline())
            ):
                found.append(child)
        except psutil.Error:
            continue
    return found
