"""Links of a parsed page: URL resolution, anchors and their page regions, images, and
subresources loaded over plain http from an https page.

Link rows are the ``links.parquet`` columns (:mod:`seo_crawler.schema`), in the order
canonical, hreflang, img, a.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urljoin

from lxml import etree

from seo_crawler.facts.page_text import node_text
from seo_crawler.urls import normalize, site_of

_MAX_IMAGES = 500  # per page: bounds record size on pathological galleries
_ANCHOR_CHARS = 200
_MAX_NON_LINK_ANCHORS = 50  # per page: bounds record size
# Attributes HTML allows on <a> only with an href (a placeholder <a> has none of them)
_HREF_ATTRIBUTES = ("target", "download", "ping", "rel", "hreflang", "type", "referrerpolicy")
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#", "about:", "ftp:", "sms:")
_REGION_TAGS = {"nav": "nav", "header": "header", "footer": "footer"}
_REGION_ROLES = {"navigation": "nav", "banner": "header", "contentinfo": "footer"}
# From the attributes (2-10x faster than //*[@role=...]: see facts.structured_data)
_ROLES = etree.XPath("//@role[.='navigation' or .='banner' or .='contentinfo']/..")
_SUBRESOURCES = (
    ("img", "src"),
    ("script", "src"),
    ("iframe", "src"),
    ("source", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("link", "href"),
)

# Cached across pages: a catalog's navigation links repeat on every page.
_normalized = lru_cache(maxsize=20_000)(normalize)  # ~5 MB at most
_site = lru_cache(maxsize=10_000)(site_of)


@dataclass(frozen=True, slots=True)
class Resolver:
    """Absolute, normalized URLs of a page's hrefs (against its ``<base href>`` if any)."""

    base: str
    origin: str  # scheme://host[:port] of base: root-relative hrefs skip urljoin

    @classmethod
    def for_page(cls, url: str, doc: Any) -> Resolver:
        base = url
        for base_el in doc.iter("base"):
            if base_el.get("href"):
                base = urljoin(url, base_el.get("href"))
            break  # only the first <base> counts (HTML spec)
        origin = base[: base.find("/", base.find("//") + 2)] if base.count("/") >= 3 else base
        return cls(base, origin)

    def __call__(self, href: str) -> str:
        href = href.strip()
        if href.startswith("/") and not href.startswith("//"):
            return _normalized(self.origin + href)
        if href.startswith(("http://", "https://")):
            return _normalized(href)
        return _normalized(urljoin(self.base, href))

    def or_as_written(self, href: str) -> str:
        """Like calling it, but an href no URL parser accepts (``http://host:PORT/``, a broken
        IPv6 literal) comes back as written: recorded for audits to judge, never raised."""
        try:
            return self(href)
        except ValueError:
            return href.strip()


class Anchor(NamedTuple):
    """One ``<a href>`` to an http(s) URL (a tuple: a catalog page has ~100, and a frozen
    dataclass costs ~3x to build)."""

    target: str
    text: str | None  # visible text, else its images' alt, else aria-label, else title
    nofollow: bool  # rel=nofollow on the element (the page's meta robots is not counted)
    region: str  # header | nav | footer | body
    text_source: str = "text"  # where text came from: see links.anchor_source (schema)


def anchor_text(a: Any) -> tuple[str | None, str]:
    """The anchor text of ``<a>`` and where it came from: its visible text ("text"), else
    the alt of its images ("img-alt": Google reads an image link's alt as its anchor
    text), else aria-label, else title; None with "img-no-alt" for images without alt,
    "none" for nothing at all (link-text rules judge both)."""
    text = node_text(a)[:_ANCHOR_CHARS]
    if text:
        return text, "text"
    images = list(a.iter("img"))
    alts = " ".join(" ".join((img.get("alt") or "").split()) for img in images).strip()
    if alts:
        return alts[:_ANCHOR_CHARS], "img-alt"
    for attribute in ("aria-label", "title"):
        value = " ".join((a.get(attribute) or "").split())
        if value:
            return value[:_ANCHOR_CHARS], attribute
    return None, "img-no-alt" if images else "none"


def anchor_regions(doc: Any) -> dict[Any, str]:
    """The page region of every ``<a>`` inside a header, nav or footer (by tag, then ARIA role)."""
    regions: dict[Any, str] = {}
    for container in doc.iter("header", "footer", "nav"):
        for a in container.iter("a"):
            regions[a] = _REGION_TAGS[container.tag]
    for container in _ROLES(doc):
        for a in container.iter("a"):
            regions.setdefault(a, _REGION_ROLES[container.get("role")])
    return regions


