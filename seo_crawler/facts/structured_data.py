"""Structured data of one parsed page: JSON-LD, microdata and RDFa items, and visible prices.

Pure functions of an lxml tree; extruct's extractors read the same tree the rest of the
extraction reads (:mod:`seo_crawler.extract`), so the body is parsed once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urljoin

import html_text
import orjson
from lxml import etree
from w3lib.html import strip_html5_whitespace

from seo_crawler.facts.page_text import node_text

_MAX_PRICES = 20
_ERROR_CHARS = 200
# Deepest JSON-LD nesting kept. Real markup nests < 10 levels; past 1,000 Python's JSON
# parser raises RecursionError, and orjson (which stores the items) refuses > 254 levels, and
# every later walk (flattening, rules) recurses too: a deeper block is an error, not items.
MAX_JSONLD_DEPTH = 100

# RDFa costs ~9 ms/page in extruct (vs 0.2 ms for JSON-LD + microdata), so it runs only
# on pages carrying RDFa attributes; Open Graph <meta property="og:..."> alone is not RDFa
# content worth the cost (audits read it from meta tags).
# The whole-document XPaths start from attributes (``//@itemscope/..``, not
# ``//*[@itemscope]``): libxml2 then tests only the attribute nodes, 2-10x faster on a
# catalog page (the results are the same node-sets, in document order).
_HAS_RDFA = etree.XPath(
    "boolean(//@typeof | //@vocab | //@property[not(parent::meta and ("
    "starts-with(.,'og:') or starts-with(.,'fb:') or starts-with(.,'twitter:')))])"
)
_HAS_MICRODATA = etree.XPath("boolean(//@itemscope)")
_PRICES = etree.XPath(
    "(//@itemprop[.='price'] | //@class[contains(.,'price')])/parent::*"
    "[not(*//@itemprop[.='price'] or *//@class[contains(.,'price')])]"
)

_SCHEMA_ORG = re.compile(r"^https?://schema\.org/")
_WRAPPERS = re.compile(r"^\s*(?://\s*)?(?:<!--|<!\[CDATA\[)|(?://\s*)?(?:-->|\]\]>)\s*$")

# Tags extruct's text cleaner removes or empties: their text goes the cleaner's way.
_CLEANED_TAGS = frozenset({"script", "style", "link", "meta"})


@cache
def _extruct_microdata() -> Any:
    """extruct's microdata extractor, for the rare pages with ``itemref``; otherwise
    :class:`_Microdata` does the work and extruct (~130 ms of imports: mf2py, bs4,
    rdflib) is never imported."""
    from extruct.w3cmicrodata import LxmlMicrodataExtractor

    return LxmlMicrodataExtractor()


@cache
def _extruct_rdfa() -> Any:
    from extruct.rdfa import RDFaExtractor

    return RDFaExtractor()


def _text_content(node: Any) -> str:
    """A text property's value, as extruct has it."""
    if len(node) == 0 and node.tag not in _CLEANED_TAGS:
        # Text only (comments would be children): nothing for extruct's cleaner to remove,
        # and html_text's result for one text node is its whitespace collapsed.
        return node_text(node)
    from extruct.w3cmicrodata import cleaner

    return str(html_text.etree_to_text(cleaner.clean_html(node)))


_ITEMS = etree.XPath("//@itemscope/..")
_ITEMPROPS = etree.XPath("//@itemprop/..")
_HAS_ITEMREF = etree.XPath("boolean(//@itemref[../@itemscope])")
# An href urljoin leaves as written (root-relative: joined to the origin): http(s) with a
# plain host, or a path; no fragment, no empty query, no whitespace.
_PLAIN_HREF = re.compile(r"(?:https?://[A-Za-z0-9.\-]+(?::[0-9]+)?)?/(?!/)[^\s#?]*(?:\?[^\s#]+)?")
_ORIGIN = re.compile(r"https?://[^/?#]+")
_SRC_TAGS = frozenset({"audio", "embed", "iframe", "img", "source", "track", "video"})
_HREF_TAGS = frozenset({"a", "area", "link"})


