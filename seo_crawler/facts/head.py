"""The head of a parsed page: title, meta tags, canonicals and hreflang alternates.

Alternates come from two places with one meaning: ``<link>`` elements and the HTTP
``Link`` header (RFC 8288); both are recorded, in that order, with their source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from seo_crawler.facts.links import Resolver
from seo_crawler.facts.page_text import node_text
from seo_crawler.urls import normalize

_LINK_HEADER = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")
_LINK_PARAM = re.compile(r";\s*([A-Za-z*-]+)\s*=\s*(?:\"([^\"]*)\"|([^;,\s]*))")
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")  # scheme and host: "//host/x" is not


def parse_link_header(values: Iterable[str]) -> list[dict[str, str]]:
    """RFC 8288 ``Link`` header entries as {url, rel, hreflang, ...} dicts.

    Hand-written because the only parsers around (requests.utils) come with an HTTP
    client we do not otherwise need; this covers the quoted/unquoted params used
    by rel=canonical and rel=alternate hreflang.
    """
    out = []
    for value in values:
        for match in _LINK_HEADER.finditer(value):
            entry = {"url": match.group(1).strip()}
            for name, quoted, bare in _LINK_PARAM.findall(match.group(2)):
                entry[name.lower()] = quoted if quoted else bare
            out.append(entry)
    return out


def head_meta(doc: Any) -> dict[str, Any]:
    """title, meta description, meta robots and viewport columns of the record."""
    # An <svg><title> is an image's tooltip, not the page's title.
    titles = [t for t in doc.iter("title") if not any(a.tag == "svg" for a in t.iterancestors())]
    descriptions, robots = [], []
    viewport = None
    for meta in doc.iter("meta"):
        name = (meta.get("name") or "").strip().lower()
        if not name:
            continue
        content = meta.get("content")
        if name == "description":
            descriptions.append(content or "")
        elif name in ("robots", "googlebot"):
            robots.append((content or "").strip().lower())
        elif name == "viewport" and viewport is None:
            viewport = content
    return {
        "title": node_text(titles[0]) if titles else None,
        "title_count": len(titles),
        "meta_description": " ".join(descriptions[0].split()) if descriptions else None,
        "meta_description_count": len(descriptions),
        "meta_robots": ", ".join(r for r in robots if r) or None,
        "viewport": viewport,
    }


def nofollow_page(meta_robots: str | None) -> bool:
    """``<meta name=robots>`` says not to follow this page's links."""
    directives = (meta_robots or "").split(", ")
    return "nofollow" in (meta_robots or "") or "none" in directives


@dataclass
class Alternates:
    """Canonicals (as written, with their source) and hreflang alternates (resolved, and
    their hrefs as written)."""

    canonicals: list[str] = field(default_factory=list)
    canonical_sources: list[str] = field(default_factory=list)
    # an hreflang <link> without href has href None (recorded: Lighthouse fails it)
    hreflang: list[dict[str, str | None]] = field(default_factory=list)
    hreflang_written: list[str | None] = field(default_factory=list)

    def __add__(self, other: Alternates) -> Alternates:
        return Alternates(
            self.canonicals + other.canonicals,
            self.canonical_sources + other.canonical_sources,
            self.hreflang + other.hreflang,
            self.hreflang_written + other.hreflang_written,
        )

    def recorded_hreflang(self) -> list[dict[str, str | None]]:
        """The ``hreflang`` column: resolved hrefs, except that an href not written as an
        absolute URL is kept as written (Google ignores those; SEO-HREFLANG-009 needs to
        see them), and a missing href stays null (SEO-HREFLANG-016). Links (and so the
        crawl) use the resolved ones."""
        return [
            alt if written is None or _ABSOLUTE.match(written) else {**alt, "href": written}
            for alt, written in zip(self.hreflang, self.hreflang_written, strict=True)
        ]

    @property
    def honoured_canonicals(self) -> list[str]:
        """The canonicals Google reads: not those outside <head> (source "body")."""
        return [
            c for c, s in zip(self.canonicals, self.canonical_sources, strict=True) if s != "body"
        ]

    def columns(self, resolve: Callable[[str], str]) -> dict[str, Any]:
        return {
            "canonical": resolve(self.honoured_canonicals[0]) if self.honoured_canonicals else None,
            "canonicals": self.canonicals,
            "canonical_sources": self.canonical_sources,
            "hreflang": self.recorded_hreflang(),
        }


def html_alternates(doc: Any, resolve: Resolver) -> Alternates:
    """rel=canonical and hreflang <link>s; those outside <head> get source "body": Google
    reads neither there (and, like browsers, the parser ends <head> at the first element
    that cannot be in it, an <img> or a <div>, moving the links after it into <body>).

    The hreflang value is recorded as written: Lighthouse fails " x-default" (a padded
    code), so trimming it here would hide what SEO-HREFLANG-017 judges; an alternate
    without href is recorded with a null href (SEO-HREFLANG-016), not dropped."""
    found = Alternates()
    for link in doc.iter("link"):
        href = link.get("href")
        rels = (link.get("rel") or "").lower().split()
        source = "html" if any(a.tag == "head" for a in link.iterancestors()) else "body"
        if "canonical" in rels and href is not None:
            found.canonicals.append(href.strip())
            found.canonical_sources.append(source)
        elif "alternate" in rels and link.get("hreflang") is not None:
            found.hreflang.append(
                {
                    "lang": link.get("hreflang"),
                    "href": None if href is None else resolve.or_as_written(href),
                    "source": source,
                }
            )
            found.hreflang_written.append(None if href is None else href.strip())
    return found


def resolved_or_as_written(url: str, href: str) -> str:
    """``href`` resolved against ``url`` and normalized, or as written when unparsable."""
    try:
        return normalize(urljoin(url, href.strip()))
    except ValueError:  # no URL parser accepts it: recorded as written, never raised
        return href.strip()


def header_alternates(url: str, header_links: list[dict[str, str]]) -> Alternates:
    """Alternates of the ``Link`` header entries (:func:`parse_link_header`) of ``url``."""
    found = Alternates()
    for entry in header_links:
        rels = entry.get("rel", "").lower().split()
        if "canonical" in rels:
            found.canonicals.append(entry["url"])
            found.canonical_sources.append("header")
        if "alternate" in rels and "hreflang" in entry:
            href = resolved_or_as_written(url, entry["url"])
            found.hreflang.append({"lang": entry["hreflang"], "href": href, "source": "header"})
            found.hreflang_written.append(entry["url"].strip())
    return found
