"""The demo site's pages, robots.txt, sitemaps, determinism and scale."""

from __future__ import annotations

import gzip
import json
import time
import xml.etree.ElementTree as ET
from typing import Any

from click.testing import CliRunner

from demo.site import serve
from demo.site.catalog import Catalog
from demo.site.cli import demo_site as demo_site_command
from demo.site.defects import manifest
from tests.demosite.crawl import SM, XHTML, sitemap_urls
from tests.demosite.helpers import canonical, fetch, hreflang, jsonld_items, title


def test_robots_txt(demo_site: Any) -> None:
    r = fetch(demo_site.url + "/robots.txt")
    assert r.status == 200 and r.headers["content-type"].startswith("text/plain")
    lines = r.body.decode().splitlines()
    assert "User-agent: *" in lines
    assert {"Disallow: /cart", "Disallow: /search"} <= set(lines)
    assert f"Sitemap: {demo_site.url}/sitemap_index.xml" in lines


def test_sitemaps_are_gzipped_xml_with_alternates(demo_site: Any) -> None:
    index = fetch(demo_site.url + "/sitemap_index.xml")
    root = ET.fromstring(index.body)
    assert root.tag == SM + "sitemapindex"
    children = [loc.text for loc in root.iter(SM + "loc")]
    assert children and all(c.endswith(".xml.gz") for c in children)
    for child in children:
        body = fetch(child).body
        assert body[:2] == b"\x1f\x8b"
        urlset = ET.fromstring(gzip.decompress(body))
        assert len(urlset.findall(SM + "url")) <= 50_000
    urls = sitemap_urls(demo_site.url)
    product = demo_site.catalog.product(demo_site.products - 1)
    alternates = dict(urls[demo_site.absolute(product.path_fr)])
    assert alternates == {
        "en-CA": demo_site.absolute(product.path_en),
        "fr-CA": demo_site.absolute(product.path_fr),
        "x-default": demo_site.absolute(product.path_en),
    }
    assert XHTML  # namespace of the alternates
    category = demo_site.catalog.categories[0]
    assert demo_site.absolute(category.path_fr) in urls
    for entry in demo_site.of_kind("status-404"):
        assert entry["url"] not in urls


def test_large_site_starts_and_serves_the_last_product_instantly(demo_site_factory: Any) -> None:
    started = time.perf_counter()
    site = demo_site_factory(products=200_000, seed=1)
    product = site.catalog.product(199_999)
    r = fetch(site.absolute(product.path_en))
    assert r.status == 200 and product.name_en in title(r.doc())
    assert time.perf_counter() - started < 3
    started = time.perf_counter()
    last = site.catalog.categories[-1]
    pages = last.page_count()
    r = fetch(site.absolute(last.path_en) + f"?page={pages}")
    assert r.status == 200 and product.path_en in r.text()
    assert time.perf_counter() - started < 0.5
    assert fetch(site.absolute(last.path_en) + f"?page={pages + 1}").status == 404
    names = [
        loc.text
        for loc in ET.fromstring(fetch(site.url + "/sitemap_index.xml").body).iter(SM + "loc")
    ]
    assert len([n for n in names if "products-" in n]) == 40  # 10,000 URLs each


def test_same_seed_same_site_other_seed_other_site(demo_site: Any, demo_site_factory: Any) -> None:
    twin = demo_site_factory(products=demo_site.products, seed=demo_site.seed, week=2)
    other = demo_site_factory(products=demo_site.products, seed=demo_site.seed + 1)
    clean = next(
        p
        for p in demo_site.catalog.iter_products(200)
        if demo_site.absolute(p.path_en) not in demo_site.defect_urls()
    )
    a = fetch(demo_site.absolute(clean.path_en)).text().replace(demo_site.url, "")
    b = fetch(twin.absolute(clean.path_en)).text().replace(twin.url, "")
    assert a == b
    assert Catalog(300, 8).product(5) != Catalog(300, 7).product(5)
    assert fetch(other.absolute(clean.path_en)).status == 404  # SKUs differ by seed
    assert other.defects != demo_site.defects