class _Microdata:
    """The W3C microdata-to-JSON algorithm (https://www.w3.org/TR/microdata/#json) as
    extruct's ``LxmlMicrodataExtractor(nested=True)`` implements it, item for item the
    same output (``tests/crawler/test_microdata.py`` compares the two), in a third of the
    time: a catalog listing's 24 Product + Offer items cost ~1.5 ms a page in extruct, the
    most expensive step of extraction, mostly generator layers and ``urljoin`` calls.
    Pages with ``itemref`` go to extruct (:func:`_extruct_microdata`)."""

    def __init__(self, base: str) -> None:
        self.base = base
        origin = _ORIGIN.match(base)
        self.origin = origin.group(0) if origin else None  # scheme://host[:port]
        self.seen: set[Any] = set()  # item elements already output (held, so ids are stable)

    def items(self, doc: Any) -> list[dict[str, Any]]:
        # Each item's own properties, in document order: the itemprop elements whose
        # nearest enclosing itemscope is the item. One XPath in C and a short walk up per
        # property, where a walk down each item's subtree visits every element under it.
        self.owned: dict[Any, list[Any]] = {}
        for prop in _ITEMPROPS(doc):
            owner = prop.getparent()
            while owner is not None and owner.get("itemscope") is None:
                owner = owner.getparent()
            if owner is not None:
                self.owned.setdefault(owner, []).append(prop)
        out = []
        for node in _ITEMS(doc):
            if node not in self.seen:
                out.append(self.item(node))
        return out

    def item(self, node: Any) -> dict[str, Any]:
        self.seen.add(node)
        item: dict[str, Any] = {}
        types = node.get("itemtype", "").split()
        if types:
            item["type"] = types[0] if len(types) == 1 else types
            nodeid = node.get("itemid")
            if nodeid:
                item["id"] = nodeid.strip()
        properties: dict[str, list[Any]] = {}
        for prop in self.owned.get(node, ()):
            value = self.value(prop)
            for name in prop.get("itemprop").split():
                properties.setdefault(name, []).append(value)
        if properties:
            item["properties"] = {k: v[0] if len(v) == 1 else v for k, v in properties.items()}
        else:
            item["value"] = self.value(node, force=True)
        return item

    def value(self, node: Any, force: bool = False) -> Any:
        if not force and node.get("itemscope") is not None:
            # extruct returns None for an item already output (a cycle): so do we
            return None if node in self.seen else self.item(node)
        tag = node.tag
        if tag == "meta":
            return node.get("content", "")
        if tag in _SRC_TAGS:
            return self.join(node.get("src", ""))
        if tag in _HREF_TAGS:
            return self.join(node.get("href", ""))
        if tag == "object":
            return self.join(node.get("data", ""))
        if tag in ("data", "meter"):
            return node.get("value", "")
        if tag == "time":
            return node.get("datetime", "")
        content = node.get("content")
        if content:
            return content
        itemprop = node.get("itemprop")
        if itemprop and (itemprop.endswith("-input") or itemprop.endswith("-output")):
            result: dict[str, Any] = {}
            if "required" in node.attrib:
                result["valueRequired"] = True
            name = node.get("name")
            if name:
                result["valueName"] = name
            return result
        return _text_content(node)

    def join(self, href: str) -> str:
        """``urljoin(base, href)`` as extruct has it; plain absolute and root-relative hrefs
        (no dot segments, nothing to re-encode) come out as urljoin would give them,
        without its parse and unparse."""
        href = strip_html5_whitespace(href)
        if _PLAIN_HREF.fullmatch(href) and "/." not in href:
            if not href.startswith("/"):
                return href
            if self.origin:
                return self.origin + href
        return urljoin(self.base, href)


