"""Extraction: one HTTP response in, one page record and its links out. Pure.

No Scrapy here: audits, tests and notebooks call :func:`extract` on saved HTML.
The body is decoded and parsed once with lxml and every fact is read from that one
tree by the pieces in :mod:`seo_crawler.facts` (extruct's extractors take the same
tree), which is what keeps the crawler fast.

What is recorded is documented column by column in :mod:`seo_crawler.schema`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding

from seo_crawler.facts import links, page_text
from seo_crawler.facts.commerce import commerce_facts
from seo_crawler.facts.head import (
    Alternates,
    head_meta,
    header_alternates,
    html_alternates,
    nofollow_page,
    parse_link_header,
    resolved_or_as_written,
)
from seo_crawler.facts.product_page import product_facts
from seo_crawler.facts.structured_data import structured_data, visible_prices
from seo_crawler.urls import site_of

__all__ = ["PageFacts", "extract", "header_facts", "parse_link_header"]

# lxml.html's own parser picks every element's Python class (form, input, label...) in a
# Python callback: ~70,000 calls, ~1 ms, per catalog page. Extraction needs no form API, so
# every element is a plain HtmlElement, chosen in C. Parsers are not thread-safe: one a thread.
_LOOKUP = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)
_parsers = threading.local()
# The bytes of the body read for the encoding it declares (w3lib reads a <meta charset> in
# the first 4 KB): all extract needs of the body when it is given the decoded text.
DECLARED_PREFIX = 4096


def _parser() -> lxml.html.HTMLParser:
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = lxml.html.HTMLParser()
        parser.set_element_class_lookup(_LOOKUP)
    return parser


@dataclass
class PageFacts:
    """What one response tells: the record (pages.parquet columns) and its links."""

    record: dict[str, Any]
    links: list[dict[str, Any]]
    scripts: int  # <script> elements: with little content, a hint that JS builds the page


def header_values(headers: Mapping[str, Any], name: str) -> list[str]:
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
    hosts = internal_hosts if internal_hosts is not None else frozenset({site_of(url)})
    content_types = header_values(headers, "Content-Type")
    content_type = content_types[0] if content_types else None
    declared = http_content_type_encoding(content_type) if content_type else None
    declared = declared or html_body_declared_encoding(body[:DECLARED_PREFIX])
    if text is None or encoding is None:
        encoding, text = html_to_unicode(content_type, body)
    robots_tags = (v.strip().lower() for v in header_values(headers, "X-Robots-Tag"))
    record: dict[str, Any] = {
        "encoding": encoding,
        "encoding_declared": declared,
        "x_robots_tag": ", ".join(robots_tags) or None,
    }
    from_header = header_alternates(url, parse_link_header(header_values(headers, "Link")))
    if text.lstrip().startswith("<?xml"):
        text = text[text.find("?>") + 2 :]  # lxml refuses str input with an encoding declaration
    try:
        doc = lxml.html.document_fromstring(text, parser=_parser()) if text.strip() else None
    except (etree.ParserError, ValueError) as exc:
        doc = None
        record["error"] = f"unparsable HTML: {exc}"
    if doc is None:
        record.update(_empty_body())
        record.update(from_header.columns(lambda href: resolved_or_as_written(url, href)))
        return PageFacts(record, [], 0)
    return _extract_tree(url, doc, text, record, from_header, hosts)


def header_facts(
    url: str, headers: Mapping[str, Any], *, internal_hosts: frozenset[str] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Columns and link rows of a document that is not HTML (a PDF, an image): what its
    HTTP ``Link`` header says (canonical, hreflang), the only place such a file can say it.
    Google reads both for non-HTML files, so the audits judge them like a page's."""
    found = header_alternates(url, parse_link_header(header_values(headers, "Link")))
    if not found.canonicals and not found.hreflang:
        return {}, []
    columns = found.columns(lambda href: resolved_or_as_written(url, href))
    rows = links.link_rows(
        url,
        canonical=columns["canonical"],
        hreflang=found.hreflang,
        page_images=[],
        page_anchors=[],
        page_nofollow=False,
        hosts=internal_hosts if internal_hosts is not None else frozenset({site_of(url)}),
    )
    return columns, rows


def _empty_body() -> dict[str, Any]:
    return {
        "title": None, "title_count": 0, "meta_description": None, "meta_description_count": 0,
        "meta_robots": None, "lang": None, "viewport": None, "h1": [], "h2": [],
        "structured_data": "[]", "structured_data_errors": [], "jsonld_blocks": 0,
        "jsonld_control_chars": [], "non_link_anchors": [],
        "visible_prices": [], "product_markup": False, "price_shown": False,
        "availability_shown": False, "description_shown": False, "data_nosnippet": [],
        "images": [], "product": None, "insecure_resources": [], "word_count": 0,
        "content_hash": None, "simhash": None, "links_internal": 0, "links_external": 0,
    }  # fmt: skip


def _extract_tree(
    url: str,
    doc: Any,
    source: str,
    record: dict[str, Any],
    from_header: Alternates,
    hosts: frozenset[str],
) -> PageFacts:
    resolve = links.Resolver.for_page(url, doc)
    record.update(head_meta(doc))
    alternates = html_alternates(doc, resolve) + from_header
    record.update(alternates.columns(resolve.or_as_written))
    data = structured_data(doc, source, resolve.base)
    record.update(data.columns())
    record["visible_prices"] = visible_prices(doc)
    record.update(commerce_facts(doc, data.items, record["visible_prices"]))
    record.update(page_text.headings(doc))
    record["images"] = links.images(doc, resolve)
    # Only where a shopper could judge a product: Product markup or a price shown (a product
    # template's page without markup shows its price); articles and help pages skip the cost.
    if (
        record["product_markup"]
        or record["visible_prices"]
        or '"Product' in record["structured_data"]
    ):
        record["product"] = product_facts(
            doc, data.items, record["images"], record["visible_prices"], url, resolve.or_as_written
        )
    else:
        record["product"] = None
    record["insecure_resources"] = links.insecure_resources(doc, url)
    page_anchors = links.anchors(doc, resolve)
    record["non_link_anchors"] = links.non_link_anchors(doc, resolve)
    rows = links.link_rows(
        url,
        canonical=record["canonical"],
        hreflang=alternates.hreflang,
        page_images=record["images"],
        page_anchors=page_anchors,
        page_nofollow=nofollow_page(record["meta_robots"]),
        hosts=hosts,
    )
    internal = sum(1 for row in rows if row["kind"] == "a" and row["internal"])
    record["links_internal"] = internal
    record["links_external"] = len(page_anchors) - internal
    record["lang"] = page_text.document_lang(doc)
    record.update(page_text.fingerprints(page_text.visible_words(doc)))  # last: prunes the tree
    return PageFacts(record, rows, data.scripts - data.jsonld_blocks)
