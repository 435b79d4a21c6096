"""The crawler process: ``python -m seo_crawler.process RUN [--resume] [--log-level LEVEL]``.

Twisted's reactor cannot be restarted inside one process, so every crawl runs in this
child process, started by :func:`seo_crawler.crawl` (the only parent: ``searchops crawl``
calls it in its own process). It reads the crawl from ``RUN/.spec.json``
(:class:`~seo_crawler.spec.CrawlSpec`), reports progress through ``RUN/.progress.json`` and
its rows through committed Parquet parts, so a ``kill -9`` loses at most the rows of one
unflushed batch (re-fetched on resume). Errors end it through the CLI's one mapping
(:func:`searchops.errors.exit_status`): one line in ``RUN/crawl.log``, exit 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from searchops.errors import exit_status
from seo_crawler.browser import BrowserPolicy, RendererWatchdog, chromium_args
from seo_crawler.spec import CrawlSpec
from seo_crawler.urls import Scope


def scrapy_settings(
    spec: CrawlSpec,
    run: Path,
    *,
    resume: bool = False,
    log_level: str = "WARNING",
    shared: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Scrapy settings for one crawl: only the components the crawl needs. ``shared``: this
    process is a worker of a shared crawl ({frontier, crawl_id, worker, join})."""
    crawl, render = spec.crawl, spec.render_config
    spider_args = spec.spider_args(run, resume=resume)
    if shared:
        spider_args["shared"] = shared
    settings: dict[str, Any] = {
        "SEARCHOPS_SPEC": spider_args,
        "SEARCHOPS_WORKER": shared["worker"] if shared else "",
        "SEARCHOPS_RUN": str(run),
        "SEARCHOPS_BATCH_ROWS": crawl.batch_rows,
        "SEARCHOPS_FLUSH_SECONDS": crawl.flush_seconds,
        "SEARCHOPS_RETRY_BACKOFF": crawl.retry_backoff_s,
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "SEARCHOPS_ROBOTS_MAX_BYTES": crawl.robots_max_bytes,
        "ROBOTSTXT_USER_AGENT": crawl.robots_user_agent or None,
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_host,
        # Workers per callback output: ours yield one row and a few requests, and each
        # worker is an asyncio task (Scrapy's default of 100 costs ~100 tasks per page).
        "CONCURRENT_ITEMS": 4,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": 0.0,  # start at full speed; slow down only if latency says so
        "AUTOTHROTTLE_TARGET_CONCURRENCY": crawl.autothrottle_target_concurrency,
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_DELAY_JITTER": 0,
        # Sitemap files download one at a time (the spider's SITEMAP_SLOT): a 100,000-page
        # crawl's RSS peaked at its start, with a dozen 5 MB sitemaps inflated and parsed at once.
        "DOWNLOAD_SLOTS": {"searchops-sitemaps": {"concurrency": 1}},
        "DOWNLOAD_TIMEOUT": crawl.timeout_s,
        "DOWNLOAD_MAXSIZE": crawl.max_bytes,
        "DOWNLOAD_WARNSIZE": crawl.warn_bytes,
        # A body that ends before its Content-Length is kept and recorded as truncated (what
        # arrived is the page as the server sent it) instead of failing the URL.
        "DOWNLOAD_FAIL_ON_DATALOSS": False,
        "RETRY_TIMES": crawl.retries,
        # 500 is usually a persistent application error; retry only the transient ones.
        "RETRY_HTTP_CODES": [408, 429, 502, 503, 504, 522, 524],
        "COOKIES_ENABLED": False,  # search engine crawlers do not keep cookies
        "REDIRECT_ENABLED": False,  # the spider follows redirects itself to record each hop
        "METAREFRESH_ENABLED": False,
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",  # the spider dedupes by normalized URL
        "TWISTED_DNS_RESOLVER": "seo_crawler.middlewares.SafeResolver",
        # Breadth-first: the spider releases its own FIFO frontier a few requests at a time,
        # with priority -depth. No JOBDIR: its disk queues cost a pickle per request and are
        # not trustworthy after kill -9; resume rebuilds the frontier from frontier.jsonl.
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        "LOG_LEVEL": log_level,  # the parent's: --debug / -v reach crawl.log
        "LOGSTATS_INTERVAL": 0,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,  # an HTTP control port: not for an audit crawler
        "MEMUSAGE_ENABLED": False,
        "STATS_DUMP": False,
        # The components of the crawl, named in the *_BASE settings instead of switching
        # Scrapy's defaults off: Scrapy imports every component a setting names, even one
        # mapped to None, and the unused ones' imports (tldextract for cookies, twisted.web's
        # server for remote control...) cost ~1 s of each crawl's start on a busy machine.
        # Off, besides: Scrapy's robots.txt (ours: seo_crawler.robots_middleware), retry and
        # redirect middlewares (ours record what they do), cookies, proxies, HTTP auth, the HTTP cache, offsite (the spider scopes),
        # DownloaderStats (serializes every request and response to count bytes; the writer
        # counts them), depth/referer/URL-length/HTTP-error spider middlewares (the spider
        # records depth and errors itself), telnet, remote control, memusage and feeds.
        "DOWNLOADER_MIDDLEWARES_BASE": {
            "seo_crawler.middlewares.UnsafeAddressMiddleware": 90,
            "seo_crawler.robots_middleware.RobotsTxtMiddleware": 100,
            "scrapy.downloadermiddlewares.downloadtimeout.DownloadTimeoutMiddleware": 350,
            "scrapy.downloadermiddlewares.defaultheaders.DefaultHeadersMiddleware": 400,
            "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": 500,
            "seo_crawler.middlewares.BackoffRetryMiddleware": 550,
            "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": 590,
        },
        "DOWNLOADER_MIDDLEWARES": {},
        "SPIDER_MIDDLEWARES_BASE": {"scrapy.spidermiddlewares.start.StartSpiderMiddleware": 25},
        "SPIDER_MIDDLEWARES": {},
        "EXTENSIONS_BASE": {
            "scrapy.extensions.corestats.CoreStats": 0,
            "scrapy.extensions.logcount.LogCount": 0,
            "scrapy.extensions.throttle.AutoThrottle": 0,
        },
        "EXTENSIONS": {"seo_crawler.pipelines.ProgressFeed": 500},
        "ITEM_PIPELINES": {"seo_crawler.pipelines.ParquetPartsWriter": 100},
    }
    if spec.renders:
        # Imported here, not at the top: the extraction worker (spawned) imports this
        # module as its __main__, and seo_crawler.render brings Scrapy and Twisted (~35
        # MB of the worker's RSS, for nothing: it only parses pages).
        from seo_crawler.render import SKIPPED_RESOURCES

        policy = BrowserPolicy(
            Scope.build(crawl, [*spec.start_urls, *spec.sitemaps]),
            skip_resource_types=SKIPPED_RESOURCES,
        )
        # scrapy-playwright's handler, with a deadline on each render
        handler = "seo_crawler.render.DeadlineDownloadHandler"
        settings.update({
            "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": {
                "executable_path": render.chromium_path,
                "args": [*chromium_args(render), policy.host_fence()],
                "headless": True,
            },
            # One page per context: a page's storage, service workers and memory are its own.
            "PLAYWRIGHT_MAX_CONTEXTS": render.max_pages_open,
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 1,
            "PLAYWRIGHT_CONTEXTS": {
                f"render-{i}": {"service_workers": "block"} for i in range(render.max_pages_open)
            },
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": render.timeout_ms,
            # goto is bounded by the timeout above; the rest of a render only by this deadline.
            "SEARCHOPS_RENDER_DEADLINE": render.deadline_s,
            "SEARCHOPS_RENDER_CLOSE_TIMEOUT": render.close_timeout_s,
            # Every request Chromium makes is judged by the crawl's scope and safety policy
            # (seo_crawler.browser); images, fonts and media, which do not change the DOM we
            # extract from, are skipped.
            "PLAYWRIGHT_ABORT_REQUEST": policy,
        })  # fmt: skip
    return settings


