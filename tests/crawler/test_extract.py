"""Pure extraction on saved HTML: what each column records."""

from __future__ import annotations

import json

from seo_crawler.extract import extract, parse_link_header
from seo_crawler.simhash import hamming, simhash

URL = "https://shop.example.ca/en-ca/p/blue-shirt-123"

PAGE = b"""<!doctype html><html lang="en-CA"><head>
<meta charset="utf-8"><title>  Blue   shirt </title><title>Second</title>
<meta name="description" content="A blue shirt"><meta name="robots" content="NOINDEX, Follow">
<meta name="viewport" content="width=device-width">
<link rel="canonical" href="/en-ca/p/blue-shirt-123?ref=x#top">
<link rel="alternate" hreflang="fr-ca" href="/fr-ca/p/chemise-bleue-123">
<link rel="stylesheet" href="http://cdn.example.com/a.css">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"Product","name":"Blue shirt"},{"@type":"BreadcrumbList"}]}</script>
<script type="application/ld+json">{"@type": "Offer", price: 10}</script>
<script src="/app.js"></script>
</head><body>
<header><a href="/en-ca/">Home</a></header>
<nav><a href="/en-ca/c/shirts">Shirts</a></nav>
<div role="navigation"><a href="/en-ca/c/pants">Pants</a></div>
<h1>Blue shirt</h1><h2>Details</h2>
<div itemscope itemtype="https://schema.org/Offer"><span itemprop="price" content="19.99">$19.99</span></div>
<img src="/img/1.jpg" width="300" height="200" loading="lazy"><img src="/img/2.jpg" alt="">
<img src="http://insecure.example.com/x.png" alt="x">
<p>Some visible words here.<script>var hidden = "not counted";</script></p>
<a href="https://other.example.com/" rel="nofollow sponsored">Partner</a>
<a href="javascript:void(0)">js</a><a href="#reviews">reviews</a>
<footer><a href="/en-ca/about">About</a></footer>
</body></html>"""


def test_head_facts() -> None:
    facts = extract(
        URL, PAGE, {"Content-Type": "text/html; charset=utf-8", "X-Robots-Tag": ["noarchive"]}
    )
    r = facts.record
    assert r["title"] == "Blue shirt" and r["title_count"] == 2
    assert r["meta_description"] == "A blue shirt" and r["meta_description_count"] == 1
    assert r["meta_robots"] == "noindex, follow"
    assert r["x_robots_tag"] == "noarchive"
    assert r["canonical"] == "https://shop.example.ca/en-ca/p/blue-shirt-123?ref=x"
    assert r["canonicals"] == ["/en-ca/p/blue-shirt-123?ref=x#top"] and r["canonical_sources"] == [
        "html"
    ]
    assert r["hreflang"] == [
        {
            "lang": "fr-ca",
            "href": "https://shop.example.ca/fr-ca/p/chemise-bleue-123",
            "source": "html",
        }
    ]
    assert r["lang"] == "en-CA" and r["viewport"] == "width=device-width"
    assert r["encoding"] == "utf-8" and r["encoding_declared"] == "utf-8"


def test_structured_data_with_errors_recorded_not_raised() -> None:
    r = extract(URL, PAGE).record
    items = json.loads(r["structured_data"])
    assert [(i["syntax"], i["type"]) for i in items] == [
        ("json-ld", "Product"),
        ("json-ld", "BreadcrumbList"),
        ("microdata", "https://schema.org/Offer"),
    ]
    assert r["jsonld_blocks"] == 2
    assert (
        len(r["structured_data_errors"]) == 1 and "json-ld block" in r["structured_data_errors"][0]
    )
    assert r["visible_prices"] == ["19.99"]


def test_rdfa_only_when_page_carries_rdfa() -> None:
    rdfa = b"""<html><head><meta property="og:title" content="x"></head><body vocab="https://schema.org/">
    <div typeof="Product"><span property="name">Lamp</span></div></body></html>"""
    items = json.loads(extract(URL, rdfa).record["structured_data"])
    assert any(i["syntax"] == "rdfa" for i in items)
    og_only = (
        b"<html><head><meta property='og:title' content='x'></head><body><p>hi</p></body></html>"
    )
    assert json.loads(extract(URL, og_only).record["structured_data"]) == []