def microdata_items(doc: Any, base: str) -> list[dict[str, Any]]:
    """Every top-level microdata item of ``doc`` (nested items inside their parents)."""
    if _HAS_ITEMREF(doc):
        return list(_extruct_microdata().extract_items(doc, base))
    return _Microdata(base).items(doc)


@dataclass
class StructuredData:
    """The structured data columns of a page record, and the page's script count."""

    items: list[dict[str, Any]]
    errors: list[str]
    jsonld_blocks: int
    scripts: int  # every <script>, JSON-LD included
    # JSON-LD blocks read although a string holds a raw control character (JSON forbids it)
    control_chars: list[str] = field(default_factory=list)

    def columns(self) -> dict[str, Any]:
        return {
            "structured_data": _json(self.items),
            "structured_data_errors": self.errors,
            "jsonld_blocks": self.jsonld_blocks,
            "jsonld_control_chars": self.control_chars,
        }


def _json(items: list[dict[str, Any]]) -> str:
    """Items as JSON text: orjson (~5x faster), ``json`` for what it refuses (integers
    beyond 64 bits, which a JSON-LD block may hold)."""
    try:
        return orjson.dumps(items, default=str).decode("utf-8")
    except TypeError:
        return json.dumps(items, ensure_ascii=False, default=str)


def structured_data(doc: Any, text: str, base: str) -> StructuredData:
    """Every item of ``doc``; a block or syntax that fails is an error string, never raised.

    ``text`` is the decoded HTML (extruct's RDFa parser reads the source, not the tree);
    ``base`` resolves microdata/RDFa URLs. Must run before the tree is pruned for text.
    """
    found = _jsonld_items(doc)
    if _HAS_MICRODATA(doc):
        try:
            for item in microdata_items(doc, base):
                found.items.append(_item("microdata", item.get("type"), item))
        except Exception as exc:  # extruct on hostile markup: recorded, never fatal
            found.errors.append(_error("microdata", exc))
    if _HAS_RDFA(doc):
        try:
            for item in compact_rdfa(_extruct_rdfa().extract(text, base_url=base)):
                found.items.append(_item("rdfa", item.get("@type"), item))
        except Exception as exc:
            found.errors.append(_error("rdfa", exc))
    return found


