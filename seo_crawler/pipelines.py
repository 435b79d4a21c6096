"""The item pipeline that streams records into Parquet part files, and the progress feed."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from seo_crawler import layout, store
from seo_crawler.frontier import UrlSet
from seo_crawler.memory import release_freed_memory

# Rows recorded outside a callback (trap rows of sitemap URLs judged when the spider is
# idle) reach the writer through this signal: components talk through signals.
RECORD = object()
# A shared crawl's sitemap row carries the lease of its file: released once the row is committed
LEASE = "searchops_lease"


class ParquetPartsWriter:
    """Buffers rows and commits them as a part every ``batch_rows`` pages or ``flush_seconds``.

    Memory holds at most one batch, so it stays flat however long the crawl. A page
    already recorded (resume after a kill) is skipped: each URL is written once.
    """

    def __init__(self, crawler: Crawler):
        run = crawler.settings.get("SEARCHOPS_RUN")
        if not run:
            raise NotConfigured
        self.run = Path(run)
        self.crawler = crawler
        self.stats = crawler.stats
        # A worker of a shared crawl: its own part names in the shared run folder
        self.tag = crawler.settings.get("SEARCHOPS_WORKER", "")
        self.settled: list[str] = []  # page URLs in this batch, recorded or already recorded
        self.settling: list[str] = []  # those of the batch before (see flush)
        self.batch_rows = crawler.settings.getint("SEARCHOPS_BATCH_ROWS", 500)
        self.flush_seconds = crawler.settings.getfloat("SEARCHOPS_FLUSH_SECONDS", 2.0)
        self.buffer: dict[str, list[dict[str, Any]]] = {name: [] for name in layout.TABLES}
        self.last_flush = time.monotonic()
        self.timer: task.LoopingCall | None = None
        store.drop_uncommitted(self.run, self.tag)
        self.part = store.next_part_number(self.run, self.tag)
        self.recorded = UrlSet(store.column_values(self.run, "pages", "url"))
        self.sitemaps_recorded = set(store.column_values(self.run, "sitemaps", "sitemap"))
        self.robots_recorded = set(store.column_values(self.run, "robots", "robots_url"))
        if self.stats:
            self.stats.set_value("searchops/pages", len(self.recorded))
            # recorded before a resume: not part of this session's speed
            self.stats.set_value("searchops/pages_before", len(self.recorded))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParquetPartsWriter:
        writer = cls(crawler)
        crawler.signals.connect(writer.process_item, signal=RECORD)
        return writer

    def open_spider(self, spider: Any = None) -> None:
        self.timer = task.LoopingCall(self._flush_if_due)
        self.timer.start(self.flush_seconds / 2, now=False)

    def close_spider(self, spider: Any = None) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()
        self.flush()  # the last batch's leases too

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        page = item.get("page")
        if page is not None:
            self.settled.append(page["url"])
            if page["url"] in self.recorded:
                return {}
            self.recorded.add(page["url"])
            self.buffer["pages"].append(page)
            self.buffer["links"].extend(item.get("links", ()))
            self._count(page)
        robots = item.get("robots")
        if robots is not None and robots["robots_url"] not in self.robots_recorded:
            self.robots_recorded.add(robots["robots_url"])
            self.buffer["robots"].append(robots)
        sitemap = item.get("sitemap")
        if item.get(LEASE):  # a shared crawl's sitemap: its lease goes with its row
            self.settled.append(item[LEASE])
        if sitemap is not None and sitemap["sitemap"] not in self.sitemaps_recorded:
            self.sitemaps_recorded.add(sitemap["sitemap"])
            self.buffer["sitemaps"].append(sitemap)
            self.buffer["sitemap_urls"].extend(item.get("sitemap_urls", ()))
            self.flush()  # a sitemap holds up to 50,000 rows: out of memory at once
        elif len(self.buffer["pages"]) >= self.batch_rows:
            self.flush()
        return {}  # rows live in the buffer now; nothing downstream needs the item

    def _count(self, page: dict[str, Any]) -> None:
        if not self.stats:
            return
        self.stats.inc_value("searchops/pages")
        self.stats.inc_value(f"searchops/fetch_state/{page['fetch_state']}")
        if page.get("status") is not None:
            self.stats.inc_value(f"searchops/status/{page['status']}")
        if page.get("error") or (page.get("status") or 0) >= 400:
            self.stats.inc_value("searchops/errors")
        if page.get("rendered"):
            self.stats.inc_value("searchops/rendered")
        self.stats.inc_value("searchops/bytes", page.get("bytes") or 0)

    def _flush_if_due(self) -> None:
        if time.monotonic() - self.last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        self.last_flush = time.monotonic()
        if any(self.buffer.values()):
            store.write_part(self.run, self.part, self.buffer, self.tag)
            self.part += 1
            self.buffer = {name: [] for name in layout.TABLES}
            release_freed_memory()
        # A shared frontier releases a URL's lease once its rows are in a committed part (a
        # worker killed before that loses nothing: the lease expires). One flush later: the
        # rows a page's callback yields besides its own (a redirect's target, trap links) may
        # land in the next part.
        recorded = getattr(getattr(self.crawler.spider, "frontier", None), "recorded", None)
        if recorded is not None and self.settling:
            recorded(self.settling)
        self.settling, self.settled = self.settled, []


class ProgressFeed:
    """Writes crawl stats to ``RUN/.progress.json`` twice a second for the parent's display."""

    def __init__(self, crawler: Crawler):
        run = crawler.settings.get("SEARCHOPS_RUN")
        if not run:
            raise NotConfigured
        worker = crawler.settings.get("SEARCHOPS_WORKER", "")
        self.path = Path(run) / layout.worker_file(layout.PROGRESS, worker)
        self.stats = crawler.stats
        self.crawler = crawler
        self.started = time.monotonic()
        self.timer = task.LoopingCall(self.write)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressFeed:
        return cls(crawler)

    def opened(self, spider: Any) -> None:
        self.timer.start(0.5, now=True)

    def closed(self, spider: Any, reason: str) -> None:
        if self.timer.running:
            self.timer.stop()
        self.write(finished=reason)

    def _queued(self) -> int:
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        waiting = len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0
        frontier = self.stats.get_value("searchops/frontier", 0) if self.stats else 0
        return frontier + waiting + (len(engine.downloader.active) if engine is not None else 0)

    def write(self, finished: str | None = None) -> None:
        get = self.stats.get_value if self.stats else (lambda *_: 0)
        pages = get("searchops/pages", 0)
        data = {
            "pages": pages,
            "pages_before": get("searchops/pages_before", 0),
            "scheduled": get("searchops/scheduled", 0),
            "queued": self._queued(),
            "errors": get("searchops/errors", 0),
            "rendered": get("searchops/rendered", 0),
            "bytes": get("searchops/bytes", 0),
            "elapsed": time.monotonic() - self.started,
            "finished": finished,
        }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)
