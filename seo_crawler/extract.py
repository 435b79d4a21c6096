"""Extraction: one HTTP response in, one page record and its links out. Pure.

No Scrapy here: audits, tests and notebooks call :func:`extract` on saved HTML.
The body is parsed once with lxml and every fact is read from that one tree
(extruct's extractors take the same tree), which is what keeps the crawler fast.

What is recorded is documented column by column in :mod:`seo_crawler.schema`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

import lxml.html
from extruct.jsonld import JsonLdExtractor
from extruct.rdfa import RDFaExtractor
from extruct.w3cmicrodata import LxmlMicrodataExtractor
from lxml import etree
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding

from seo_crawler.simhash import simhash
from seo_crawler.urls import host_of, normalize

_MAX_IMAGES = 500  # per page: bounds record size on pathological galleries
_MAX_PRICES = 20
_ANCHOR_CHARS = 200
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#", "about:", "ftp:", "sms:")
_REGION_TAGS = {"nav": "nav", "header": "header", "footer": "footer"}
_REGION_ROLES = {"navigation": "nav", "banner": "header", "contentinfo": "footer"}
_INVISIBLE = ("script", "style", "noscript", "template", "svg")
_SUBRESOURCES = (
    ("img", "src"),
    ("script", "src"),
    ("iframe", "src"),
    ("source", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("link", "href"),
)

# RDFa costs ~9 ms/page in extruct (vs 0.2 ms for JSON-LD + microdata), so it runs only
# on pages carrying RDFa attributes; Open Graph <meta property="og:..."> alone is not RDFa
# content worth the cost (audits read it from meta tags).
_HAS_RDFA = etree.XPath(
    "boolean(//*[@typeof or @vocab or (@property and not(self::meta and ("
    "starts-with(@property,'og:') or starts-with(@property,'fb:') or starts-with(@property,'twitter:'))))])"
)
_HAS_MICRODATA = etree.XPath("boolean(//*[@itemscope])")
_PRICES = etree.XPath(
    "//*[@itemprop='price' or contains(@class,'price')][not(.//*[@itemprop='price' or contains(@class,'price')])]"
)
_LINK_HEADER = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")
_LINK_PARAM = re.compile(r";\s*([A-Za-z*-]+)\s*=\s*(?:\"([^\"]*)\"|([^;,\s]*))")

_jsonld = JsonLdExtractor()
_normalized = lru_cache(maxsize=20_000)(normalize)  # ~5 MB at most
_host = lru_cache(maxsize=10_000)(host_of)
_microdata = LxmlMicrodataExtractor()
_rdfa = RDFaExtractor()


@dataclass
class PageFacts:
    """What one response tells: the record (pages.parquet columns) and its links."""

    record: dict[str, Any]
    links: list[dict[str, Any]]
    scripts: int  # <script> elements: with little content, a hint that JS builds the page


def _text(node: Any) -> str:
    return " ".join(node.text_content().split())


def _header_values(headers: Mapping[str, Any], name: str) -> list[str]:
    """Header values as str from a plain dict (str -> str | list) or Scrapy's Headers."""
    values: Any = None
    getlist = getattr(headers, "getlist", None)
    if getlist is not None:
        values = getlist(name)
    else:
        for key, value in headers.items():
            if key.lower() == name.lower():
                values = value
                break
    if values is None:
        return []
    if isinstance(values, str | bytes):
        values = [values]
    return [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in values]


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


def extract(
    url: str,
    body: bytes,
    headers: Mapping[str, Any] | None = None,
    *,
    internal_hosts: frozenset[str] | None = None,
    text: str | None = None,
    encoding: str | None = None,
) -> PageFacts:
    """Facts of one HTML response. ``url`` is the final URL (base for relative links).

    ``text``/``encoding`` may be passed when already decoded (Scrapy did it); otherwise
    the body is decoded here. Never raises on bad HTML: an unparsable body gives an
    empty record with ``error`` set.
    """
    headers = headers or {}
    hosts = internal_hosts if internal_hosts is not None else frozenset({host_of(url)})
    content_types = _header_values(headers, "Content-Type")
    content_type = content_types[0] if content_types else None
    declared = http_content_type_encoding(content_type) if content_type else None
    declared = declared or html_body_declared_encoding(body[:4096])
    if text is None or encoding is None:
        encoding, text = html_to_unicode(content_type, body)
    record: dict[str, Any] = {
        "encoding": encoding,
        "encoding_declared": declared,
        "x_robots_tag": ", ".join(
            v.strip().lower() for v in _header_values(headers, "X-Robots-Tag")
        )
        or None,
    }
    header_links = parse_link_header(_header_values(headers, "Link"))
    if text.lstrip().startswith("<?xml"):
        text = text[text.find("?>") + 2 :]  # lxml refuses str input with an encoding declaration
    try:
        doc = lxml.html.document_fromstring(text) if text.strip() else None
    except (etree.ParserError, ValueError) as exc:
        doc = None
        record["error"] = f"unparsable HTML: {exc}"
    if doc is None:
        record.update(_empty_body())
        record["hreflang"], record["canonicals"], record["canonical_sources"] = _header_alternates(
            url, header_links
        )
        record["canonical"] = record["canonicals"][0] if record["canonicals"] else None
        return PageFacts(record, [], 0)
    return _extract_tree(url, doc, text, record, header_links, hosts)