def compact_rdfa(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """extruct's RDFa graph (flattened, expanded JSON-LD: IRI keys, value lists, blank-node
    references) as nested items shaped like JSON-LD (``@type`` "Product", ``offers``
    holding the Offer, ``price`` "129.50"), so the rules read all three syntaxes alike.

    Roots are the typed nodes no other node references; typeless nodes (RDFa's own
    ``usesVocabulary`` statements) are not items. Blank-node IDs are random, so dropped.
    """
    by_id = {n["@id"]: n for n in nodes if isinstance(n, dict) and "@id" in n}
    referenced = {
        v["@id"]
        for n in by_id.values()
        for key, values in n.items()
        if not key.startswith("@") and isinstance(values, list)
        for v in values
        if isinstance(v, dict) and v.get("@id") in by_id and v["@id"] != n["@id"]
    }

    def value(v: Any, seen: frozenset[str]) -> Any:
        if not isinstance(v, dict):
            return v
        if "@value" in v:
            return v["@value"]
        ref = str(v.get("@id"))
        if ref in by_id and ref not in seen and "@type" in by_id[ref]:
            return node(by_id[ref], seen | {ref})
        return v.get("@id")

    def node(n: dict[str, Any], seen: frozenset[str]) -> dict[str, Any]:
        declared = n.get("@type", [])
        types = [
            _SCHEMA_ORG.sub("", str(t))
            for t in ([declared] if isinstance(declared, str) else declared)
        ]
        out: dict[str, Any] = {"@type": types[0] if len(types) == 1 else types}
        if not str(n.get("@id", "")).startswith("_:"):
            out["@id"] = n["@id"]
        for key, values in n.items():
            if key.startswith("@"):
                continue
            compacted = [value(v, seen) for v in (values if isinstance(values, list) else [values])]
            out[_SCHEMA_ORG.sub("", key)] = compacted[0] if len(compacted) == 1 else compacted
        return out

    return [
        {"@context": "https://schema.org", **node(n, frozenset({i}))}
        for i, n in by_id.items()
        if n.get("@type") and i not in referenced
    ]


def _jsonld_items(doc: Any) -> StructuredData:
    found = StructuredData(items=[], errors=[], jsonld_blocks=0, scripts=0)
    for number, script in enumerate(doc.iter("script")):
        found.scripts += 1
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        found.jsonld_blocks += 1
        # Block by block: one invalid block must not lose the others (extruct parses a
        # document's blocks in one call and raises on the first invalid one).
        too_deep = False
        try:
            data, control = _parse_block(script.text_content())
            too_deep = _depth_over(data, MAX_JSONLD_DEPTH)
        except RecursionError:
            too_deep = True  # nested beyond what Python's JSON parser can walk
        except ValueError as exc:
            # extruct repairs some invalid JSON (trailing commas, comments); Google does
            # not: its parser drops the whole block, so the block is an error, not items.
            found.errors.append(f"json-ld block {number}: invalid JSON: {str(exc)[:_ERROR_CHARS]}")
            continue
        if too_deep:
            found.errors.append(
                f"json-ld block {number}: nested deeper than {MAX_JSONLD_DEPTH} levels (not read)"
            )
            continue
        if control is not None:
            found.control_chars.append(f"json-ld block {number}: {control}")
        for item in data if isinstance(data, list) else [data]:
            if item:  # an empty object is no item (as extruct has it)
                found.items.extend(_flatten_jsonld(item))
    return found


def _parse_block(text: str) -> tuple[Any, str | None]:
    """A JSON-LD block (optionally wrapped in an HTML comment or CDATA section, as pages
    do) parsed as JSON, and what made it invalid JSON if it was read anyway; raises
    ValueError when it is not JSON. Parsed here once rather than validated here and
    parsed again by extruct (what extruct would return for a valid block: the same value).

    A raw control character (newline, tab) inside a string is read, as Python's lenient
    mode and browsers' consumers do, and reported (SEO-SCHEMA-013): JSON forbids it and
    strict parsers drop the whole block."""
    cleaned = _WRAPPERS.sub("", text).strip()
    try:
        return json.loads(cleaned), None
    except json.JSONDecodeError as exc:
        if not exc.msg.startswith("Invalid control character"):
            raise
        char = cleaned[exc.pos] if exc.pos < len(cleaned) else ""
        where = f"raw U+{ord(char):04X} inside a string at line {exc.lineno} column {exc.colno}"
        return json.loads(cleaned, strict=False), where


def _depth_over(data: Any, limit: int) -> bool:
    """Whether ``data`` nests deeper than ``limit`` containers (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _flatten_jsonld(item: Any) -> list[dict[str, Any]]:
    """JSON-LD items; an ``@graph`` is flattened so rules see its Products directly."""
    if not isinstance(item, dict):
        return []
    graph = item.get("@graph")
    if isinstance(graph, list):
        return [
            _item("json-ld", node.get("@type"), node) for node in graph if isinstance(node, dict)
        ]
    return [_item("json-ld", item.get("@type"), item)]


def _item(syntax: str, type_: Any, data: Any) -> dict[str, Any]:
    return {"syntax": syntax, "type": type_name(type_), "data": data}


def _error(where: str, exc: Exception) -> str:
    return f"{where}: {type(exc).__name__}: {str(exc)[:_ERROR_CHARS]}"


def type_name(value: Any) -> str | None:
    """An item's type as one string (a list of types joined by commas)."""
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def visible_prices(doc: Any) -> list[str]:
    """Price texts as shown: innermost itemprop=price / class*=price elements, first 20."""
    prices = []
    for node in _PRICES(doc)[:_MAX_PRICES]:
        value = (
            node.get("content") if node.tag == "meta" else (node.get("content") or node_text(node))
        )
        if value:
            prices.append(value[:100])
    return prices
