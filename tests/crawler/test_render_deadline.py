"""A render past its deadline is closed: its page, else its browser context, else the browser.

Driven on Debian's Chromium with a page whose script never yields after it loaded, so that
``page.content()`` cannot return. The steps after the page's close are for a renderer that
does not answer even that: a close that never returns is injected on the real page (and
context) to reach them. The whole crawl path is tested in
``tests/hostile/test_security_browser.py`` (a render cut at its deadline, the raw page kept).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import psutil
import pytest
from playwright.async_api import Browser, Page, async_playwright
from scrapy_playwright.handler import BrowserContextWrapper

from seo_crawler.render import DeadlineDownloadHandler, _browser_processes, close_render

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium")

BUSY_AFTER_LOAD = "<h1>Busy</h1><script>setTimeout(() => { while (true) {} }, 0);</script>"
CLOSE_TIMEOUT_S = 5.0  # each step's wait: a close takes well under a second


async def _never() -> None:
    await asyncio.Event().wait()


async def _busy_page(browser: Browser) -> Page:
    context = await browser.new_context()
    page = await context.new_page()
    await page.set_content(BUSY_AFTER_LOAD, wait_until="load")
    # the premise: once loaded, the page cannot be read any more
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(1):
            await page.content()
    return page


def _closes_with(step: str, hang: tuple[str, ...]) -> None:
    async def scenario() -> None:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = await _busy_page(browser)
                spinning = _busiest_renderer()
                if "page" in hang:
                    page.close = _never  # type: ignore[method-assign,assignment]
                if "context" in hang:
                    page.context.close = _never  # type: ignore[method-assign,assignment]
                assert await close_render(page, CLOSE_TIMEOUT_S) == step
                if step == "browser":  # killed: Playwright sees it gone
                    async with asyncio.timeout(30):
                        while browser.is_connected():
                            await asyncio.sleep(0.1)
                    assert _browser_processes() == []
                    return
                assert page.is_closed()
                # the busy renderer is gone, not just its page marked closed
                _, alive = psutil.wait_procs([spinning], timeout=30)
                assert not alive, spinning
                # the browser goes on: a new page renders
                fresh = await (await browser.new_context()).new_page()
                await fresh.set_content("<h1>Next</h1>")
                assert await fresh.inner_text("h1") == "Next"
            finally:
                if browser.is_connected():
                    await browser.close()

    asyncio.run(scenario())


def _busiest_renderer() -> psutil.Process:
    """The renderer running the page's endless loop: the one using most CPU over a moment."""
    renderers = []
    for process in psutil.Process().children(recursive=True):
        try:
            if "--type=renderer" in process.cmdline():
                process.cpu_percent()  # starts the measure
                renderers.append(process)
        except psutil.Error:
            continue
    psutil.cpu_percent(interval=1.0)
    return max(renderers, key=lambda p: p.cpu_percent())


@pytest.mark.browser
@chromium
def test_a_busy_page_is_closed() -> None:
    _closes_with("page", hang=())


@pytest.mark.browser
@chromium
def test_a_page_that_does_not_close_goes_with_its_context() -> None:
    _closes_with("context", hang=("page",))


@pytest.mark.browser
@chromium
def test_a_context_that_does_not_close_goes_with_the_browser() -> None:
    _closes_with("browser", hang=("page", "context"))


def test_a_crashed_page_frees_its_context_slot_once() -> None:
    # scrapy-playwright's handler calls the callback on the page's "crash", then on its
    # "close": the context's one page slot must not become two.
    async def scenario() -> int:
        handler = DeadlineDownloadHandler.__new__(DeadlineDownloadHandler)
        slots = asyncio.Semaphore(1)
        handler.context_wrappers = {
            "render-0": BrowserContextWrapper(context=None, semaphore=slots, persistent=False)  # type: ignore[arg-type]
        }
        await slots.acquire()  # the page
        on_crash_or_close = handler._make_close_page_callback("render-0")
        on_crash_or_close()
        on_crash_or_close()
        free = 0
        while not slots.locked():
            await slots.acquire()
            free += 1
        return free

    assert asyncio.run(scenario()) == 1
