"""Structured data as pages written by others carry it: strict JSON-LD, RDFa as nested items."""

from __future__ import annotations

import json

from seo_crawler.extract import extract
from seo_crawler.facts.structured_data import compact_rdfa

URL = "https://shop.example/p"


def _record(head: str = "", body: str = "") -> dict[str, object]:
    page = f"<html><head>{head}</head><body>{body}</body></html>".encode()
    return extract(URL, page, {"Content-Type": "text/html"}).record


def test_jsonld_that_is_not_strict_json_is_an_error_and_no_item() -> None:
    record = _record(
        '<script type="application/ld+json">{"@type": "Product", "name": "A",}</script>'
    )
    assert json.loads(str(record["structured_data"])) == []
    errors = record["structured_data_errors"]
    assert isinstance(errors, list) and len(errors) == 1 and "invalid JSON" in errors[0]


def test_rdfa_items_nest_like_jsonld() -> None:
    record = _record(
        body='<div vocab="https://schema.org/" typeof="Product"><span property="name">Bag</span>'
        '<div property="offers" typeof="Offer"><meta property="price" content="12.50">'
        '<link property="availability" href="https://schema.org/InStock"></div></div>'
    )
    items = json.loads(str(record["structured_data"]))
    assert items == [
        {
            "syntax": "rdfa",
            "type": "Product",
            "data": {
                "@context": "https://schema.org",
                "@type": "Product",
                "name": "Bag",
                "offers": {
                    "@type": "Offer",
                    "price": "12.50",
                    "availability": "https://schema.org/InStock",
                },
            },
        }
    ]


def test_compact_rdfa_survives_cycles_and_keeps_named_nodes() -> None:
    nodes = [
        {"@id": "_:a", "@type": ["https://schema.org/Thing"], "https://schema.org/knows": [{"@id": "_:b"}]},
        {"@id": "_:b", "@type": ["https://schema.org/Thing"], "https://schema.org/knows": [{"@id": "_:a"}]},
        {"@id": "https://s.ex/p", "@type": ["https://schema.org/Product", "https://schema.org/Car"]},
        {"@id": "https://s.ex/o", "@type": "https://schema.org/Offer", "https://schema.org/price": "1"},
    ]  # fmt: skip
    items = compact_rdfa(nodes)
    assert items == [
        {"@context": "https://schema.org", "@id": "https://s.ex/p", "@type": ["Product", "Car"]},
        {"@context": "https://schema.org", "@id": "https://s.ex/o", "@type": "Offer", "price": "1"},
    ]