def _exit_with_parent(parent: int) -> None:
    """End this process when ``searchops crawl`` ends (kill -9 included): the crawler runs
    in its own session, out of reach of signals sent to the parent's process group. Like a
    kill -9 of both: committed parts stay, --resume re-fetches what was not flushed."""
    while os.getppid() == parent:
        time.sleep(0.25)
    os._exit(3)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m seo_crawler.process")
    parser.add_argument("run", type=Path, help="run folder holding .spec.json")
    parser.add_argument("--resume", action="store_true", help="continue the crawl in RUN")
    parser.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING"))
    parser.add_argument("--frontier", help="redis://HOST:PORT/DB of a shared crawl")
    parser.add_argument("--crawl-id", help="the shared crawl's id")
    parser.add_argument("--worker", help="this worker's id in the shared crawl")
    parser.add_argument("--join", action="store_true", help="a joining worker (no start URLs)")
    args = parser.parse_args(argv)
    shared = (
        {
            "frontier": args.frontier,
            "crawl_id": args.crawl_id,
            "worker": args.worker,
            "join": args.join,
        }
        if args.frontier
        else None
    )
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    try:
        spec = CrawlSpec.read(args.run)
        from scrapy.crawler import CrawlerProcess

        from seo_crawler.spider import CatalogSpider

        settings = scrapy_settings(
            spec, args.run.resolve(), resume=args.resume, log_level=args.log_level, shared=shared
        )
        process = CrawlerProcess(settings)
        _safe_log_records()
        process.crawl(CatalogSpider)
        watchdog = (
            RendererWatchdog(spec.render_config.renderer_max_mb, spec.render_config.browser_max_mb)
            if spec.renders
            else None
        )
        if watchdog is not None:
            watchdog.start()
        try:
            process.start()
        finally:
            if watchdog is not None:
                watchdog.stop()
    except BaseException as exc:  # every failure ends as one line and exit 2
        return exit_status(exc, debug=args.log_level == "DEBUG", prog="crawler")
    return 0


def _safe_log_records() -> None:
    """crawl.log quotes URLs, titles and server answers: Scrapy's root handler (installed by
    ``CrawlerProcess``) formats them through :class:`searchops.console.SafeFormatter`."""
    from searchops.console import SafeFormatter

    for handler in logging.root.handlers:
        old = handler.formatter
        handler.setFormatter(SafeFormatter(old._fmt if old else None, old.datefmt if old else None))


def level_name(level: int) -> str:
    """The child's ``--log-level`` for the parent's logging level."""
    return "DEBUG" if level <= logging.DEBUG else "INFO" if level <= logging.INFO else "WARNING"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
