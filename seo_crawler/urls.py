"""URL rules: normalization, crawl scope, trap detection and unsafe addresses.

Pure functions of a URL (plus the crawl's settings), shared by the spider, the
safety middleware and tests. URL parsing and canonicalization come from w3lib
(Scrapy's own URL library), not hand-written string surgery.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import safe_url_string

from searchops import clock
from seo_crawler.config import CrawlConfig

# Cloud instance-metadata endpoints: fetching them from a crawler is a classic SSRF
# (AWS IMDS 169.254.169.254 / fd00:ec2::254, GCP metadata.google.internal).
_LINK_LOCAL_V4 = ipaddress.ip_network("169.254.0.0/16")
_LINK_LOCAL_V6 = ipaddress.ip_network("fe80::/10")
_METADATA_V6 = ipaddress.ip_address("fd00:ec2::254")
_METADATA_NAMES = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

_DIGITS = re.compile(r"\d")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2\d\d\d|[3-9]\d\d\d)(?!\d)")
_DATE_KEYS = re.compile(
    r"(^|[_-])(date|day|month|year|week|cal|calendar|from|to|start|end)($|[_-])", re.I
)


# An absolute URL that is already normalized: lowercase http(s) scheme and host, no
# default port, a path, only characters safe_url_string leaves alone, no fragment.
_PLAIN = re.compile(
    r"https?://[a-z0-9.\-]+(?::\d+)?/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*(?:\?[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?"
)
_DEFAULT_PORT = re.compile(r"^(http://[^/]+:80|https://[^/]+:443)/")


def normalize(url: str, strip_params: frozenset[str] = frozenset()) -> str:
    """Absolute URL without fragment, percent-encoded, lowercase scheme/host, listed params removed."""
    # Fast path (most URLs of a crawl): nothing to encode, lowercase or strip. Saves the
    # parse/unparse round trip, the crawler's largest per-link cost on big sitemaps.
    if _PLAIN.fullmatch(url) and not _DEFAULT_PORT.match(url):
        query_at = url.find("?")
        if query_at < 0 or not strip_params:
            return url
        query = url[query_at + 1 :].lower()
        if not any(p in query for p in strip_params):
            return url
    parts = urlsplit(safe_url_string(url.strip()))
    query = parts.query
    if strip_params and query:
        kept = [
            (k, v)
            for k, v in parse_qsl(query, keep_blank_values=True)
            if k.lower() not in strip_params
        ]
        query = urlencode(kept)
    netloc = parts.netloc.lower()
    if parts.scheme == "http" and netloc.endswith(":80"):
        netloc = netloc[:-3]
    elif parts.scheme == "https" and netloc.endswith(":443"):
        netloc = netloc[:-4]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, ""))


def host_of(url: str) -> str:
    if _PLAIN.fullmatch(url):  # lowercase already; host ends at ":" or "/"
        start = url.index("//") + 2
        end = url.index("/", start)
        return url[start:end].split(":", 1)[0]
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


_DEFAULT_PORTS = {"http": 80, "https": 443}


def site_of(url: str) -> str:
    """The host and, when it is not the scheme's default, the port: ``shop.example.ca``,
    ``shop.example.ca:18080``. A different port is a different origin (another server, maybe
    another owner), so scope is decided on this, not on the host alone. http and https on
    their default ports are one site (the usual upgrade redirect stays in scope)."""
    if _PLAIN.fullmatch(url):  # lowercase already; the netloc ends at the first "/"
        start = url.index("//") + 2
        netloc = url[start : url.index("/", start)]
        if netloc.endswith(":80") and url.startswith("http:"):
            return netloc[:-3]
        if netloc.endswith(":443") and url.startswith("https:"):
            return netloc[:-4]
        return netloc
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return ""
    return _site(host, port, _DEFAULT_PORTS.get(parts.scheme.lower()))


def _site(host: str, port: int | None, default: int | None) -> str:
    if ":" in host:  # IPv6, bracketed as in a URL
        host = f"[{host}]"
    return host if port is None or port == default else f"{host}:{port}"


def site_host(site: str) -> str:
    """The host of a :func:`site_of` value (brackets of IPv6 removed)."""
    if site.startswith("["):
        return site[1 : site.index("]")]
    return site.rsplit(":", 1)[0] if _port_of(site) is not None else site


def _port_of(site: str) -> int | None:
    head, _, port = site.rpartition(":")
    return int(port) if head and not head.endswith(":") and port.isdigit() else None


@lru_cache(maxsize=4096)
def unsafe_address(host: str) -> bool:
    """Link-local and cloud-metadata hosts are never fetched (loopback stays allowed: tests)."""
    host = host.strip("[]").lower().rstrip(".")
    if host in _METADATA_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return ip in _LINK_LOCAL_V4
    return ip in _LINK_LOCAL_V6 or ip == _METADATA_V6


def template_of(url: str) -> str:
    """The URL template: path segments carrying digits become ``*``, parameter names sorted.

    ``/en-ca/p/blue-shirt-123?color=red`` -> ``/en-ca/p/*?color``; used to decide
    rendering per template and by audits to group pages.
    """
    parts = urlsplit(url)
    segments = ["*" if _DIGITS.search(s) else s for s in parts.path.split("/")]
    names = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return "/".join(segments) + ("?" + "&".join(names) if names else "")


def page_template(url: str, templates: Mapping[str, str]) -> str:
    """The first of ``templates`` (name -> regex, ``[vitals.templates]``) whose regex
    matches ``url``, in order, else ``other``: home, category, product pages, as the vitals
    sampler, ``--render-sample`` and the AI-search rules classify them."""
    for name, pattern in templates.items():
        if re.search(pattern, url):
            return name
    return "other"


@dataclass(frozen=True)
class Scope:
    """Which URLs the crawl fetches: hosts, include/exclude regexes, parameter rules."""

    hosts: frozenset[str]  # sites (:func:`site_of`): host, or host:port off the default port
    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()
    strip_params: frozenset[str] = frozenset()
    skip_params: frozenset[str] = frozenset()
    max_params: int = 4
    repeated_segments: int = 3
    max_path_segments: int = 12
    calendar_years: int = 3
    this_year: int = field(default_factory=lambda: clock.today().year)

    @classmethod
    def build(cls, config: CrawlConfig, seed_urls: list[str]) -> Scope:
        seeds = {site_of(u) for u in seed_urls}
        ports = {_port_of(site) for site in seeds}
        hosts = set(seeds)
        for allowed in (h.strip().lower() for h in config.allowed_hosts):
            # "--allow-host fr.example.ca" means that host on the start URLs' ports;
            # "fr.example.ca:8443" that one port.
            if _port_of(allowed) is not None:
                hosts.add(allowed)
            else:
                hosts |= {_site(allowed.strip("[]"), port, None) for port in ports}
        for site in list(hosts):
            # One local server answers to all of them, on the same port: pages served on
            # 127.0.0.1 that link to localhost (or the reverse) are the same site. Another
            # port is another server.
            if site_host(site) in LOOPBACK_NAMES:
                port = _port_of(site)
                hosts |= {_site(name, port, None) for name in LOOPBACK_NAMES}
        return cls(
            hosts=frozenset(h for h in hosts if h),
            include=tuple(re.compile(p) for p in config.include),
            exclude=tuple(re.compile(p) for p in config.exclude),
            strip_params=frozenset(p.lower() for p in config.strip_params),
            skip_params=frozenset(p.lower() for p in config.skip_params),
            max_params=config.max_params,
            repeated_segments=config.trap_repeated_segments,
            max_path_segments=config.trap_max_path_segments,
            calendar_years=config.trap_calendar_years,
        )

    def normalize(self, url: str) -> str:
        return normalize(url, self.strip_params)

    def internal(self, url: str) -> bool:
        """The host and port are in scope (links.internal)."""
        return site_of(url) in self.hosts

    def allows(self, url: str) -> bool:
        """In scope: http(s), host and port, include/exclude (session parameters are traps)."""
        if not url.startswith(("http://", "https://")) or not self.internal(url):
            return False
        if self.include and not any(p.search(url) for p in self.include):
            return False
        return not any(p.search(url) for p in self.exclude)

    def trap(self, url: str) -> str | None:
        """Why ``url`` looks like a crawler trap, or None."""
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) > self.max_path_segments:
            return "deep-path"
        if (
            len(set(segments)) < len(segments)
            and Counter(segments).most_common(1)[0][1] >= self.repeated_segments
        ):
            return "repeating-segments"
        params = parse_qsl(parts.query, keep_blank_values=True) if parts.query else []
        if self.skip_params and (
            any(k.lower() in self.skip_params for k, _ in params)
            or any(f";{name}=" in parts.path.lower() for name in self.skip_params)
        ):
            return "session-id"  # one page under endless URLs: a session parameter ([crawl] skip_params)
        if len(params) > self.max_params:
            return "param-explosion"
        if len({k for k, _ in params}) < len(params):
            return "param-explosion"  # the same parameter repeated: facet values piling up
        if self._far_calendar(segments, params):
            return "calendar"
        return None

    def _far_calendar(self, segments: list[str], params: list[tuple[str, str]]) -> bool:
        candidates = [v for k, v in params if _DATE_KEYS.search(k)]
        if any(s.lower() in ("calendar", "events", "agenda", "archive", "cal") for s in segments):
            candidates += segments
        for text in candidates:
            for match in _YEAR.finditer(text):
                if abs(int(match.group(1)) - self.this_year) > self.calendar_years:
                    return True
        return False