def test_body_images_links_and_regions() -> None:
    facts = extract(URL, PAGE)
    r = facts.record
    assert r["h1"] == ["Blue shirt"] and r["h2"] == ["Details"]
    images = r["images"]
    assert images[0] == {
        "src": "https://shop.example.ca/img/1.jpg",
        "alt": None,
        "width": "300",
        "height": "200",
        "loading": "lazy",
    }
    assert images[1]["alt"] == ""  # empty alt (decorative) is not missing alt
    assert set(r["insecure_resources"]) == {
        "http://cdn.example.com/a.css",
        "http://insecure.example.com/x.png",
    }
    anchors = {link["target"]: link for link in facts.links if link["kind"] == "a"}
    assert anchors["https://shop.example.ca/en-ca/"]["region"] == "header"
    assert anchors["https://shop.example.ca/en-ca/c/shirts"]["region"] == "nav"
    assert anchors["https://shop.example.ca/en-ca/c/pants"]["region"] == "nav"
    assert anchors["https://shop.example.ca/en-ca/about"]["region"] == "footer"
    partner = anchors["https://other.example.com/"]
    assert partner["nofollow"] and not partner["internal"] and partner["anchor"] == "Partner"
    assert URL not in anchors  # in-page "#reviews" is not a link to crawl
    assert not any(t.startswith("javascript") for t in anchors)
    assert r["links_internal"] == 4 and r["links_external"] == 1
    kinds = {link["kind"] for link in facts.links}
    assert kinds == {"a", "canonical", "hreflang", "img"}


def test_visible_text_excludes_scripts_and_hashes() -> None:
    r = extract(URL, PAGE).record
    # Home Shirts Pants Blue shirt Details $19.99 Some visible words here. Partner js reviews About
    assert r["word_count"] == 15
    same = extract(URL, PAGE.replace(b"Second", b"Other title")).record
    assert same["content_hash"] == r["content_hash"]  # body text unchanged
    other = extract(
        URL, PAGE.replace(b"Some visible words here.", b"Different words entirely now.")
    ).record
    assert other["content_hash"] != r["content_hash"]


def test_header_link_canonical_and_hreflang() -> None:
    headers = {
        "Link": '<https://shop.example.ca/a>; rel="canonical", <https://shop.example.ca/fr/a>; rel=alternate; hreflang=fr-ca'
    }
    r = extract(URL, b"<html><body><p>x</p></body></html>", headers).record
    assert r["canonicals"] == ["https://shop.example.ca/a"] and r["canonical_sources"] == ["header"]
    assert r["hreflang"] == [
        {"lang": "fr-ca", "href": "https://shop.example.ca/fr/a", "source": "header"}
    ]
    assert parse_link_header(['<x>; rel="next"'])[0] == {"url": "x", "rel": "next"}


def test_legacy_and_missing_encodings() -> None:
    body = "<html><head><meta charset='windows-1252'><title>Café</title></head><body>é</body></html>".encode(
        "cp1252"
    )
    r = extract(URL, body, {"Content-Type": "text/html"}).record
    assert r["title"] == "Café" and r["encoding"] == "cp1252" and r["encoding_declared"] == "cp1252"
    undeclared = "<html><head><title>Crème</title></head><body>x</body></html>".encode("latin-1")
    r = extract(URL, undeclared, {}).record
    assert (
        r["encoding_declared"] is None and r["title"] is not None
    )  # decoded somehow, never raises


def test_empty_and_garbage_bodies_do_not_raise() -> None:
    assert extract(URL, b"").record["title"] is None
    assert extract(URL, b"\x00\xff\xfe garbage <<<").record["word_count"] >= 0


def test_simhash_near_duplicates_are_close() -> None:
    words = ("the quick brown fox jumps over the lazy dog near the river bank " * 20).split()
    near = list(words)
    near[50] = "cat"
    other = ("completely unrelated catalogue text about garden furniture and lamps " * 20).split()
    assert hamming(simhash(words), simhash(near)) <= 3
    assert hamming(simhash(words), simhash(other)) > 10
    assert simhash(words) == simhash(list(words))  # stable (no per-process hash seed)