def _empty_body() -> dict[str, Any]:
    return {
        "title": None, "title_count": 0, "meta_description": None, "meta_description_count": 0,
        "meta_robots": None, "lang": None, "viewport": None, "h1": [], "h2": [],
        "structured_data": "[]", "structured_data_errors": [], "jsonld_blocks": 0,
        "visible_prices": [], "images": [], "insecure_resources": [], "word_count": 0,
        "content_hash": None, "simhash": None, "links_internal": 0, "links_external": 0,
    }  # fmt: skip


def _header_alternates(
    url: str, header_links: list[dict[str, str]]
) -> tuple[list[dict[str, str]], list[str], list[str]]:
    hreflang, canonicals, sources = [], [], []
    for entry in header_links:
        rels = entry.get("rel", "").lower().split()
        if "canonical" in rels:
            canonicals.append(entry["url"])
            sources.append("header")
        if "alternate" in rels and "hreflang" in entry:
            hreflang.append(
                {
                    "lang": entry["hreflang"],
                    "href": normalize(urljoin(url, entry["url"])),
                    "source": "header",
                }
            )
    return hreflang, canonicals, sources


def _extract_tree(
    url: str,
    doc: Any,
    text: str,
    record: dict[str, Any],
    header_links: list[dict[str, str]],
    hosts: frozenset[str],
) -> PageFacts:
    base = url
    for base_el in doc.iter("base"):
        if base_el.get("href"):
            base = urljoin(url, base_el.get("href"))
        break

    origin = base[: base.find("/", base.find("//") + 2)] if base.count("/") >= 3 else base

    def resolve(href: str) -> str:
        """Absolute, normalized URL of ``href``; root-relative hrefs (most of a catalog's)
        skip urljoin, and normalization is cached across pages (nav links repeat)."""
        href = href.strip()
        if href.startswith("/") and not href.startswith("//"):
            return _normalized(origin + href)
        if href.startswith(("http://", "https://")):
            return _normalized(href)
        return _normalized(urljoin(base, href))

    # --- head: <title>, <meta>, <link>
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
    canonicals, sources = [], []
    hreflang: list[dict[str, str]] = []
    links: list[dict[str, Any]] = []
    for link in doc.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        href = link.get("href")
        if href is None:
            continue
        if "canonical" in rels:
            canonicals.append(href.strip())
            sources.append("html")
        elif "alternate" in rels and link.get("hreflang") is not None:
            hreflang.append(
                {
                    "lang": link.get("hreflang").strip(),
                    "href": resolve(href),
                    "source": "html",
                }
            )
    header_hreflang, header_canonicals, header_sources = _header_alternates(url, header_links)
    canonicals += header_canonicals
    sources += header_sources
    hreflang += header_hreflang
    canonical = resolve(canonicals[0]) if canonicals else None
    meta_robots = ", ".join(r for r in robots if r) or None
    page_nofollow = "nofollow" in (meta_robots or "") or "none" in (meta_robots or "").split(", ")

    def add_link(target: str, kind: str, anchor: str | None, nofollow: bool, region: str) -> None:
        links.append({
            "source": url, "target": target, "kind": kind, "anchor": anchor,
            "nofollow": nofollow, "region": region, "internal": _host(target) in hosts,
        })  # fmt: skip

    if canonical:
        add_link(canonical, "canonical", None, False, "header")
    for alt in hreflang:
        add_link(alt["href"], "hreflang", alt["lang"], False, "header")

    # --- structured data (before the tree is pruned for text)
    items: list[dict[str, Any]] = []
    errors: list[str] = []
    scripts = 0
    jsonld_blocks = 0
    for number, script in enumerate(doc.iter("script")):
        scripts += 1
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        jsonld_blocks += 1
        try:
            # extruct parses every block of a document in one call and raises on the first
            # invalid one (losing the others); per block we keep the valid ones and record why
            # the others failed.
            for item in _jsonld.extract_items(script):
                _add_jsonld(items, item)
        except (ValueError, TypeError) as exc:
            errors.append(f"json-ld block {number}: {type(exc).__name__}: {str(exc)[:200]}")
    if _HAS_MICRODATA(doc):
        try:
            for item in _microdata.extract_items(doc, base):
                items.append(
                    {"syntax": "microdata", "type": _type_name(item.get("type")), "data": item}
                )
        except Exception as exc:  # extruct on hostile markup: recorded, never fatal
            errors.append(f"microdata: {type(exc).__name__}: {str(exc)[:200]}")
    if _HAS_RDFA(doc):
        try:
            for item in _rdfa.extract(text, base_url=base):
                items.append(
                    {"syntax": "rdfa", "type": _type_name(item.get("@type")), "data": item}
                )
        except Exception as exc:
            errors.append(f"rdfa: {type(exc).__name__}: {str(exc)[:200]}")

    prices = []
    for node in _PRICES(doc)[:_MAX_PRICES]:
        value = node.get("content") if node.tag == "meta" else (node.get("content") or _text(node))
        if value:
            prices.append(value[:100])

    # --- body: headings, images, links
    h1 = [_text(h) for h in doc.iter("h1")]
    h2 = [_text(h) for h in doc.iter("h2")]
    images: list[dict[str, Any]] = []
    for img in doc.iter("img"):
        if len(images) >= _MAX_IMAGES:
            break
        src = img.get("src") or img.get("data-src")
        absolute = resolve(src) if src and not src.startswith("data:") else src
        images.append({
            "src": absolute, "alt": img.get("alt"), "width": img.get("width"),
            "height": img.get("height"), "loading": img.get("loading"),
        })  # fmt: skip
        if absolute and absolute.startswith("http"):
            add_link(absolute, "img", img.get("alt"), False, "body")
    insecure = []
    if url.startswith("https://"):
        for tag, attr in _SUBRESOURCES:
            for el in doc.iter(tag):
                value = el.get(attr) or ""
                if value.startswith("http://") and (
                    tag != "link" or "stylesheet" in (el.get("rel") or "")
                ):
                    insecure.append(value)

    regions: dict[Any, str] = {}
    for container in doc.iter("header", "footer", "nav"):
        for a in container.iter("a"):
            regions[a] = _REGION_TAGS[container.tag]
    for container in doc.xpath("//*[@role='navigation' or @role='banner' or @role='contentinfo']"):
        for a in container.iter("a"):
            regions.setdefault(a, _REGION_ROLES[container.get("role")])
    internal = external = 0
    for a in doc.iter("a"):
        href = a.get("href")
        if not href:
            continue
        href = href.strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            continue
        try:
            target = resolve(href)
        except ValueError:
            continue
        if not target.startswith(("http://", "https://")):
            continue
        rel = (a.get("rel") or "").lower()
        anchor = _text(a)[:_ANCHOR_CHARS] or a.get("title") or a.get("aria-label")
        add_link(target, "a", anchor, page_nofollow or "nofollow" in rel, regions.get(a, "body"))
        if links[-1]["internal"]:
            internal += 1
        else:
            external += 1
    regions.clear()

    # --- visible text (prunes the tree: everything above is done)
    html_el = doc if doc.tag == "html" else doc.getroottree().getroot()
    lang = html_el.get("lang") if html_el is not None else None
    body = doc.find("body")
    words: list[str] = []
    if body is not None:
        etree.strip_elements(body, *_INVISIBLE, with_tail=False)
        # Text nodes joined by spaces: text_content() glues adjacent blocks ("shirtDetails").
        words = " ".join(body.itertext()).split()
    normalized = " ".join(words)

    record.update({
        "title": _text(titles[0]) if titles else None,
        "title_count": len(titles),
        "meta_description": " ".join(descriptions[0].split()) if descriptions else None,
        "meta_description_count": len(descriptions),
        "meta_robots": meta_robots,
        "canonical": canonical,
        "canonicals": canonicals,
        "canonical_sources": sources,
        "hreflang": hreflang,
        "lang": lang.strip() if lang else None,
        "viewport": viewport,
        "h1": h1,
        "h2": h2,
        "structured_data": json.dumps(items, ensure_ascii=False, default=str),
        "structured_data_errors": errors,
        "jsonld_blocks": jsonld_blocks,
        "visible_prices": prices,
        "images": images,
        "insecure_resources": insecure,
        "word_count": len(words),
        "content_hash": hashlib.sha1(normalized.lower().encode("utf-8")).hexdigest() if words else None,
        "simhash": simhash(words) if words else None,
        "links_internal": internal,
        "links_external": external,
    })  # fmt: skip
    return PageFacts(record, links, scripts - jsonld_blocks)


def _type_name(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _add_jsonld(items: list[dict[str, Any]], item: Any) -> None:
    """JSON-LD items; an ``@graph`` is flattened so rules see its Products directly."""
    if not isinstance(item, dict):
        return
    graph = item.get("@graph")
    if isinstance(graph, list):
        for node in graph:
            if isinstance(node, dict):
                items.append(
                    {"syntax": "json-ld", "type": _type_name(node.get("@type")), "data": node}
                )
        return
    items.append({"syntax": "json-ld", "type": _type_name(item.get("@type")), "data": item})
