"""The downloader middleware that obeys robots.txt: every request of a host waits for that
host's robots.txt, and every waiting request gets its answer.

Why our own and not Scrapy's ``RobotsTxtMiddleware``: in Scrapy 2.19.0 the requests that
wait for a host's robots.txt share one Deferred, whose first waiter's callback returns None
to the next ones: only the first waiter gets the parser, the others are fetched unchecked
(tests/crawler/test_robots_concurrency.py shows it). Here each waiter has its own Deferred,
fired with the host's policy. It also reads robots.txt as Google does (:mod:`seo_crawler.robots`)
and handles its failures as Google documents them
(developers.google.com/search/docs/crawling-indexing/robots/robots_txt#handling-http-result-codes):

* 2xx: the rules of the first ``SEARCHOPS_ROBOTS_MAX_BYTES`` (500 KiB) of the file;
* 3xx: followed up to 5 hops (inside the crawl's scope); more -> as a 404;
* 4xx other than 429: no robots.txt, everything allowed;
* 429, 5xx, and network errors, timeouts or a body cut short (after Scrapy's retries):
  the site is unreachable for robots.txt, so nothing is fetched (Google stops crawling it).

Settings: ``ROBOTSTXT_OBEY`` (off: ``NotConfigured``), ``ROBOTSTXT_USER_AGENT`` (the product
token robots.txt is matched for; default: the token of ``USER_AGENT``),
``SEARCHOPS_ROBOTS_MAX_BYTES``, ``DOWNLOAD_MAXSIZE`` (bounds a compressed robots.txt's inflated
size). Each host's outcome is sent as a ``{"robots": row}`` record (``RECORD`` signal) for
``robots.parquet``; each request it refuses gets ``meta["blocked"] = "robots"`` (and
``meta["blocked_reason"]`` when the refusal comes from a failed robots.txt, not a rule).

A host whose name the DNS guard refuses (it resolves to a link-local / cloud-metadata address,
:class:`seo_crawler.middlewares.SafeResolver`) is not a host with an unreachable robots.txt:
nothing was ever sent to it and nothing will be. Its requests get ``meta["blocked"] = "unsafe"``
(the spider records ``blocked_unsafe``) and no robots.txt row is recorded for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from seo_crawler.middlewares import REFUSED_NAMES
from seo_crawler.pipelines import RECORD
from seo_crawler.robots import MAX_BYTES, RobotsTxt, product_token
from seo_crawler.urls import host_of

logger = logging.getLogger(__name__)

# Google "follows at least five redirect hops ... and then stops and treats it as a 404".
MAX_REDIRECTS = 5
ROBOTS_META = "searchops_robots"  # marks the middleware's own robots.txt requests

RULES, ALLOW_ALL, DISALLOW_ALL = "rules", "allow_all", "disallow_all"
UNSAFE = "unsafe"  # the DNS guard refused the host's name: never contacted, nothing recorded


@dataclass
class RobotsPolicy:
    """What one origin's robots.txt decided, and the facts recorded about it."""

    origin: str
    outcome: str  # rules | allow_all | disallow_all | unsafe
    reason: str  # one line: why this outcome
    robots: RobotsTxt | None = None
    status: int | None = None
    final_url: str | None = None
    error: str | None = None
    redirect_chain: list[dict[str, Any]] = field(default_factory=list)
    body: bytes = b""

    def allows(self, url: str, token: str) -> bool:
        if self.outcome == RULES and self.robots is not None:
            return self.robots.allowed(url, token)
        return self.outcome == ALLOW_ALL

    def row(self, max_bytes: int) -> dict[str, Any]:
        robots = self.robots
        return {
            "robots_url": self.origin + "/robots.txt",
            "origin": self.origin,
            "final_url": self.final_url,
            "status": self.status,
            "outcome": self.outcome,
            "reason": self.reason,
            "error": self.error,
            "redirect_chain": self.redirect_chain,
            "bytes": len(self.body) if self.status is not None else None,
            "size": robots.size if robots else None,
            "truncated": bool(robots and robots.truncated),
            "max_bytes": max_bytes,
            "groups": len(robots.groups) if robots else 0,
            "rules": sum(len(g.rules) for g in robots.groups) if robots else 0,
            "sitemaps": list(robots.sitemaps) if robots else [],
            "issues": [
                {"line": i.line, "message": i.message, "text": i.text[:500]}
                for i in (robots.issues if robots else [])
            ],
            "body": self.body[:max_bytes].decode("utf-8", "replace") if self.body else None,
            "fetched_at": datetime.now(UTC),
        }


