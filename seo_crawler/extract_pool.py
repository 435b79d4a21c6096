"""Extraction on another CPU core, while the crawler process downloads.

The crawler process is CPU-bound (Scrapy's HTTP stack, the frontier, and extraction,
about a third of its time): with ``[crawl] extract_workers`` >= 1 and a second core, pages
are parsed in worker processes and the crawler process only ships bodies and rows.

A worker that dies (a hostile page crashing lxml, the OOM killer) costs nothing recorded:
the page is extracted in the crawler process instead, and so is every later page. Workers
ignore SIGINT (Ctrl-C reaches the whole process group; the crawler process shuts down
gracefully and closes them) and end when the crawler process does, even by ``kill -9``.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from seo_crawler.extract import DECLARED_PREFIX, PageFacts, extract, header_values

log = logging.getLogger(__name__)

# The only headers extraction reads: a picklable dict instead of Scrapy's Headers.
_HEADERS = ("Content-Type", "X-Robots-Tag", "Link")


def worker_count(setting: int) -> int:
    """Workers to start: the setting, none on a single core (shipping pages would only add
    work there)."""
    return setting if setting > 0 and (os.cpu_count() or 1) >= 2 else 0


def _start_worker(crawler: int) -> None:
    """A worker ignores Ctrl-C (the crawler process closes it) and ends with the crawler
    process (a ``kill -9`` of the crawler would otherwise leave it running, orphaned)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(crawler,), daemon=True).start()


def _exit_with(crawler: int) -> None:
    while os.getppid() == crawler:
        time.sleep(1.0)
    os._exit(0)


class ExtractPool:
    """``await pool.extract(...)``: :func:`seo_crawler.extract.extract`, in a worker
    process when there is one."""

    def __init__(self, workers: int) -> None:
        self.executor: ProcessPoolExecutor | None = None
        if workers > 0:
            # spawn, not fork: the crawler process runs threads and an event loop
            self.executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )

    async def extract(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, Any],
        *,
        internal_hosts: frozenset[str],
        text: str,
        encoding: str,
    ) -> PageFacts:
        plain = {name: header_values(headers, name) for name in _HEADERS}
        if self.executor is not None:
            try:
                # Given the decoded text, extract reads only the body's first bytes (the
                # encoding it declares): shipping the whole body too sent each page twice
                # through the pipe, its largest per-page cost in the crawler process.
                future = self.executor.submit(
                    extract, url, body[:DECLARED_PREFIX], plain,
                    internal_hosts=internal_hosts, text=text, encoding=encoding,
                )  # fmt: skip
            except (BrokenProcessPool, RuntimeError) as exc:  # dead worker, or shut down
                log.warning("extraction worker lost (%s); extracting in the crawler process", exc)
                self.close()
            else:
                # An exception the page raised in the worker propagates to the caller (which
                # records it); only a dead worker moves extraction into this process.
                try:
                    return await asyncio.wrap_future(future)
                except BrokenProcessPool as exc:
                    log.warning("extraction worker lost (%s); extracting here", exc)
                    self.close()
        return extract(
            url, body, plain, internal_hosts=internal_hosts, text=text, encoding=encoding
        )

    def close(self) -> None:
        if self.executor is not None:
            executor, self.executor = self.executor, None
            executor.shutdown(wait=False, cancel_futures=True)
