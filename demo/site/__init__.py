"""The bundled demo catalog site: a bilingual retailer with seeded SEO defects.

* :mod:`~demo.site.catalog`: the product data (stable API: ``Catalog``);
* :mod:`~demo.site.defects`: the seeded defects and their manifest;
* :mod:`~demo.site.app`: the aiohttp application (``make_app``);
* :func:`serve`: run it on 127.0.0.1, in a thread or in a separate process::

      with serve(products=300, seed=7) as url:     # "http://127.0.0.1:PORT"
          ...
      with serve(products=20_000, process=True) as url:   # for benchmarks: own process
          ...
"""

from __future__ import annotations

import asyncio
import os
import re
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["SiteURL", "serve"]

HOST = "127.0.0.1"
# `searchops demo-site` serves here by default, and `searchops sem demo`'s keywords point here
# by default, so a crawl of the default demo site and the default demo account agree.
DEFAULT_PORT = 8765
DEFAULT_URL = f"http://{HOST}:{DEFAULT_PORT}"
_URL_LINE = re.compile(rb"http://127\.0\.0\.1:(\d+)")


class SiteURL(str):
    """The base URL (``http://127.0.0.1:PORT``, no trailing slash), with the site's settings."""

    port: int
    products: int
    seed: int
    week: int
    pid: int  # the serving process (this one when served in a thread)

    @classmethod
    def make(cls, port: int, products: int, seed: int, week: int, pid: int) -> SiteURL:
        url = cls(f"http://{HOST}:{port}")
        url.port, url.products, url.seed, url.week, url.pid = port, products, seed, week, pid
        return url


@contextmanager
def serve(
    products: int = 2000,
    seed: int = 0,
    week: int = 1,
    slow_template: str | None = None,
    slowdown_ms: int = 500,
    port: int = 0,
    process: bool = False,
    startup_timeout: float = 30.0,
) -> Iterator[SiteURL]:
    """Serve the demo site on 127.0.0.1 (``port=0``: a free port) for the ``with`` block.

    By default in a background thread with its own event loop. ``process=True`` runs
    ``python -m demo.site`` instead and waits until it answers: a benchmark that
    measures a crawler should not share the crawler's interpreter with the server.
    """
    if process:
        with _serve_process(products, seed, week, slow_template, slowdown_ms, port, startup_timeout) as url:  # fmt: skip
            yield url
        return
    server = _ServerThread(
        dict(
            products=products,
            seed=seed,
            week=week,
            slow_template=slow_template,
            slowdown_ms=slowdown_ms,
        ),
        port,
    )
    server.start()
    if not server.ready.wait(startup_timeout):
        server.stop()
        raise RuntimeError("the demo site did not start")
    if server.error is not None:
        server.join()
        raise server.error
    try:
        yield SiteURL.make(server.port, products, seed, week, os.getpid())
    finally:
        server.stop()


class _ServerThread(threading.Thread):
    def __init__(self, app_kwargs: dict, port: int) -> None:
        super().__init__(name="demosite", daemon=True)
        self.app_kwargs = app_kwargs
        self.requested_port = port
        self.port = 0
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def run(self) -> None:
        loop = self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        runner = None
        try:
            from aiohttp import web

            from demo.site.app import make_app

            runner = web.AppRunner(make_app(**self.app_kwargs), access_log=None)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, HOST, self.requested_port, backlog=1024)
            loop.run_until_complete(site.start())
            self.port = int(runner.addresses[0][1])
        except BaseException as exc:
            self.error = exc
            self.ready.set()
            if runner is not None:
                loop.run_until_complete(runner.cleanup())
            loop.close()
            return
        self.ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()

    def stop(self) -> None:
        if self.loop is not None and self.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.join(timeout=10)


@contextmanager
def _serve_process(
    products: int,
    seed: int,
    week: int,
    slow_template: str | None,
    slowdown_ms: int,
    port: int,
    startup_timeout: float,
) -> Iterator[SiteURL]:
    args = [
        sys.executable, "-m", "demo.site",
        "--port", str(port), "--products", str(products), "--seed", str(seed),
        "--week", str(week), "--slowdown-ms", str(slowdown_ms), "--stop-on-stdin-eof",
    ]  # fmt: skip
    if slow_template:
        args += ["--slow-template", slow_template]
    with tempfile.TemporaryFile() as errors:
        # The child stops when its stdin (this pipe) closes, so it never outlives this
        # process, even one killed with SIGKILL.
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.PIPE)
        try:
            assert proc.stdout is not None
            deadline = time.monotonic() + startup_timeout
            found = None
            buffer = b""
            while found is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or proc.poll() is not None:
                    errors.seek(0)
                    detail = errors.read().decode(errors="replace").strip().splitlines()
                    raise RuntimeError(
                        "the demo site process did not start"
                        + (f": {detail[-1]}" if detail else "")
                    )
                readable, _, _ = select.select([proc.stdout], [], [], min(remaining, 0.5))
                if readable:
                    chunk = os.read(proc.stdout.fileno(), 4096)
                    buffer += chunk
                    found = _URL_LINE.search(buffer)
            yield SiteURL.make(int(found.group(1)), products, seed, week, proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    pipe.close()