def origin_of(url: str) -> str:
    """scheme://host[:port]: robots.txt applies to one protocol, host and port (RFC 9309 2.3)."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class RobotsTxtMiddleware:
    """Obey robots.txt for every request, whatever the concurrency (module docstring)."""

    DOWNLOAD_PRIORITY = 1000

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats
        self.token = product_token(
            settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or ""
        )
        self.max_bytes = settings.getint("SEARCHOPS_ROBOTS_MAX_BYTES", MAX_BYTES)
        self.inflate_cap = settings.getint("DOWNLOAD_MAXSIZE", 0)
        self.policies: dict[str, RobotsPolicy] = {}
        self.waiting: dict[str, list[Deferred[RobotsPolicy]]] = {}
        crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsTxtMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get("dont_obey_robotstxt") or not request.url.startswith(
            ("http://", "https://")
        ):
            return
        policy = await self.policy(origin_of(request.url))
        if policy.outcome == UNSAFE:
            # The safety block wins over robots.txt: the spider records blocked_unsafe.
            request.meta["blocked"] = "unsafe"
            if self.stats:
                self.stats.inc_value("searchops/blocked_unsafe")
            raise IgnoreRequest(policy.reason)
        if policy.allows(request.url, self.token):
            return
        request.meta["blocked"] = "robots"
        if policy.outcome == DISALLOW_ALL:
            request.meta["blocked_reason"] = policy.reason
            request.meta["robots_unreachable"] = policy.status is None
        if self.stats:
            self.stats.inc_value("robotstxt/forbidden")
        raise IgnoreRequest(f"Forbidden by robots.txt: {request.url}")

    async def policy(self, origin: str) -> RobotsPolicy:
        """The origin's policy; fetched once, every concurrent caller waiting for it."""
        known = self.policies.get(origin)
        if known is not None:
            return known
        if origin in self.waiting:
            # One Deferred per waiter: a Deferred shared by the waiters hands its result to
            # the first callback only (Scrapy 2.19.0's regression).
            mine: Deferred[RobotsPolicy] = Deferred()
            self.waiting[origin].append(mine)
            return await maybe_deferred_to_future(mine)
        self.waiting[origin] = []
        try:
            policy = await self._fetch(origin)
        except Exception as exc:  # never leave the waiters hanging
            policy = RobotsPolicy(
                origin, DISALLOW_ALL, f"robots.txt could not be read ({exc!r:.200})"
            )
        self.policies[origin] = policy
        self._record(policy)
        for waiter in self.waiting.pop(origin):
            waiter.callback(policy)
        return policy

    # ------------------------------------------------------------------ fetching
    async def _fetch(self, origin: str) -> RobotsPolicy:
        url = origin + "/robots.txt"
        chain: list[dict[str, Any]] = []
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = await self.crawler.engine.download_async(self._request(url))  # type: ignore[union-attr]
            except Exception as exc:
                host = host_of(url)
                if not chain and host in REFUSED_NAMES:  # Twisted says "no results" for it
                    return RobotsPolicy(
                        origin, UNSAFE, f"{host} resolves to unsafe address {REFUSED_NAMES[host]}"
                    )
                error = f"{type(exc).__name__}: {str(exc)[:300]}"
                # Google: network errors and timeouts are server errors -> crawl nothing.
                return RobotsPolicy(
                    origin,
                    DISALLOW_ALL,
                    f"robots.txt unreachable, so not fetched (as Google): {error}",
                    error=error,
                    redirect_chain=chain,
                    final_url=url,
                )
            location = response.headers.get(b"Location")
            if 300 <= response.status < 400 and location:
                chain.append({"url": url, "status": response.status})
                url = urljoin(url, location.decode("latin-1"))
                if not self._in_scope(url):
                    return RobotsPolicy(
                        origin,
                        DISALLOW_ALL,
                        f"robots.txt redirects out of the crawl's scope ({url}): not "
                        "followed, so nothing is fetched",
                        status=response.status,
                        redirect_chain=chain,
                        final_url=url,
                    )
                continue
            return self._judge(origin, response, chain)
        return RobotsPolicy(
            origin,
            ALLOW_ALL,
            f"robots.txt redirects more than {MAX_REDIRECTS} times: treated as not found "
            "(Google), everything allowed",
            status=chain[-1]["status"] if chain else None,
            redirect_chain=chain,
            final_url=url,
        )

    def _request(self, url: str) -> Request:
        return Request(
            url,
            priority=self.DOWNLOAD_PRIORITY,
            callback=NO_CALLBACK,
            dont_filter=True,
            headers={"Accept-Encoding": "identity"},
            meta={
                "dont_obey_robotstxt": True,
                "dont_redirect": True,
                "handle_httpstatus_all": True,
                ROBOTS_META: True,
                # No size cap on the wire: _bytes_received stops reading at max_bytes, which
                # is all Google reads, instead of failing a long file as too large.
                "download_maxsize": 0,
            },
        )

    def _in_scope(self, url: str) -> bool:
        allows = getattr(self.crawler.spider, "allows", None)
        return bool(allows(url)) if callable(allows) else True

    def _judge(self, origin: str, response: Response, chain: list[dict[str, Any]]) -> RobotsPolicy:
        status = response.status
        facts = {"status": status, "redirect_chain": chain, "final_url": response.url}
        if "dataloss" in response.flags:
            # Google: "reset or interrupted connections" are server errors -> crawl nothing.
            # A cut file's missing rules could be the ones that disallow.
            return RobotsPolicy(
                origin,
                DISALLOW_ALL,
                f"robots.txt answered HTTP {status} but its body ended after "
                f"{len(response.body)} of {_declared_size(response)} bytes: an interrupted "
                "connection, which Google treats as a server error (nothing is fetched)",
                **facts,  # type: ignore[arg-type]
            )
        if 200 <= status < 300:
            body = response.body
            robots = RobotsTxt.parse(body, max_bytes=self.max_bytes)
            declared = _declared_size(response)
            if declared is not None and declared > robots.size:
                robots.size = declared
            robots.truncated = robots.truncated or "download_stopped" in response.flags
            note = (
                f" (only the first {self.max_bytes} bytes of {robots.size} read, as Google)"
                if robots.truncated
                else ""
            )
            return RobotsPolicy(
                origin,
                RULES,
                f"HTTP {status}: rules read{note}",
                robots=robots,
                body=body[: self.max_bytes],
                **facts,  # type: ignore[arg-type]
            )
        if status == 429 or status >= 500:
            return RobotsPolicy(
                origin,
                DISALLOW_ALL,
                f"robots.txt answered HTTP {status}: nothing is fetched, as Google treats "
                "a server error on robots.txt as a full disallow",
                **facts,  # type: ignore[arg-type]
            )
        if 400 <= status < 500:
            reason = f"HTTP {status}: no robots.txt, everything allowed"
            return RobotsPolicy(origin, ALLOW_ALL, reason, **facts)  # type: ignore[arg-type]
        return RobotsPolicy(
            origin,
            ALLOW_ALL,
            f"robots.txt answered HTTP {status} (no rules): everything allowed",
            **facts,  # type: ignore[arg-type]
        )

    def _bytes_received(self, data: bytes, request: Request, spider: Any = None) -> None:
        if not request.meta.get(ROBOTS_META):
            return
        # The decompression of a gzip robots.txt is still bounded by DOWNLOAD_MAXSIZE
        # (HttpCompressionMiddleware reads this meta after the download).
        request.meta["download_maxsize"] = self.inflate_cap
        received = request.meta.get("robots_bytes", 0) + len(data)
        request.meta["robots_bytes"] = received
        if received > self.max_bytes:
            raise StopDownload(fail=False)

    # ------------------------------------------------------------------ recording
    def _record(self, policy: RobotsPolicy) -> None:
        if policy.outcome == UNSAFE:
            return
        if self.stats:
            self.stats.inc_value(f"robotstxt/outcome/{policy.outcome}")
        if policy.outcome == DISALLOW_ALL:
            logger.warning("%s: %s", policy.origin, policy.reason)
        row = policy.row(self.max_bytes)
        self.crawler.signals.send_catch_log(signal=RECORD, item={"robots": row})


def _declared_size(response: Response) -> int | None:
    value = response.headers.get(b"Content-Length")
    try:
        return int(value) if value else None
    except ValueError:
        return None