def anchors(doc: Any, resolve: Callable[[str], str]) -> list[Anchor]:
    """Every ``<a>`` leading to an http(s) URL; in-page, script and mail links are not links."""
    regions = anchor_regions(doc)
    found = []
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            continue
        try:
            target = resolve(href)
        except ValueError:  # e.g. an invalid IPv6 host: not a link anyone can follow
            continue
        if not target.startswith(("http://", "https://")):
            continue
        text, source = anchor_text(a)
        nofollow = "nofollow" in (a.get("rel") or "").lower()
        found.append(Anchor(target, text, nofollow, regions.get(a, "body"), source))
    return found


def non_link_anchors(doc: Any, resolve: Callable[[str], str]) -> list[dict[str, Any]]:
    """The ``<a>`` elements a crawler cannot follow to a URL, with the attributes that tell a
    placeholder from a broken link (first 50): no href, a ``javascript:`` or ``file:`` href,
    an href no URL parser accepts, or an in-page ``#`` href whose onclick navigates.
    ``href=""`` (the page itself), ``mailto:``/``tel:`` and plain in-page links are links."""
    found: list[dict[str, Any]] = []
    for a in doc.iter("a"):
        if len(found) >= _MAX_NON_LINK_ANCHORS:
            break
        written = a.get("href")
        href = "".join((written or "").split()).lower()
        onclick = a.get("onclick") is not None
        if written is None or href.startswith(("javascript:", "file:")):
            broken = True
        elif href.startswith("#"):
            broken = onclick
        elif href.startswith(_SKIP_SCHEMES) or not href:
            broken = False
        else:
            try:
                resolve(written)
                broken = False
            except ValueError:
                broken = True
        if broken:
            text, _ = anchor_text(a)
            found.append({
                "href": None if written is None else written.strip()[:_ANCHOR_CHARS],
                "text": text, "onclick": onclick, "role": a.get("role"), "name": a.get("name"),
                "id": a.get("id"), "aria_current": a.get("aria-current"),
                "href_attributes": any(a.get(n) is not None for n in _HREF_ATTRIBUTES),
            })  # fmt: skip
    return found


def images(doc: Any, resolve: Resolver) -> list[dict[str, Any]]:
    """``<img>`` elements (first 500): src resolved (lazy ``data-src`` when no src), alt, size."""
    found: list[dict[str, Any]] = []
    for img in doc.iter("img"):
        if len(found) >= _MAX_IMAGES:
            break
        src = img.get("src") or img.get("data-src")
        absolute = resolve.or_as_written(src) if src and not src.startswith("data:") else src
        found.append({
            "src": absolute, "alt": img.get("alt"), "width": img.get("width"),
            "height": img.get("height"), "loading": img.get("loading"),
        })  # fmt: skip
    return found


def insecure_resources(doc: Any, url: str) -> list[str]:
    """Subresources an https page loads over http (mixed content); none for an http page."""
    if not url.startswith("https://"):
        return []
    insecure = []
    for tag, attr in _SUBRESOURCES:
        for el in doc.iter(tag):
            value = el.get(attr) or ""
            if value.startswith("http://") and (
                tag != "link" or "stylesheet" in (el.get("rel") or "")
            ):
                insecure.append(value)
    return insecure


def link_rows(
    url: str,
    *,
    canonical: str | None,
    hreflang: list[dict[str, str | None]],
    page_images: list[dict[str, Any]],
    page_anchors: list[Anchor],
    page_nofollow: bool,
    hosts: frozenset[str],
) -> list[dict[str, Any]]:
    """The page's ``links.parquet`` rows: canonical, hreflang, img, then a."""

    def row(
        target: str,
        kind: str,
        anchor: str | None,
        nofollow: bool,
        region: str,
        anchor_source: str | None = None,
    ) -> dict[str, Any]:
        return {
            "source": url, "target": target, "kind": kind, "anchor": anchor,
            "nofollow": nofollow, "region": region, "internal": _site(target) in hosts,
            "anchor_source": anchor_source,
        }  # fmt: skip

    rows = [row(canonical, "canonical", None, False, "header")] if canonical else []
    rows += [
        row(alt["href"], "hreflang", alt["lang"], False, "header")
        for alt in hreflang
        if alt["href"] is not None  # no href: nothing to link to (SEO-HREFLANG-016)
    ]
    rows += [
        row(img["src"], "img", img["alt"], False, "body")
        for img in page_images
        if img["src"] and img["src"].startswith("http")
    ]
    rows += [
        row(a.target, "a", a.text, page_nofollow or a.nofollow, a.region, a.text_source)
        for a in page_anchors
    ]
    return rows
