"""``searchops ai-access``: what each search and AI crawler may fetch, and what it really gets.

For every site of the URLs given and every crawler of ``[ai_access.crawlers]`` (Googlebot,
Bingbot, GPTBot, OAI-SearchBot, ChatGPT-User, ClaudeBot, ... each with its purpose: search,
user-triggered fetch or training):

* **robots.txt**: whether the site's robots.txt lets the crawler's token fetch the sample URLs,
  matched as Google documents it (:mod:`seo_crawler.robots`); an unreachable or 5xx
  robots.txt disallows everything, a 4xx one allows everything (RFC 9309, 2.3.1);
* **server**: the status each sample URL answers to the crawler's documented User-Agent
  header, beside what it answers a browser (a WAF or CDN that returns 403 to an allowed bot
  is the common failure); robots.txt-only tokens (Google-Extended, Applebot-Extended) send no
  requests of their own and are not fetched;
* **policy**: what the site wants for the crawler's purpose (``[ai_access.policy]``,
  ``[ai_access.crawler_policy]`` or ``--policy FILE``); a crawler treated otherwise is a
  finding (error for a search crawler the policy allows, warning otherwise);
* ``/llms.txt`` is reported as information only: no search or AI engine is known to read it.

Only the URLs given, each site's ``/robots.txt`` and ``/llms.txt`` are requested, never a
link-local or cloud-metadata address. Returns DataFrames (:func:`check_access`).
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pandas as pd

from searchops.errors import SearchopsError
from seo_crawler.config import AiAccessConfig, AiCrawler
from seo_crawler.robots import RobotsTxt
from seo_crawler.urls import host_of, unsafe_address

# Answers that mean "not for you" when a browser gets the page: forbidden, auth, rate limit,
# and the 5xx some bot managers send (Cloudflare's 503 challenge, Akamai's 5xx).
_REFUSALS = frozenset({401, 403, 406, 429, 451, 503})
_OWN_AGENT = "searchops-ai-access (+https://github.com/searchops)"
COLUMNS = (
    "checked_at", "site", "crawler", "token", "operator", "purpose", "robots", "server",
    "policy", "verdict", "severity", "message", "source",
)  # fmt: skip


@dataclass(frozen=True)
class Policy:
    """What the site wants: per purpose (allow | block | any) and per crawler (allow | block)."""

    purposes: Mapping[str, str]
    crawlers: Mapping[str, str]

    def wanted(self, name: str, crawler: AiCrawler) -> str:
        return self.crawlers.get(name) or self.purposes.get(crawler.purpose, "any")


def load_policy(config: AiAccessConfig, path: Path | None = None) -> Policy:
    """The policy of the settings, or of a TOML file with ``[policy]`` (purpose -> allow |
    block | any) and ``[crawler_policy]`` (crawler -> allow | block), like [ai_access]'s."""
    purposes, crawlers = dict(config.policy), dict(config.crawler_policy)
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SearchopsError(f"{path}: cannot read the policy: {exc.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SearchopsError(f"{path}: invalid TOML: {exc}") from None
        unknown = set(data) - {"policy", "crawler_policy"}
        if unknown:
            raise SearchopsError(
                f"{path}: unknown table(s) {', '.join(sorted(unknown))}; "
                "a policy file has [policy] and [crawler_policy]"
            )
        try:
            merged = AiAccessConfig.model_validate(
                {
                    **config.model_dump(),
                    "policy": {**purposes, **data.get("policy", {})},
                    "crawler_policy": {**crawlers, **data.get("crawler_policy", {})},
                }
            )
        except ValueError as exc:
            first = str(exc).splitlines()
            raise SearchopsError(f"{path}: {first[-1].strip() if first else exc}") from None
        purposes, crawlers = dict(merged.policy), dict(merged.crawler_policy)
    unknown_crawlers = set(crawlers) - set(config.crawlers)
    if unknown_crawlers:
        raise SearchopsError(
            f"crawler_policy: unknown crawler(s) {', '.join(sorted(unknown_crawlers))} "
            f"(known: {', '.join(config.crawlers)})"
        )
    return Policy(purposes, crawlers)


@dataclass
class _Site:
    origin: str
    urls: list[str]
    robots: RobotsTxt | None = None  # None: robots.txt could not be read (see robots_note)
    robots_note: str = ""
    allow_all: bool = False  # a 4xx robots.txt: no rules
    llms_status: int | None = None
    llms_bytes: int = 0
    llms_error: str = ""


def _sites(urls: Sequence[str], per_site: int) -> list[_Site]:
    sites: dict[str, _Site] = {}
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SearchopsError(f"not an http(s) URL: {url!r}")
        if unsafe_address(host_of(url)):
            raise SearchopsError(f"{url}: a link-local or cloud-metadata address is never fetched")
        origin = f"{parts.scheme}://{parts.netloc}"
        site = sites.setdefault(origin, _Site(origin, []))
        if len(site.urls) < per_site and url not in site.urls:
            site.urls.append(url)
    return list(sites.values())


async def _status(
    session: aiohttp.ClientSession, url: str, agent: str, limit: asyncio.Semaphore
) -> int | str:
    """The status ``url`` answers ``agent`` (redirects not followed), or the error's name."""
    async with limit:
        try:
            async with session.get(
                url, headers={"User-Agent": agent}, allow_redirects=False
            ) as response:
                return response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            return type(exc).__name__


async def _read_site_files(session: aiohttp.ClientSession, site: _Site) -> None:
    try:
        async with session.get(site.origin + "/robots.txt", allow_redirects=True) as response:
            body = await response.content.read(600 * 1024)
            if response.status < 300:
                site.robots = RobotsTxt.parse(body)
            elif response.status < 500 and response.status != 429:
                site.allow_all = True
                site.robots_note = f"robots.txt answers {response.status}: no rules"
            else:
                site.robots_note = f"robots.txt answers {response.status}: everything disallowed"
    except (aiohttp.ClientError, TimeoutError) as exc:
        site.robots_note = f"robots.txt unreachable ({type(exc).__name__}): everything disallowed"
    try:
        async with session.get(site.origin + "/llms.txt", allow_redirects=True) as response:
            site.llms_status = response.status
            if response.status < 300:
                site.llms_bytes = len(await response.content.read(1024 * 1024))
    except (aiohttp.ClientError, TimeoutError) as exc:
        site.llms_error = type(exc).__name__


async def _fetch(sites: list[_Site], config: AiAccessConfig) -> dict[tuple[str, str], int | str]:
    """Status per (agent, url): every sample URL with the browser and every crawler's agent."""
    timeout = aiohttp.ClientTimeout(total=config.timeout_s)
    limit = asyncio.Semaphore(config.concurrency)
    agents = {config.browser_user_agent} | {
        c.user_agent for c in config.crawlers.values() if c.user_agent
    }
    async with aiohttp.ClientSession(
        timeout=timeout, headers={"User-Agent": _OWN_AGENT}, trust_env=False
    ) as session:
        await asyncio.gather(*(_read_site_files(session, site) for site in sites))
        jobs = [(agent, url) for site in sites for url in site.urls for agent in sorted(agents)]
        answers = await asyncio.gather(*(_status(session, u, a, limit) for a, u in jobs))
    return dict(zip(jobs, answers, strict=True))


def _robots_verdict(site: _Site, crawler: AiCrawler) -> tuple[bool | None, str]:
    """(all sample URLs allowed?, how robots.txt reads): None = some allowed, some not."""
    if site.allow_all:
        return True, site.robots_note
    if site.robots is None:
        return False, site.robots_note
    allowed = [site.robots.allowed(url, crawler.token) for url in site.urls]
    if all(allowed):
        return True, "allowed"
    if not any(allowed):
        return False, "disallowed"
    return None, f"disallowed for {allowed.count(False)} of {len(allowed)} URLs"


def _server_verdict(
    site: _Site, crawler: AiCrawler, answers: Mapping[tuple[str, str], int | str], browser: str
) -> tuple[bool | None, str]:
    """(refused?, what the server answered): None when the crawler sends no requests."""
    if not crawler.user_agent:
        return None, "not fetched (robots.txt token only)"
    refused = []
    for url in site.urls:
        mine, theirs = answers[(crawler.user_agent, url)], answers[(browser, url)]
        browser_ok = isinstance(theirs, int) and theirs < 400
        blocked = not isinstance(mine, int) or mine in _REFUSALS
        if browser_ok and blocked:
            refused.append((url, mine, theirs))
    statuses = sorted({str(answers[(crawler.user_agent, u)]) for u in site.urls})
    if not refused:
        return False, "answers " + "/".join(statuses)
    _url, mine, theirs = refused[0]
    share = "" if len(refused) == len(site.urls) else f" on {len(refused)} of {len(site.urls)} URLs"
    return True, f"refused: {mine}{share} (a browser gets {theirs})"


def _row(
    name: str, crawler: AiCrawler, site: _Site, wanted: str, robots: tuple[bool | None, str],
    server: tuple[bool | None, str],
) -> dict[str, Any]:  # fmt: skip
    robots_ok, robots_text = robots
    refused, server_text = server
    verdict, severity, message = "ok", None, ""
    reachable = robots_ok is True and refused is not True
    if wanted == "allow" and not reachable:
        verdict = "fail"
        severity = (
            "error"
            if crawler.purpose == "search" and name in ("Googlebot", "Bingbot")
            else ("warning")
        )
        why = []
        if robots_ok is not True:
            why.append(f"robots.txt {robots_text}")
        if refused:
            why.append(f"the server {server_text}")
        message = f"{name} ({crawler.purpose}) should reach the site but " + " and ".join(why)
    elif wanted == "block" and robots_ok is not False:
        if refused:
            verdict, severity = "notice", "notice"
            message = (
                f"{name} is refused by the server only: robots.txt does not disallow it, "
                "so its operator is not told"
            )
        else:
            verdict, severity = "fail", "warning"
            message = f"{name} ({crawler.purpose}) should be blocked but robots.txt {robots_text}"
    elif wanted == "any":
        verdict = "info"
        message = f"{name} ({crawler.purpose}): the site owner's choice"
    return {
        "site": site.origin, "crawler": name, "token": crawler.token,
        "operator": crawler.operator, "purpose": crawler.purpose, "robots": robots_text,
        "server": server_text, "policy": wanted, "verdict": verdict, "severity": severity,
        "message": message, "source": crawler.source,
    }  # fmt: skip


def _llms_row(site: _Site) -> dict[str, Any]:
    if site.llms_status is not None and site.llms_status < 300:
        found = f"present ({site.llms_bytes} bytes)"
    elif site.llms_status is not None:
        found = f"absent ({site.llms_status})"
    else:
        found = f"not checked ({site.llms_error})"
    return {
        "site": site.origin, "crawler": "llms.txt", "token": None, "operator": None,
        "purpose": "info", "robots": None, "server": found, "policy": None, "verdict": "info",
        "severity": None,
        "message": f"/llms.txt {found}: information only, no search or AI engine is known to use it",
        "source": "https://llmstxt.org/",
    }  # fmt: skip


def check_access(
    urls: Sequence[str],
    *,
    config: AiAccessConfig,
    policy: Policy | None = None,
    checked_at: datetime | None = None,
) -> pd.DataFrame:
    """One row per site and crawler (columns :data:`COLUMNS`), plus one ``llms.txt`` row per
    site. ``verdict``: ok | fail | notice | info; ``severity`` set on fail and notice rows."""
    if not urls:
        raise SearchopsError("give at least one URL to check")
    sites = _sites(urls, config.sample_urls)
    policy = policy or load_policy(config)
    answers = asyncio.run(_fetch(sites, config))
    rows = []
    for site in sites:
        for name, crawler in config.crawlers.items():
            rows.append(
                _row(
                    name, crawler, site, policy.wanted(name, crawler),
                    _robots_verdict(site, crawler),
                    _server_verdict(site, crawler, answers, config.browser_user_agent),
                )
            )  # fmt: skip
        rows.append(_llms_row(site))
    frame = pd.DataFrame(rows)
    frame.insert(0, "checked_at", checked_at or datetime.now(UTC))
    return frame[list(COLUMNS)]
