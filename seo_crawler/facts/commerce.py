"""What a product page tells a reader that runs no JavaScript: product, price, availability,
description, and what ``data-nosnippet`` hides from snippets and AI answers.

Pure functions of the parsed tree and the structured-data items (read before the tree is
pruned for text). AI crawlers fetch the raw HTML and run no script (Vercel's and
Google's notes below), so the crawl records these facts for the raw HTML beside the
rendered DOM (``raw_*`` columns of a rendered page).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree

from seo_crawler.facts.page_text import node_text

# Elements whose itemprop or class names a commerce fact (microdata, RDFa-less themes).
_DESCRIPTION = etree.XPath(
    "(//@itemprop[.='description'] | //@class[contains(., 'description')])/parent::*"
)
_AVAILABILITY = etree.XPath(
    "boolean(//@itemprop[.='availability'] | //@class[contains(., 'availability')])"
)
_NOSNIPPET = etree.XPath("//@data-nosnippet/parent::*")
# What a data-nosnippet element hides: the first of these it contains (or is).
_HIDDEN_KINDS = (
    ("price", "descendant-or-self::*[@itemprop='price' or contains(@class, 'price')]"),
    (
        "availability",
        "descendant-or-self::*[@itemprop='availability' or contains(@class, 'availability')"
        " or contains(@class, 'stock')]",
    ),
    (
        "description",
        "descendant-or-self::*[@itemprop='description' or contains(@class, 'description')]",
    ),
)
_HIDDEN = [(kind, etree.XPath(path)) for kind, path in _HIDDEN_KINDS]
_OFFER_TYPES = ("Offer", "AggregateOffer")


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every dict in a JSON-LD / microdata / RDFa item, depth-first (items nest offers)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _types(node: dict[str, Any]) -> str:
    value = node.get("@type", node.get("type", ""))
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def commerce_facts(
    doc: Any, items: list[dict[str, Any]], visible_prices: list[str]
) -> dict[str, Any]:
    """The ``product_markup`` (the page is about one product), ``price_shown``,
    ``availability_shown``, ``description_shown`` and ``data_nosnippet`` columns of a page
    record; prices, availability and descriptions count wherever they are in the markup."""
    price = availability = description = False
    product = _single_product(items)
    for node in _nodes([item.get("data") for item in items]):
        types = _types(node)
        if "Product" in types:  # Product, ProductGroup, schema.org/Product (microdata)
            description = description or _filled(node.get("description"))
        if any(t in types for t in _OFFER_TYPES):
            spec = node.get("priceSpecification")
            price = price or any(
                _filled(v)
                for v in (
                    node.get("price"),
                    node.get("lowPrice"),
                    spec.get("price") if isinstance(spec, dict) else None,
                )
            )
            availability = availability or _filled(node.get("availability"))
    description = description or any(node_text(n) for n in _DESCRIPTION(doc))
    return {
        "product_markup": product,
        "price_shown": price or bool(visible_prices),
        "availability_shown": availability or bool(_AVAILABILITY(doc)),
        "description_shown": description,
        "data_nosnippet": hidden_by_nosnippet(doc),
    }


def _single_product(items: list[dict[str, Any]]) -> bool:
    """The page is about one product: one top-level Product / ProductGroup item, or a page
    item whose mainEntity is one (a listing's many Product items do not make a product page)."""
    products = 0
    for item in items:
        data = item.get("data")
        types = str(item.get("type") or "")
        if "Product" in types:
            products += 1
        elif isinstance(data, dict) and isinstance(data.get("mainEntity"), dict):
            products += "Product" in _types(data["mainEntity"])
    return products == 1


def hidden_by_nosnippet(doc: Any) -> list[str]:
    """What ``data-nosnippet`` elements hide: price | availability | description | other."""
    kinds: list[str] = []
    for element in _NOSNIPPET(doc):
        found = [kind for kind, path in _HIDDEN if path(element)] or ["other"]
        kinds.extend(k for k in found if k not in kinds)
    return kinds
