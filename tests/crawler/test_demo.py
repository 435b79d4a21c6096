"""The crawl of the demo site records every page type and every seeded defect (its manifest)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import pytest

from demo.site.defects import KINDS
from seo_crawler import load_links, load_pages
from seo_crawler.simhash import hamming
from tests.fixtures_demo import DemoSite


@pytest.fixture(scope="module")
def pages(demo_run: Path) -> pd.DataFrame:
    return load_pages(demo_run).set_index("url")


@pytest.fixture(scope="module")
def links(demo_run: Path) -> pd.DataFrame:
    return load_links(demo_run)


def _items(row: pd.Series, type_name: str) -> list[dict[str, Any]]:
    return [
        i["data"]
        for i in json.loads(row["structured_data"])
        if i["syntax"] == "json-ld" and i["type"] == type_name
    ]


def _offer(row: pd.Series) -> dict[str, Any]:
    offers = _items(row, "Product")[0]["offers"]
    return offers[0] if isinstance(offers, list) else offers


def _hreflang(row: pd.Series) -> list[tuple[str, str]]:
    return [(h["lang"], h["href"]) for h in row["hreflang"] if h["source"] == "html"]


Check = Callable[[dict[str, Any], pd.DataFrame, pd.DataFrame, str], None]


def _pair(same: str) -> Check:
    def check(e: dict[str, Any], pages: pd.DataFrame, links: pd.DataFrame, site: str) -> None:
        value = pages.loc[e["url"], same]
        assert isinstance(value, str) and value, e
        assert (pages[same] == value).sum() >= 2, e  # shared with another page

    return check


def _links_to(e: dict[str, Any], pages: pd.DataFrame, links: pd.DataFrame, site: str) -> None:
    assert ((links.source == e["url"]) & (links.target == e["target"]) & (links.kind == "a")).any()


def _near(e: dict[str, Any], pages: pd.DataFrame, links: pd.DataFrame, site: str) -> None:
    a, b = pages.loc[e["url"], "simhash"], pages.loc[e["target"], "simhash"]
    assert pages.loc[e["url"], "content_hash"] != pages.loc[e["target"], "content_hash"]
    assert hamming(int(a), int(b)) <= 12


def _canonical(e: dict[str, Any], pages: pd.DataFrame) -> None:
    assert pages.loc[e["url"], "canonical"] == e["target"]


CHECKS: dict[str, Check] = {
    "title-missing": lambda e, p, lk, s: pd.isna(p.loc[e["url"], "title"]) or _fail(e),
    "title-duplicate": _pair("title"),
    "title-too-long": lambda e, p, lk, s: len(p.loc[e["url"], "title"]) > 100 or _fail(e),
    "description-missing": lambda e, p, lk, s: (
        pd.isna(p.loc[e["url"], "meta_description"]) or _fail(e)
    ),
    "description-duplicate": _pair("meta_description"),
    "description-too-long": lambda e, p, lk, s: (
        len(p.loc[e["url"], "meta_description"]) > 300 or _fail(e)
    ),
    "h1-missing": lambda e, p, lk, s: len(p.loc[e["url"], "h1"]) == 0 or _fail(e),
    "noindex-in-sitemap": lambda e, p, lk, s: (
        (
            bool(p.loc[e["url"], "in_sitemap"])
            and "noindex" in f"{p.loc[e['url'], 'meta_robots']} {p.loc[e['url'], 'x_robots_tag']}"
        )
        or _fail(e)
    ),
    "canonical-to-redirect": lambda e, p, lk, s: (
        _canonical(e, p),
        len(p.loc[e["target"], "redirect_chain"]) >= 1,
    ),
    "canonical-to-404": lambda e, p, lk, s: (
        _canonical(e, p),
        p.loc[e["target"], "status"] == 404 or _fail(e),
    ),
    "canonical-other-host": lambda e, p, lk, s: (
        _canonical(e, p),
        e["target"] not in p.index
        or _fail(e),  # outside the scope: recorded as a link, never fetched
        not lk[(lk.source == e["url"]) & (lk.kind == "canonical")].internal.any() or _fail(e),
    ),
    "redirect-chain": lambda e, p, lk, s: (
        [h["status"] for h in p.loc[e["url"], "redirect_chain"]] == [301, 302, 301] or _fail(e),
        p.loc[e["url"], "final_url"] == e["target"] or _fail(e),
    ),
    "redirect-loop": lambda e, p, lk, s: (
        p.loc[e["url"], "fetch_state"] == "redirect_loop" or _fail(e)
    ),
    "link-to-redirect": _links_to,
    "status-404": lambda e, p, lk, s: p.loc[e["url"], "status"] == 404 or _fail(e),
    "status-500": lambda e, p, lk, s: p.loc[e["url"], "status"] == 500 or _fail(e),
    "link-to-404": lambda e, p, lk, s: (
        _links_to(e, p, lk, s),
        p.loc[e["target"], "status"] == 404 or _fail(e),
    ),
    "link-to-500": lambda e, p, lk, s: (
        _links_to(e, p, lk, s),
        p.loc[e["target"], "status"] == 500 or _fail(e),
    ),
    "orphan-in-sitemap": lambda e, p, lk, s: (
        p.loc[e["url"], "discovered_from"] == "sitemap" or _fail(e),
        bool(p.loc[e["url"], "in_sitemap"]) or _fail(e),
        not ((lk.target == e["url"]) & (lk.kind == "a")).any() or _fail(e),
    ),
    "hreflang-not-reciprocal": lambda e, p, lk, s: (
        e["target"] in [h for _, h in _hreflang(p.loc[e["url"]])] or _fail(e),
        e["url"] not in [h for _, h in _hreflang(p.loc[e["target"]])] or _fail(e),
    ),
    "hreflang-invalid-code": lambda e, p, lk, s: (
        any(lang in ("en-UK", "fr_CA", "en-uk", "fr_ca") for lang, _ in _hreflang(p.loc[e["url"]]))
        or _fail(e)
    ),
    "hreflang-missing-self": lambda e, p, lk, s: (
        e["url"] not in [h for _, h in _hreflang(p.loc[e["url"]])] or _fail(e)
    ),
    "hreflang-missing-x-default": lambda e, p, lk, s: (
        "x-default" not in [lang.lower() for lang, _ in _hreflang(p.loc[e["url"]])] or _fail(e)
    ),
    "jsonld-invalid": lambda e, p, lk, s: (
        len(p.loc[e["url"], "structured_data_errors"]) >= 1 or _fail(e)
    ),
    "product-no-price": lambda e, p, lk, s: "price" not in _offer(p.loc[e["url"]]) or _fail(e),
    "product-price-zero": lambda e, p, lk, s: (
        float(_offer(p.loc[e["url"]])["price"]) == 0 or _fail(e)
    ),
    "product-wrong-currency": lambda e, p, lk, s: (
        _offer(p.loc[e["url"]])["priceCurrency"] == "USD" or _fail(e)
    ),
    "rating-without-count": lambda e, p, lk, s: (
        not {"ratingCount", "reviewCount"}
        & set(_items(p.loc[e["url"]], "Product")[0]["aggregateRating"])
        or _fail(e)
    ),
    "image-no-alt": lambda e, p, lk, s: (
        any(i["alt"] is None for i in p.loc[e["url"], "images"]) or _fail(e)
    ),
    "duplicate-exact": lambda e, p, lk, s: (
        p.loc[e["url"], "content_hash"] == p.loc[e["target"], "content_hash"] or _fail(e)
    ),
    "duplicate-near": _near,
    "thin-content": lambda e, p, lk, s: p.loc[e["url"], "word_count"] < 50 or _fail(e),
    "non-utf8": lambda e, p, lk, s: (
        p.loc[e["url"], "encoding"] in ("cp1252", "latin-1", "iso8859-1") or _fail(e),
        "\ufffd" not in (p.loc[e["url"], "title"] or "") or _fail(e),
    ),
    "oversized-page": lambda e, p, lk, s: p.loc[e["url"], "bytes"] > 2_500_000 or _fail(e),
    "js-only-product": lambda e, p, lk, s: (
        (bool(p.loc[e["url"], "rendered"]) and p.loc[e["url"], "render_reason"] == "page-needs-js")
        or _fail(e),
        len(p.loc[e["url"], "h1"]) == 1 or _fail(e),
        len(_items(p.loc[e["url"]], "Product")) == 1 or _fail(e),
    ),
    "crawler-trap": lambda e, p, lk, s: (
        p[p.index.str.startswith(e["url"])].trap.notna().any() or _fail(e),
        (p.index.str.startswith(e["url"])).sum() < 150 or _fail(e),  # bounded
    ),
    "slow-hero": lambda e, p, lk, s: p.loc[e["url"], "status"] == 200 or _fail(e),
    "layout-shift": lambda e, p, lk, s: p.loc[e["url"], "status"] == 200 or _fail(e),
    "xss-payload": lambda e, p, lk, s: (
        # recorded verbatim, as data (escaping is the job of whoever displays it)
        "alert("
        in " ".join(
            str(p.loc[e["url"], c]) for c in ("title", "meta_description", "h1", "structured_data")
        )
        or _fail(e)
    ),
    "robots-blocked-linked": lambda e, p, lk, s: (
        p.loc[e["url"], "fetch_state"] == "blocked_robots" or _fail(e)
    ),
}


def _fail(entry: dict[str, Any]) -> bool:
    raise AssertionError(f"{entry['kind']}: {entry['url']} ({entry['detail']})")


def test_every_defect_kind_has_a_check() -> None:
    assert set(KINDS) == set(CHECKS)


@pytest.mark.slow
@pytest.mark.browser
def test_every_seeded_defect_is_in_the_records(
    demo_site: DemoSite, pages: pd.DataFrame, links: pd.DataFrame
) -> None:
    assert pages.index.is_unique
    kinds = set()
    for entry in demo_site.defects:
        if 1 not in entry["weeks"]:
            continue
        kinds.add(entry["kind"])
        if entry["kind"] != "crawler-trap" and entry["kind"] != "canonical-other-host":
            assert entry["url"] in pages.index, entry
        CHECKS[entry["kind"]](entry, pages, links, demo_site.url)
    assert kinds == set(KINDS) - {
        k for k in KINDS if all(1 not in e["weeks"] for e in demo_site.of_kind(k))
    }


@pytest.mark.slow
@pytest.mark.browser
def test_page_types_languages_and_sitemaps(
    demo_site: DemoSite, pages: pd.DataFrame, demo_run: Path
) -> None:
    fetched = pages[pages.fetch_state == "fetched"]
    paths = [urlsplit(u).path for u in fetched.index]
    for prefix in ("/en-ca/p/", "/fr-ca/p/", "/en-ca/c/", "/fr-ca/c/"):
        assert sum(p.startswith(prefix) for p in paths) >= 10, prefix
    assert {"en-CA", "fr-CA"} <= set(fetched.lang.dropna())
    sitemaps = pd.read_parquet(demo_run / "sitemaps.parquet")
    assert {"index", "urlset"} <= set(sitemaps.kind)
    product = fetched[fetched.index.str.contains("/en-ca/p/") & (fetched.status == 200)].iloc[0]
    assert {h["source"] for h in product["hreflang"]} >= {"html", "sitemap"}
    # every URL fetched at most once, and clean products are not rendered (auto mode)
    assert pages.rendered.sum() <= 3
    manifest = json.loads((demo_run / "crawl.json").read_text())
    assert manifest["stats"]["rendered"] == int(pages.rendered.sum())
