"""Downloader components: unsafe-address guard, retry with backoff (robots.txt:
:mod:`seo_crawler.robots_middleware`).

Configured by Scrapy settings and built with ``from_crawler``; they mark the
request's meta (``blocked``) so the spider's errback records *why* a URL was not
fetched: nothing is dropped silently.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer
from twisted.internet.task import deferLater

from seo_crawler.urls import host_of, unsafe_address


class UnsafeAddressMiddleware:
    """Never fetch link-local / cloud-metadata addresses (SSRF), whatever led there."""

    def __init__(self, crawler: Crawler):
        if not crawler.settings.getbool("SEARCHOPS_BLOCK_UNSAFE", True):
            raise NotConfigured
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnsafeAddressMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if unsafe_address(host_of(request.url)):
            request.meta["blocked"] = "unsafe"
            if self.stats:
                self.stats.inc_value("searchops/blocked_unsafe")
            raise IgnoreRequest(f"unsafe address: {host_of(request.url)}")


class UnsafeAddressError(Exception):
    pass


# Names the resolver refused, with their address: Twisted reports a refused lookup as
# "no results", so the spider looks here to record *why* (blocked_unsafe, not a DNS error).
REFUSED_NAMES: dict[str, str] = {}


class SafeResolver(CachingThreadedResolver):
    """DNS that refuses names resolving to link-local/metadata addresses (DNS rebinding).

    Names in ``[crawl] resolve`` get their configured address instead of a lookup; the same
    guard applies to it.
    """

    def __init__(self, reactor: Any, cache_size: int, timeout: float):
        super().__init__(reactor, cache_size, timeout)
        self.overrides: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> SafeResolver:
        resolver = super().from_crawler(crawler, reactor)
        spec = crawler.settings.getdict("SEARCHOPS_SPEC")
        resolver.overrides = {
            host.lower(): address
            for host, address in spec.get("crawl", {}).get("resolve", {}).items()
        }
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:
        override = self.overrides.get(name.lower().rstrip("."))
        deferred = (
            defer.succeed(override)
            if override is not None
            else super().getHostByName(name, timeout)
        )

        def check(address: str) -> str:
            if unsafe_address(address):
                REFUSED_NAMES[name.lower().rstrip(".")] = address
                raise UnsafeAddressError(f"{name} resolves to unsafe address {address}")
            return address

        return deferred.addCallback(check)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, waiting ``SEARCHOPS_RETRY_BACKOFF * 2**attempt`` seconds before each retry.

    Scrapy retries immediately; an overloaded server (429/503) needs room to recover.
    """

    def __init__(self, settings: Any):
        super().__init__(settings)
        self.backoff = settings.getfloat("SEARCHOPS_RETRY_BACKOFF", 0.0)

    async def _wait(self, retry: Request | None) -> Request | None:
        if retry is not None and self.backoff > 0:
            attempt = int(retry.meta.get("retry_times", 1))
            delay = self.backoff * 2 ** (attempt - 1)
            # Imported here: importing the reactor at module level would install the
            # default one before Scrapy installs the asyncio reactor.
            from twisted.internet import reactor as _reactor

            await maybe_deferred_to_future(deferLater(_reactor, delay, lambda: None))
        return retry

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Any:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            return await self._wait(result)
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Any:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            return await self._wait(result)
        return result
