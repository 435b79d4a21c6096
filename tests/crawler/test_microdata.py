"""The crawler's microdata reader gives, item for item, what extruct's reference reader
(``extruct.w3cmicrodata.LxmlMicrodataExtractor``) gives, on pages others wrote and on the
demo's listings, and URL values are what ``urljoin`` makes of them."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import lxml.html
import pytest
from extruct.w3cmicrodata import LxmlMicrodataExtractor

from seo_crawler.facts.structured_data import _Microdata, microdata_items

CORPUS = Path(__file__).parents[1] / "corpus" / "site"
BASE = "http://localhost:8080/shop/p/boot.html?x=1"

EDGE_CASES = {
    "nested-and-multi": """
        <div itemscope itemtype="https://schema.org/Product https://schema.org/Thing"
             itemid=" urn:sku:1 ">
          <span itemprop="name brand">Boot</span>
          <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
            <meta itemprop="price" content="12.50"><meta itemprop="price" content="13">
            <link itemprop="availability" href="https://schema.org/InStock">
            <time itemprop="validFrom" datetime="2026-01-01">Jan</time>
            <data itemprop="sku" value="A1">x</data><meter itemprop="q" value="3"></meter>
          </div>
          <div itemscope itemtype="https://schema.org/Review"><span itemprop="author">Al</span></div>
          <!-- a comment --><?pi x?>
          <p itemprop="description">Warm <b>and</b> <script>x()</script>dry<style>b{}</style></p>
          <span itemprop="color" content="red">Red</span>
          <input itemprop="query-input" name="q" required>
          <span itemprop="empty"></span>
        </div>""",
    "urls": """
        <div itemscope itemtype="https://schema.org/ImageObject">
          <img itemprop="a" src="/img/1.jpg"><img itemprop="a" src="https://cdn.example/x.png">
          <a itemprop="b" href="../up/./x">r</a><a itemprop="b" href="//cdn.example/y">n</a>
          <a itemprop="b" href="?page=2">q</a><a itemprop="b" href="#top">f</a>
          <a itemprop="b" href="  /spaced  ">s</a><a itemprop="b" href="">e</a>
          <a itemprop="b" href="/p?">eq</a><a itemprop="b" href="/café/é">u</a>
          <a itemprop="b" href="http://OTHER.example">h</a><a itemprop="b" href="mailto:a@b.c">m</a>
          <object itemprop="c" data="obj.swf"></object><area itemprop="c" href="/.well-known/x">
          <iframe itemprop="c" src="ftp://files.example/a"></iframe>
        </div>""",
    "no-properties": '<span itemscope itemtype="https://schema.org/Thing">Just text</span>'
    '<meta itemscope content="m"><a itemscope href="/self">a</a>',
    "itemref": '<div itemscope itemtype="https://schema.org/Product" itemref="extra">'
    '<span itemprop="name">A</span></div><p id="extra"><span itemprop="sku">S1</span></p>',
}


def _pages() -> dict[str, str]:
    pages = {name: f"<html><body>{html}</body></html>" for name, html in EDGE_CASES.items()}
    for path in sorted(CORPUS.rglob("*.html")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "itemscope" in text:
            pages[str(path.relative_to(CORPUS))] = text
    return pages


PAGES = _pages()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_items_are_extructs(name: str) -> None:
    doc = lxml.html.document_fromstring(PAGES[name])
    expected = LxmlMicrodataExtractor().extract_items(doc, BASE)
    assert expected, "every case carries items"
    assert microdata_items(doc, BASE) == expected


def test_demo_listing_items_are_extructs(demo_site: object) -> None:
    url = demo_site.absolute("/en-ca/c/jackets/")  # type: ignore[attr-defined]
    with urllib.request.urlopen(url) as response:
        doc = lxml.html.document_fromstring(response.read())
    expected = LxmlMicrodataExtractor().extract_items(doc, url)
    assert len(expected) >= 10
    assert microdata_items(doc, url) == expected


@pytest.mark.parametrize(
    "base", [BASE, "https://shop.example", "https://shop.example:8443/a/b/", "about:blank"]
)
@pytest.mark.parametrize(
    "href",
    [
        "/x", "/a/b?c=d&e", "/a/../b", "/a/./b", "/.", "/p?", "/p#f", "//h/x", "x", "",
        "?q", "#f", "http://h/p", "https://h:9/p?q", "https://h", "HTTP://H/P", "/é",
        "http://h/a/../b", "/a b", " /x ",
    ],
)  # fmt: skip
def test_url_values_are_urljoins(base: str, href: str) -> None:
    assert _Microdata(base).join(href) == urljoin(base, href.strip())
