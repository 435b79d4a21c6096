"""Merchant Center primary feeds, read as Merchant Center reads them, one item at a time.

Formats (Google's product data specification, support.google.com/merchants/answer/7052112,
and "Supported file formats", answer/160567):

* delimited text: a header row of attribute names, then one item per line, tab-separated
  (UTF-8, with or without BOM, or UTF-16 with BOM); names in English with ``_`` or a space
  (``image_link`` / ``image link``), any case;
* XML: RSS 2.0 (``<rss><channel><item>``) or Atom 1.0 (``<feed><entry>``) with the
  ``g:`` namespace ``http://base.google.com/ns/1.0``; RSS's own ``title``/``link``/
  ``description`` and Atom's ``title``/``link href``/``summary`` stand for the ``g:`` ones.

Prices are ``<number> <ISO 4217 code>`` (``12.99 CAD``; a French feed may write ``12,99 CAD``
or ``1 299,00 CAD``); availability is ``in_stock``, ``out_of_stock``, ``preorder`` or
``backorder`` (spaces for underscores accepted). An item whose price or availability cannot be
read keeps its other attributes and names the problem in ``issues``, as Merchant Center keeps
the item and reports the attribute; a file that is not a feed at all is refused whole
(:class:`FeedError`, one line).

XML goes through defusedxml (no DTD, no entity expansion, no external entities: a "billion
laughs" or XXE feed is refused) and is read incrementally, so a million-item feed costs the
memory of one chunk of items.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

G_NS = "http://base.google.com/ns/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"

# The attributes searchops keeps (product data specification names); others are counted.
TEXT_FIELDS = (
    "id", "title", "description", "link", "image_link", "availability", "brand", "gtin", "mpn",
    "identifier_exists", "condition", "item_group_id", "product_type", "google_product_category",
    "sale_price_effective_date", "custom_label_0", "custom_label_1", "custom_label_2",
    "custom_label_3", "custom_label_4", "content_language", "feed_label",
)  # fmt: skip
PRICE_FIELDS = ("price", "sale_price")
AVAILABILITY = {"in_stock", "out_of_stock", "preorder", "backorder"}
# Length limits of the specification (id 50, title 150, description 5,000, link 2,000).
MAX_LENGTH = {"id": 50, "title": 150, "description": 5000, "link": 2000, "image_link": 2000}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_PRICE = re.compile(r"^\s*([0-9][0-9 \u00a0\u202f.,]*)\s*([A-Za-z]{3})\s*$")
_PRICE_CODE_FIRST = re.compile(r"^\s*([A-Za-z]{3})\s*([0-9][0-9 \u00a0\u202f.,]*)\s*$")


class FeedError(Exception):
    """The file cannot be read as a feed; nothing of it is imported."""


def clean(value: object) -> str:
    """A feed value as text: control characters (no meaning in a feed, and a terminal would act
    on them) become spaces; surrounding blanks go."""
    return _CONTROL.sub(" ", str(value)).strip()


def parse_price(text: str) -> tuple[float | None, str | None]:
    """``12.99 CAD`` -> (12.99, 'CAD'); (None, None) when it is not a price."""
    match = _PRICE.match(text) or _PRICE_CODE_FIRST.match(text)
    if not match:
        return None, None
    number, code = match.groups()
    if number[:1].isalpha():
        number, code = code, number
    digits = re.sub(r"[ \u00a0\u202f]", "", number)
    if "," in digits and "." in digits:
        digits = digits.replace(",", "")  # 1,299.00
    elif digits.count(",") == 1 and len(digits.split(",")[1]) in (1, 2):
        digits = digits.replace(",", ".")  # 12,99 (decimal comma)
    elif "," in digits:
        digits = digits.replace(",", "")  # 1,299
    try:
        return float(digits), code.upper()
    except ValueError:
        return None, None


def normalize_item(raw: dict[str, str], extra: int = 0) -> dict[str, Any]:
    """One feed item as a row: text attributes, prices split into amount and currency, the
    availability normalized, and ``issues`` naming what Merchant Center would reject."""
    row: dict[str, Any] = {name: raw.get(name) or None for name in TEXT_FIELDS}
    issues = []
    if not row["id"]:
        issues.append("id missing")
    for name, limit in MAX_LENGTH.items():
        if row.get(name) and len(row[name]) > limit:
            issues.append(f"{name} longer than {limit}")
    given = raw.get("availability") or ""
    availability = given.lower().replace(" ", "_")
    if not given:
        issues.append("availability missing")
    elif availability not in AVAILABILITY:
        issues.append(f"availability {given!r} unknown")
    row["availability"] = availability if availability in AVAILABILITY else None
    for name in PRICE_FIELDS:
        text = raw.get(name) or ""
        amount, currency = parse_price(text) if text else (None, None)
        if name == "price" and not text:
            issues.append("price missing")
        elif text and amount is None:
            issues.append(f"{name} {text!r} unreadable")
        row[name] = amount
        row[f"{name}_currency"] = currency
    row["additional_images"] = int(raw.get("_additional_images", 0))
    row["other_attributes"] = extra
    row["issues"] = "; ".join(issues) or None
    return row


def _name(header: str) -> str:
    return clean(header).lower().replace(" ", "_")


def _text_stream(path: Path) -> IO[str]:
    head = path.open("rb").read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return path.open(encoding="utf-16", newline="")
    return path.open(encoding="utf-8-sig", newline="", errors="strict")


def _delimited(path: Path) -> Iterator[dict[str, Any]]:
    with _text_stream(path) as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        try:
            header = next(reader, None)
            if not header:
                raise FeedError(f"{path.name}: empty file")
            names = [_name(h) for h in header]
            if "id" not in names:
                raise FeedError(
                    f"{path.name}: no 'id' column in the header (a tab-separated feed starts "
                    "with attribute names: id, title, link, price, availability ...)"
                )
            known = set(TEXT_FIELDS) | set(PRICE_FIELDS) | {"additional_image_link"}
            for line, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) > len(names):
                    raise FeedError(
                        f"{path.name}: line {line} has {len(cells)} fields, the header {len(names)}"
                    )
                raw = {n: clean(c) for n, c in zip(names, cells, strict=False) if c.strip()}
                images = raw.pop("additional_image_link", "")
                raw["_additional_images"] = str(len([u for u in images.split(",") if u.strip()]))
                yield normalize_item(raw, extra=len(set(raw) - known - {"_additional_images"}))
        except UnicodeDecodeError as exc:
            raise FeedError(f"{path.name}: not UTF-8 or UTF-16 text ({exc.reason})") from None
        except csv.Error as exc:
            raise FeedError(f"{path.name}: line {reader.line_num}: {exc}") from None


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _xml_item(element: Element) -> dict[str, Any]:
    raw: dict[str, str] = {}
    plain: dict[str, str] = {}
    images = 0
    extra = 0
    for child in element:
        ns, name = _local(child.tag)
        if ns == G_NS:
            if name == "additional_image_link":
                images += 1
            elif len(child):
                extra += 1  # sub-attributes (shipping, tax, loyalty_program ...)
            elif name in TEXT_FIELDS or name in PRICE_FIELDS:
                raw[name] = clean(child.text or "")
            else:
                extra += 1
        elif ns in ("", ATOM_NS):
            if name == "link":
                plain["link"] = clean(child.get("href") or child.text or "")
            elif name in ("title", "description"):
                plain[name] = clean(child.text or "")
            elif name in ("summary", "content"):
                plain.setdefault("description", clean(child.text or ""))
    for name, value in plain.items():
        raw.setdefault(name, value)
    raw["_additional_images"] = str(images)
    return normalize_item(raw, extra=extra)


def _xml(path: Path) -> Iterator[dict[str, Any]]:
    depth = 0
    root = ""
    try:
        for event, element in iterparse(str(path), events=("start", "end"), forbid_dtd=True):
            ns, name = _local(element.tag)
            if event == "start":
                depth += 1
                if depth == 1:
                    root = name
                    if name not in ("rss", "feed"):
                        raise FeedError(
                            f"{path.name}: an XML feed is RSS 2.0 (<rss>) or Atom (<feed>), "
                            f"not <{name}>"
                        )
                continue
            depth -= 1
            if (root == "rss" and name == "item" and ns == "") or (
                root == "feed" and name == "entry" and ns == ATOM_NS
            ):
                yield _xml_item(element)
                element.clear()
    except (ParseError, DefusedXmlException) as exc:
        raise FeedError(f"{path.name}: not well-formed XML, or forbidden in it ({exc})") from None


def feed_language(path: Path) -> str | None:
    """The language an XML feed declares (RSS ``<language>``, Atom ``xml:lang``), if any."""
    if sniff(path) != "xml":
        return None
    try:
        for event, element in iterparse(str(path), events=("start", "end"), forbid_dtd=True):
            ns, name = _local(element.tag)
            lang = element.get("{http://www.w3.org/XML/1998/namespace}lang")
            if event == "start" and lang:
                return lang.split("-")[0].lower()
            if event == "end" and name == "language" and ns == "":
                return clean(element.text or "").split("-")[0].lower() or None
            if event == "end" and name in ("item", "entry"):
                return None
    except (ParseError, DefusedXmlException):
        return None
    return None


def sniff(path: Path) -> str:
    """'xml' or 'delimited', from the first characters of the file."""
    with path.open("rb") as fh:
        head = fh.read(512)
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    return "xml" if text.startswith(b"<") else "delimited"


def read_feed(path: Path) -> Iterator[dict[str, Any]]:
    """Every item of the feed at ``path`` as a row (see :func:`normalize_item`)."""
    if not path.is_file():
        raise FeedError(f"{path}: no such file")
    return _xml(path) if sniff(path) == "xml" else _delimited(path)