def test_home_chooser_and_about_pages(demo_site: Any) -> None:
    doc = fetch(demo_site.url + "/").doc()
    assert dict(hreflang(doc)) == {
        "en-CA": demo_site.url + "/en-ca/",
        "fr-CA": demo_site.url + "/fr-ca/",
        "x-default": demo_site.url + "/",
    }
    for path in ("/en-ca/", "/fr-ca/"):
        doc = fetch(demo_site.url + path).doc()
        assert canonical(doc) == demo_site.url + path
        assert (
            doc.xpath("//header")
            and doc.xpath("//nav")
            and doc.xpath("//main")
            and doc.xpath("//footer")
        )
        assert doc.xpath('//meta[@name="viewport"]') and len(doc.xpath("//h1")) == 1
    about = fetch(demo_site.url + "/en-ca/about/").text()
    assert 'vocab="https://schema.org/"' in about and 'typeof="Organization"' in about
    assert fetch(demo_site.url + "/en-ca").status == 301


def test_category_pagination_facets_and_microdata(demo_site_factory: Any) -> None:
    demo_site = demo_site_factory(products=2000)
    category = max(demo_site.catalog.categories, key=lambda c: c.size)
    base = demo_site.absolute(category.path_en)
    doc = fetch(base).doc()
    items = doc.xpath('//li[@itemtype="https://schema.org/Product"]')
    assert 20 <= len(items) <= 24
    assert items[0].xpath('.//*[@itemprop="price"]/@content')
    assert doc.xpath('//a[@rel="next"]/@href') == [category.path_en + "?page=2"]
    page2 = fetch(base + "?page=2").doc()
    assert canonical(page2) == base + "?page=2"
    assert dict(hreflang(page2))["fr-CA"] == demo_site.absolute(category.path_fr) + "?page=2"
    assert title(page2) != title(doc)
    assert fetch(base + "?page=1").status == 301
    facet = fetch(base + "?color=red").doc()
    assert canonical(facet) == base and not hreflang(facet)
    shown = facet.xpath('//li[@itemtype="https://schema.org/Product"]//a/@href')
    assert shown and all(demo_site.catalog.product_for_path(p).color == "red" for p in shown)
    combo = fetch(base + "?color=red&size=" + category.sizes[-1]).doc()
    for path in combo.xpath('//li[@itemtype="https://schema.org/Product"]//a/@href'):
        p = demo_site.catalog.product_for_path(path)
        assert (p.color, p.size) == ("red", category.sizes[-1])
    assert fetch(base + "?color=purple").status == 404
    ld = {i["@type"]: i for i in jsonld_items(doc)}
    assert ld["BreadcrumbList"]["itemListElement"][-1]["item"] == base


def test_slow_template_delays_the_hero(demo_site_factory: Any) -> None:
    site = demo_site_factory(slow_template="category", slowdown_ms=400)
    category = site.catalog.categories[0]
    hero = fetch(site.absolute(category.path_en)).doc().xpath('//img[@class="hero"]/@src')[0]
    started = time.perf_counter()
    assert fetch(site.absolute(hero)).body[:4] == b"\x89PNG"
    assert time.perf_counter() - started >= 0.4
    product_hero = f"/img/p/{site.catalog.product(0).sku}.png"
    started = time.perf_counter()
    fetch(site.absolute(product_hero))
    assert time.perf_counter() - started < 0.3


def test_manifest_endpoint_and_cli_list(demo_site: Any) -> None:
    served = json.loads(fetch(demo_site.url + "/__defects.json").body)
    assert served == demo_site.defects
    result = CliRunner().invoke(
        demo_site_command, ["--list-defects", "--products", "300", "--seed", "7", "--port", "9999"]
    )
    assert result.exit_code == 0
    assert json.loads(result.output) == manifest(300, 7, 1, "http://127.0.0.1:9999")


def test_serve_in_a_separate_process() -> None:
    with serve(products=120, seed=2, week=2, process=True) as url:
        assert url.pid > 0 and url.port > 0
        r = fetch(url + "/en-ca/")
        assert r.status == 200
        served = json.loads(fetch(url + "/__defects.json").body)
        assert served == manifest(120, 2, 2, url)


def test_served_process_never_outlives_its_parent() -> None:
    import subprocess
    import sys

    import psutil

    script = (
        "import os\n"
        "from demo.site import serve\n"
        "with serve(products=100, process=True) as url:\n"
        "    print(url.pid, flush=True)\n"
        "    os._exit(0)\n"  # no cleanup, as if killed
    )
    child = int(
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        ).stdout
    )
    deadline = time.monotonic() + 10
    while psutil.pid_exists(child) and psutil.Process(child).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the demo-site process outlived its parent"
        time.sleep(0.1)
