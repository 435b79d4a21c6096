"""Every defect kind in the manifest is served as its entry describes."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from demo.site import defects
from tests.demosite.helpers import (
    canonical,
    fetch,
    hreflang,
    jsonld_blocks,
    jsonld_items,
    meta_description,
    title,
    visible_text,
)


def _product_ld(doc: Any) -> dict[str, Any]:
    return next(i for i in jsonld_items(doc) if i.get("@type") == "Product")


@pytest.mark.parametrize("week", [1, 2])
def test_every_kind_exists_in_both_weeks(week: int, demo_site_factory: Any) -> None:
    site = demo_site_factory(week=week)
    kinds = {e["kind"] for e in site.defects}
    assert kinds == set(defects.KINDS)
    for entry in site.defects:
        assert entry["url"].startswith(site.url + "/") and entry["detail"]


def test_small_site_has_every_kind() -> None:
    kinds = {e["kind"] for e in defects.manifest(products=defects.MIN_PRODUCTS, seed=3)}
    assert kinds == set(defects.KINDS)
    with pytest.raises(ValueError):
        defects.manifest(products=defects.MIN_PRODUCTS - 1, seed=3)


def test_week_two_fixes_some_and_adds_some(demo_site_factory: Any) -> None:
    week2 = demo_site_factory(week=2)
    changes = defects.changes(week2.products, week2.seed, week2.url)
    assert changes["fixed"] and changes["new"] and changes["persisting"]
    for entry in changes["fixed"]:
        if entry["kind"] == "status-404":
            continue  # still 404, but no longer linked from anywhere
        page = fetch(entry["url"])
        assert page.status == 200, entry
    fixed_title = next(e for e in changes["fixed"] if e["kind"] == "title-missing")
    assert title(fetch(fixed_title["url"]).doc())
    new_title = next(e for e in changes["new"] if e["kind"] == "title-missing")
    assert title(fetch(new_title["url"]).doc()) is None


def test_titles_and_descriptions(demo_site: Any) -> None:
    for kind, check in (
        ("title-missing", lambda doc: title(doc) is None),
        ("title-too-long", lambda doc: len(title(doc) or "") > 100),
        ("description-missing", lambda doc: meta_description(doc) is None),
        ("description-too-long", lambda doc: len(meta_description(doc) or "") > 300),
        ("h1-missing", lambda doc: not doc.xpath("//h1")),
    ):
        for entry in demo_site.of_kind(kind):
            assert check(fetch(entry["url"]).doc()), entry
    for kind, read in (("title-duplicate", title), ("description-duplicate", meta_description)):
        values: dict[str, list[str]] = {}
        for entry in demo_site.of_kind(kind):
            values.setdefault(read(fetch(entry["url"]).doc()), []).append(entry["url"])
        assert values and all(len(urls) == 2 for urls in values.values()), values


def test_noindex_pages(demo_site: Any) -> None:
    seen = set()
    for entry in demo_site.of_kind("noindex-in-sitemap"):
        r = fetch(entry["url"])
        if "noindex" in r.headers.get("x-robots-tag", ""):
            seen.add("header")
        if r.doc().xpath('//meta[@name="robots"][contains(@content,"noindex")]'):
            seen.add("meta")
    assert seen == {"header", "meta"}


def test_canonicals(demo_site: Any) -> None:
    entry = demo_site.of_kind("canonical-to-redirect")[0]
    target = canonical(fetch(entry["url"]).doc())
    assert target == entry["target"]
    hop = fetch(target)
    assert hop.status == 301 and hop.headers["location"] == urlsplit(entry["url"]).path
    entry = demo_site.of_kind("canonical-to-404")[0]
    target = canonical(fetch(entry["url"]).doc())
    assert target == entry["target"] and fetch(target).status == 404
    entry = demo_site.of_kind("canonical-other-host")[0]
    target = canonical(fetch(entry["url"]).doc())
    assert target == entry["target"] and urlsplit(target).netloc != urlsplit(demo_site.url).netloc


def test_redirect_chain_and_loop(demo_site: Any) -> None:
    url = demo_site.of_kind("redirect-chain")[0]["url"]
    hops = []
    while True:
        r = fetch(url)
        if r.status not in (301, 302):
            break
        hops.append(r.status)
        url = demo_site.url + r.headers["location"]
    assert hops == [301, 302, 301] and r.status == 200
    url = demo_site.of_kind("redirect-loop")[0]["url"]
    visited = []
    for _ in range(4):
        r = fetch(url)
        assert r.status == 301
        visited.append(url)
        url = demo_site.url + r.headers["location"]
    assert visited[0] == visited[2] and visited[1] == visited[3]
    linking = {e["target"] for e in demo_site.of_kind("link-to-redirect")}
    page = fetch(demo_site.of_kind("link-to-redirect")[0]["url"]).doc()
    hrefs = {demo_site.url + h for h in page.xpath("//a/@href")}
    assert linking <= hrefs


def test_error_pages_and_links_to_them(demo_site: Any) -> None:
    for kind, status in (("status-404", 404), ("status-500", 500)):
        for entry in demo_site.of_kind(kind):
            assert fetch(entry["url"]).status == status
    for kind, status in (("link-to-404", 404), ("link-to-500", 500)):
        for entry in demo_site.of_kind(kind):
            doc = fetch(entry["url"]).doc()
            hrefs = {demo_site.url + h for h in doc.xpath("//a/@href") if h.startswith("/")}
            assert entry["target"] in hrefs
            assert fetch(entry["target"]).status == status


def test_hreflang_defects(demo_site: Any) -> None:
    codes = set()
    for entry in demo_site.of_kind("hreflang-invalid-code"):
        codes |= {c for c, _ in hreflang(fetch(entry["url"]).doc())}
    assert {"en-UK", "fr_CA"} <= codes
    for entry in demo_site.of_kind("hreflang-missing-self"):
        alternates = hreflang(fetch(entry["url"]).doc())
        assert alternates and entry["url"] not in [h for _, h in alternates]
    for entry in demo_site.of_kind("hreflang-missing-x-default"):
        alternates = dict(hreflang(fetch(entry["url"]).doc()))
        assert alternates and "x-default" not in alternates
    for entry in demo_site.of_kind("hreflang-not-reciprocal"):
        alternates = hreflang(fetch(entry["url"]).doc())
        assert entry["target"] in [h for _, h in alternates]
        back = [h for _, h in hreflang(fetch(entry["target"]).doc())]
        assert entry["url"] not in back


def test_structured_data_defects(demo_site: Any) -> None:
    for entry in demo_site.of_kind("jsonld-invalid"):
        blocks = jsonld_blocks(fetch(entry["url"]).doc())
        with pytest.raises(ValueError):
            for block in blocks:
                json.loads(block)
    entry = demo_site.of_kind("product-no-price")[0]
    assert "price" not in _product_ld(fetch(entry["url"]).doc())["offers"]
    entry = demo_site.of_kind("product-price-zero")[0]
    assert float(_product_ld(fetch(entry["url"]).doc())["offers"]["price"]) == 0
    entry = demo_site.of_kind("product-wrong-currency")[0]
    assert _product_ld(fetch(entry["url"]).doc())["offers"]["priceCurrency"] == "USD"
    entry = demo_site.of_kind("rating-without-count")[0]
    rating = _product_ld(fetch(entry["url"]).doc())["aggregateRating"]
    assert "ratingValue" in rating and not {"ratingCount", "reviewCount"} & set(rating)


def test_clean_product_page_structured_data(demo_site: Any) -> None:
    product = demo_site.catalog.product(demo_site.products - 1)
    doc = fetch(demo_site.absolute(product.path_fr)).doc()
    items = {i["@type"]: i for i in jsonld_items(doc)}
    offer = items["Product"]["offers"]
    assert offer["priceCurrency"] == "CAD" and float(offer["price"]) == product.price
    assert offer["availability"].startswith("https://schema.org/")
    assert items["Product"]["aggregateRating"]["ratingCount"] == product.rating_count
    assert items["BreadcrumbList"]["itemListElement"][-1]["item"] == demo_site.absolute(
        product.path_fr
    )
    price = doc.xpath('//span[@class="price"]')[0].text_content()
    assert price.replace("\u00a0", " ").endswith(" $") and "," in price
    assert doc.get("lang") == "fr-CA"
    assert len(visible_text(doc).split()) > 200


def test_content_defects(demo_site: Any) -> None:
    entry = demo_site.of_kind("image-no-alt")[0]
    hero = fetch(entry["url"]).doc().xpath('//img[@class="hero"]')[0]
    assert hero.get("alt") is None
    a, b = (visible_text(fetch(e["url"]).doc()) for e in demo_site.of_kind("duplicate-exact")[:2])
    assert a == b
    a, b = (
        visible_text(fetch(e["url"]).doc()).split() for e in demo_site.of_kind("duplicate-near")
    )
    assert a != b and len(set(a) ^ set(b)) <= 4
    entry = demo_site.of_kind("thin-content")[0]
    assert len(visible_text(fetch(entry["url"]).doc()).split()) < 50


def test_encoding_and_size_defects(demo_site: Any) -> None:
    charsets = set()
    for entry in demo_site.of_kind("non-utf8"):
        r = fetch(entry["url"])
        declared = r.charset or "meta-only"
        charsets.add(declared)
        with pytest.raises(UnicodeDecodeError):
            r.body.decode("utf-8")
        assert "é".encode("cp1252") in r.body  # accented French text, one byte per letter
        assert "Boréal" in r.text()
    assert charsets == {"windows-1252", "meta-only"}
    entry = demo_site.of_kind("oversized-page")[0]
    assert 2_500_000 < len(fetch(entry["url"]).body) < 4_000_000


def test_js_only_product(demo_site: Any) -> None:
    entry = demo_site.of_kind("js-only-product")[0]
    r = fetch(entry["url"])
    doc = r.doc()
    product = demo_site.catalog.product_for_url(entry["url"])
    assert not doc.xpath("//h1") and not jsonld_blocks(doc)
    assert product.name_en not in visible_text(doc)
    assert f"{product.price:.2f}" not in r.text()
    assert "atob(" in r.text()


def test_vitals_defects(demo_site: Any) -> None:
    import time

    entry = demo_site.of_kind("slow-hero")[0]
    hero = fetch(entry["url"]).doc().xpath('//img[@class="hero"]')[0]
    assert hero.get("width") == "800" and hero.get("height") == "500"
    started = time.perf_counter()
    assert fetch(demo_site.absolute(hero.get("src"))).status == 200
    assert time.perf_counter() - started >= defects.SLOW_HERO_MS / 1000
    entry = demo_site.of_kind("layout-shift")[0]
    assert "insertBefore" in fetch(entry["url"]).text()


def test_xss_payloads_survive_as_text(demo_site: Any) -> None:
    texts = []
    for entry in demo_site.of_kind("xss-payload"):
        r = fetch(entry["url"])
        doc = r.doc()
        texts += [title(doc) or "", meta_description(doc) or ""]
        texts += [h.text_content() for h in doc.xpath("//h1|//h2")]
        texts += [str(i.get("name")) + str(i.get("url")) for i in jsonld_items(doc)]
        texts += doc.xpath("//a/@href")
        # Escaped in the HTML: the only <script> elements are the site's own.
        assert all(
            s.get("type") == "application/ld+json" or "alert" not in (s.text or "")
            for s in doc.xpath("//script")
        )
    joined = "\n".join(texts)
    for payload in (
        defects.XSS_NAME_SCRIPT,
        defects.XSS_DESCRIPTION_IMG,
        defects.XSS_JSONLD_NAME,
        defects.XSS_TITLE_CLOSE,
        defects.XSS_JS_URL,
        defects.XSS_SVG,
    ):
        assert payload in joined, payload


def test_crawler_traps_go_on_forever(demo_site: Any) -> None:
    deeper = (
        '//main//a[contains(., "Next") or contains(., "filter") or contains(., "questions")]/@href'
    )
    for entry in demo_site.of_kind("crawler-trap"):
        assert entry["prefix"] is True
        url, seen = entry["url"], set()
        for _ in range(30):
            r = fetch(url)
            assert r.status == 200 and title(r.doc()) not in seen
            seen.add(title(r.doc()))
            url = urljoin(url, r.doc().xpath(deeper)[-1])
            assert url.startswith(entry["url"])


def test_orphans_are_not_listed(demo_site: Any) -> None:
    entry = demo_site.of_kind("orphan-in-sitemap")[0]
    product = demo_site.catalog.product_for_url(entry["url"])
    category = demo_site.catalog.category(product.category)
    listing = fetch(demo_site.absolute(category.path_en)).text()
    assert product.path_en not in listing and fetch(entry["url"]).status == 200
