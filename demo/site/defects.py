"""Seeded defects of the demo site, and the manifest that lists them.

Every defect the audits look for exists on any site of at least ``MIN_PRODUCTS`` products:
product-page defects sit on seed-chosen products among the first ``CANDIDATES``, the rest on
fixed special URLs. Every page not in the manifest is clean: it has no defect of any kind
(precision can be measured against this list as well as recall).

Manifest entries (``/__defects.json``, ``searchops demo-site --list-defects``,
:func:`manifest`) are dicts::

    {"url": absolute URL, "kind": one of KINDS, "detail": what is wrong,
     "weeks": [1, 2] the weeks it exists in, "change": "new" | "persisting",
     "target": absolute URL (only for kinds that point somewhere: link-to-*, canonical-*,
               redirect-*, hreflang-not-reciprocal),
     "prefix": true (only for crawler-trap: every URL starting with "url" is the trap)}

``change`` compares with the previous week (week 1 has no previous week: all "new").
Week 2 fixes the defects whose ``weeks`` is ``[1]`` and adds those whose ``weeks`` is
``[2]``; :func:`changes` (served at ``/__defect_changes.json``) lists new, fixed and
persisting entries. A URL may carry several kinds (an exact duplicate is also a title and a
description duplicate): there is one entry per (url, kind).

Conventions of clean pages, so that audits know what is *not* a defect:

* every clean page has a unique title (30-60 characters, at most ~600 px of Arial 20 px),
  a unique meta description (70-160 characters, at most ~920 px of Arial 14 px), one h1,
  ``lang``, a viewport, a self-referencing canonical, 200+ words of text, a click depth of
  at most 5 from ``/`` and, on bilingual pages, hreflang en-CA, fr-CA and x-default
  (x-default is the en-CA page, except for the homes, whose x-default is the language
  chooser ``/``), all reciprocal and repeated as sitemap alternates; images have alt, width
  and height; indexable clean pages are in the sitemaps;
* the two pages of a product whose en or fr page is noindex or canonicalized carry no
  hreflang (such a page is no valid hreflang target), and the canonicalized page is left
  out of the sitemaps;
* category pages with facet parameters (``color``, ``size``, ``sort``) canonicalize to the
  unfiltered category page and carry no hreflang; they are not in the sitemaps, and
  ``sort=`` URLs are disallowed in robots.txt;
* ``/cart`` and ``/search`` are disallowed in robots.txt (crawlers record them as blocked);
  every page links to ``/cart`` (listed once, as robots-blocked-linked); search and sort
  are forms, not links;
* the crawler traps (``/en-ca/events/``, ``/en-ca/outlet/``, ``/en-ca/help/``) are listed
  by prefix: every page under them belongs to the trap, whatever else it shows;
* single-hop 301s (legacy ``/en-ca/product/<sku>``, category URLs without their trailing
  slash, ``?page=1``) are normal redirects, not defects;
* pages with a seeded defect may show its natural consequences (a page whose canonical
  points elsewhere is not indexable, a page with invalid JSON-LD has no Product item...):
  the manifest names the cause.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from demo.site.catalog import Catalog, mix64

# kind -> what the defect is (and where the manifest's url points).
KINDS: dict[str, str] = {
    "title-missing": "the page has no <title>",
    "title-duplicate": "two pages share one title (both are listed)",
    "title-too-long": "the title is over 100 characters",
    "description-missing": "the page has no meta description",
    "description-duplicate": "two pages share one meta description (both are listed)",
    "description-too-long": "the meta description is over 300 characters",
    "h1-missing": "the page has no h1",
    "noindex-in-sitemap": "a noindex page (meta robots or X-Robots-Tag) listed in the sitemap",
    "canonical-to-redirect": "the canonical points to a URL that redirects",
    "canonical-to-404": "the canonical points to a URL that answers 404",
    "canonical-other-host": "the canonical points to another host",
    "redirect-chain": "a linked URL redirects through several hops (url = first hop)",
    "redirect-loop": "a linked URL redirects in a loop (url = first hop)",
    "link-to-redirect": "the page links to a redirect chain or loop (url = linking page)",
    "status-404": "a linked (or canonical) URL answers 404",
    "status-500": "a linked URL answers 500",
    "link-to-404": "the page links to a 404 URL (url = linking page, target = the 404)",
    "link-to-500": "the page links to a 500 URL (url = linking page, target = the 500)",
    "orphan-in-sitemap": "the page is in the sitemap but no page links to it",
    "hreflang-not-reciprocal": "an hreflang alternate does not link back (target = alternate)",
    "hreflang-invalid-code": "an hreflang value is not a valid language-region code",
    "hreflang-missing-self": "the page's hreflang set has no entry for the page itself",
    "hreflang-missing-x-default": "the page's hreflang set has no x-default",
    "jsonld-invalid": "a JSON-LD block is not valid JSON",
    "product-no-price": "the Product's Offer has no price (none shown either)",
    "product-price-zero": "the Product's Offer price is 0",
    "product-wrong-currency": "the Offer's priceCurrency is USD on a CAD store",
    "rating-without-count": "the AggregateRating has no ratingCount or reviewCount",
    "image-no-alt": "the hero image has no alt attribute",
    "duplicate-exact": "the page's visible content is identical to another page (both listed)",
    "duplicate-near": "the page's content differs from another page by a few words (both listed)",
    "thin-content": "the page has under 50 words of text",
    "non-utf8": "the page is encoded in windows-1252 or iso-8859-1, with accented text",
    "oversized-page": "the HTML is about 3 MB",
    "js-only-product": "name, price, h1 and JSON-LD appear only after inline JavaScript runs",
    "crawler-trap": "an infinite URL space (prefix: every URL under url belongs to it)",
    "slow-hero": "the server delays the hero image (the LCP element) by 1.5 s",
    "layout-shift": "a banner inserted after load pushes the content down",
    "xss-payload": "title, description, headings or JSON-LD carry script-injection text",
    "robots-blocked-linked": "robots.txt disallows the URL, and pages link to it (the cart)",
}

MIN_PRODUCTS = 80  # enough products for every seeded slot plus clean ones
CANDIDATES = 150  # product defects sit among the first CANDIDATES products
SLOW_HERO_MS = 1500

BOTH, WEEK1, WEEK2 = (1, 2), (1,), (2,)

# Fixed special URLs.
GIFT_CARDS_500 = "/en-ca/gift-cards/"
CART = "/cart"
PROMOTIONS = "/en-ca/promotions/"
CHAIN = ("/en-ca/promo/spring", "/en-ca/promo/spring-sale", "/en-ca/promo/spring-sale-2026")
CHAIN_STATUS = (301, 302, 301)
LOOP = ("/en-ca/promo/loop-a", "/en-ca/promo/loop-b")
EVENTS = "/en-ca/events/"
OUTLET = "/en-ca/outlet/"
HELP = "/en-ca/help/"
OTHER_HOST = "https://www.example-partner.ca"

XSS_NAME_SCRIPT = "<script>alert(1)</script> Camp Kettle"
XSS_DESCRIPTION_IMG = '"><img src=x onerror=alert(1)> Light, packable and ready for the trail.'
XSS_JSONLD_NAME = "</script><script>alert(2)</script> Trail Lantern"
XSS_TITLE_CLOSE = "</title><script>alert(3)</script> Trail Lantern"
XSS_JS_URL = "javascript:alert(4)"
XSS_SVG = "<svg onload=alert(5)> {{7*7}} Headlamp"


# The defects that leave a product page incomplete for a shopper, and the part it lacks in
# SEO-PRODUCT-001's words (the product-completeness recall of tests/merchant/
# test_demo_completeness.py). Every other product page of the catalog is complete: a
# description, an image with alt, a rating with its count, a price, specifications, brand
# and GTIN. Pages with other defects may lack parts as a consequence (a JS-only page's raw
# HTML, a page whose JSON-LD does not parse): neither seeded incomplete nor clean controls.
INCOMPLETE_PARTS: dict[str, str] = {
    "thin-content": "description",
    "image-no-alt": "image alt text",
    "rating-without-count": "reviews",
    "product-no-price": "visible price",
}


@dataclass(frozen=True)
class Slot:
    """One seeded product defect: ``name`` selects the rendering, ``langs`` the pages."""

    name: str
    langs: tuple[str, ...]
    weeks: tuple[int, ...]


# In assignment order; each slot gets its own product. Names without a kind of their own
# (partner, discontinued) are products that other slots need.
SLOTS: tuple[Slot, ...] = (
    Slot("title-missing", ("en",), WEEK1),
    Slot("title-missing-2", ("en",), WEEK2),
    Slot("title-duplicate-source", ("en",), BOTH),
    Slot("title-duplicate-copy", ("en",), BOTH),
    Slot("title-too-long", ("fr",), BOTH),
    Slot("description-missing", ("fr",), BOTH),
    Slot("description-duplicate-source", ("en",), BOTH),
    Slot("description-duplicate-copy", ("en",), BOTH),
    Slot("description-too-long", ("en",), BOTH),
    Slot("h1-missing", ("en",), WEEK1),
    Slot("h1-missing-2", ("fr",), WEEK2),
    Slot("noindex-meta", ("en",), BOTH),
    Slot("noindex-header", ("fr",), BOTH),
    Slot("canonical-to-redirect", ("en",), BOTH),
    Slot("canonical-to-404", ("en",), WEEK1),
    Slot("canonical-to-404-2", ("en",), WEEK2),
    Slot("canonical-other-host", ("fr",), BOTH),
    Slot("link-to-404", ("en", "fr"), WEEK1),
    Slot("discontinued", ("en", "fr"), BOTH),
    Slot("link-to-404-2", ("en", "fr"), WEEK2),
    Slot("discontinued-2", ("en", "fr"), BOTH),
    Slot("link-to-500", ("en",), BOTH),
    Slot("orphan", ("en", "fr"), BOTH),
    Slot("hreflang-not-reciprocal", ("en", "fr"), BOTH),
    Slot("hreflang-partner", (), BOTH),
    Slot("hreflang-en-UK", ("en",), BOTH),
    Slot("hreflang-fr_CA", ("fr",), BOTH),
    Slot("hreflang-missing-self", ("fr",), BOTH),
    Slot("hreflang-missing-x-default", ("en", "fr"), WEEK1),
    Slot("hreflang-missing-x-default-2", ("en", "fr"), WEEK2),
    Slot("jsonld-invalid", ("en",), WEEK1),
    Slot("jsonld-invalid-2", ("fr",), WEEK2),
    Slot("product-no-price", ("en",), WEEK1),
    Slot("product-no-price-2", ("en",), WEEK2),
    Slot("product-price-zero", ("fr",), BOTH),
    Slot("product-wrong-currency", ("en",), BOTH),
    Slot("rating-without-count", ("en",), BOTH),
    Slot("image-no-alt", ("en",), WEEK1),
    Slot("image-no-alt-2", ("en",), WEEK2),
    Slot("duplicate-exact-source", ("en",), BOTH),
    Slot("duplicate-exact-copy", ("en",), BOTH),
    Slot("duplicate-near-source", ("en",), BOTH),
    Slot("duplicate-near-copy", ("en",), BOTH),
    Slot("thin-content", ("en",), BOTH),
    Slot("non-utf8-windows-1252", ("fr",), BOTH),
    Slot("non-utf8-iso-8859-1", ("fr",), BOTH),
    Slot("oversized-page", ("en",), BOTH),
    Slot("js-only-product", ("en",), BOTH),
    Slot("slow-hero", ("en",), BOTH),
    Slot("layout-shift", ("en",), BOTH),
    Slot("xss-script", ("en",), BOTH),
    Slot("xss-attribute", ("en",), BOTH),
    Slot("xss-jsonld", ("en",), BOTH),
    Slot("xss-javascript-url", ("en",), BOTH),
)

# The slot that stands for each numbered variant ("title-missing-2" renders as "title-missing").
_BASE_NAME = {s.name: s.name[:-2] if s.name.endswith("-2") else s.name for s in SLOTS}


@dataclass
class Plan:
    """Where the defects of one site (``catalog``, ``week``) are: the renderer's lookup tables.

    ``pages[(index, lang)]`` is the set of rendering names for that product page in this week.
    """

    catalog: Catalog
    week: int
    slot_index: dict[str, int] = field(default_factory=dict)
    pages: dict[tuple[int, str], frozenset[str]] = field(default_factory=dict)
    unlisted: frozenset[int] = frozenset()  # not linked from category listings
    not_in_sitemap: frozenset[tuple[int, str]] = frozenset()  # (index, lang)
    no_hreflang: frozenset[int] = frozenset()  # neither language page carries hreflang
    no_sitemap_alternates: frozenset[int] = frozenset()

    def page(self, index: int, lang: str) -> frozenset[str]:
        return self.pages.get((index, lang), frozenset())

    def index(self, slot: str) -> int:
        return self.slot_index[slot]

    def active(self, slot: str) -> bool:
        return self.week in _SLOT[slot].weeks

    def paths(self, slot: str) -> tuple[str, str]:
        product = self.catalog.product(self.slot_index[slot])
        return product.path_en, product.path_fr


_SLOT = {s.name: s for s in SLOTS}
_CANONICAL_SLOTS = (
    "canonical-to-redirect",
    "canonical-other-host",
    "canonical-to-404",
    "canonical-to-404-2",
)


def build_plan(catalog: Catalog, week: int = 1) -> Plan:
    """Assign every slot a product, deterministically in ``catalog.seed``."""
    if catalog.products < MIN_PRODUCTS:
        raise ValueError(f"the demo site needs at least {MIN_PRODUCTS} products for its defects")
    if week not in (1, 2):
        raise ValueError("week must be 1 or 2")
    candidates = list(range(min(catalog.products, CANDIDATES)))
    random.Random(mix64(catalog.seed * 7919 + 0xDEFEC7)).shuffle(candidates)
    plan = Plan(catalog=catalog, week=week)
    plan.slot_index = {slot.name: candidates[k] for k, slot in enumerate(SLOTS)}
    pages: dict[tuple[int, str], set[str]] = {}
    for slot in SLOTS:
        if week not in slot.weeks:
            continue
        for lang in slot.langs:
            pages.setdefault((plan.slot_index[slot.name], lang), set()).add(_BASE_NAME[slot.name])
    plan.pages = {key: frozenset(names) for key, names in pages.items()}
    idx = plan.slot_index
    discontinued = {idx["discontinued"], idx["discontinued-2"]}
    plan.unlisted = frozenset(discontinued | {idx["orphan"]})
    # Pages (index, lang) left out of the sitemaps: 404s, and canonicalized pages (a sitemap
    # lists canonical URLs only); their other-language page stays in.
    canonicalized = [n for n in _CANONICAL_SLOTS if plan.active(n)]
    plan.not_in_sitemap = frozenset(
        {(i, lang) for i in discontinued for lang in ("en", "fr")}
        | {(idx[n], lang) for n in canonicalized for lang in _SLOT[n].langs}
    )
    # A noindex or canonicalized page is no valid hreflang target: such products carry no
    # hreflang at all, so their clean other-language page stays clean.
    plan.no_hreflang = frozenset(
        {
            idx[n]
            for n in (
                "noindex-meta",
                "noindex-header",
                "canonical-to-redirect",
                "canonical-other-host",
            )
        }
        | {idx[n] for n in ("canonical-to-404", "canonical-to-404-2") if plan.active(n)}
    )
    plan.no_sitemap_alternates = plan.no_hreflang | frozenset(
        idx[n]
        for n in (
            "hreflang-not-reciprocal",
            "hreflang-en-UK",
            "hreflang-fr_CA",
            "hreflang-missing-self",
            "hreflang-missing-x-default",
            "hreflang-missing-x-default-2",
        )
    )
    return plan


@lru_cache(maxsize=16)
def plan_for(products: int, seed: int, week: int) -> Plan:
    return build_plan(Catalog(products=products, seed=seed), week)


def _entries(plan: Plan) -> list[dict[str, Any]]:
    """Every defect of every week, without ``change``; urls are paths for now."""
    catalog = plan.catalog
    out: list[dict[str, Any]] = []

    def add(url: str, kind: str, detail: str, weeks: tuple[int, ...], **extra: Any) -> None:
        out.append({"url": url, "kind": kind, "detail": detail, "weeks": list(weeks), **extra})

    def path(slot: str, lang: str = "en") -> str:
        return catalog.product(plan.slot_index[slot]).path(lang)

    def weeks(slot: str) -> tuple[int, ...]:
        return _SLOT[slot].weeks

    def title(slot: str, lang: str = "en") -> str:
        p = catalog.product(plan.slot_index[slot])
        return catalog.title(p, lang)

    for slot in ("title-missing", "title-missing-2"):
        add(path(slot), "title-missing", "no <title> element", weeks(slot))
    t = title("title-duplicate-source")
    for slot in ("title-duplicate-source", "title-duplicate-copy"):
        add(path(slot), "title-duplicate", f"title {t!r} is on two pages", BOTH)
    add(path("title-too-long", "fr"), "title-too-long", "title of 110+ characters", BOTH)
    add(path("description-missing", "fr"), "description-missing", "no meta description", BOTH)
    for slot in ("description-duplicate-source", "description-duplicate-copy"):
        add(path(slot), "description-duplicate", "same meta description on two pages", BOTH)
    add(path("description-too-long"), "description-too-long", "meta description of 320+ characters", BOTH)  # fmt: skip
    add(path("h1-missing"), "h1-missing", "no h1 element", weeks("h1-missing"))
    add(path("h1-missing-2", "fr"), "h1-missing", "no h1 element", weeks("h1-missing-2"))
    add(path("noindex-meta"), "noindex-in-sitemap", '<meta name="robots" content="noindex,follow">, listed in the sitemap', BOTH)  # fmt: skip
    add(path("noindex-header", "fr"), "noindex-in-sitemap", "X-Robots-Tag: noindex header, listed in the sitemap", BOTH)  # fmt: skip
    p = catalog.product(plan.slot_index["canonical-to-redirect"])
    add(p.path_en, "canonical-to-redirect", "canonical is the legacy URL, which 301-redirects back to this page", BOTH, target=legacy_path(p.sku))  # fmt: skip
    for slot in ("canonical-to-404", "canonical-to-404-2"):
        add(path(slot), "canonical-to-404", "canonical points to a removed URL", weeks(slot), target=path(slot) + "-old")  # fmt: skip
        add(path(slot) + "-old", "status-404", f"a removed URL, still the canonical of {path(slot)}", weeks(slot))  # fmt: skip
    p = catalog.product(plan.slot_index["canonical-other-host"])
    add(p.path_fr, "canonical-other-host", "canonical points to a partner's site", BOTH, target=other_host_url(p.path_fr))  # fmt: skip
    for link_slot, dead_slot in (
        ("link-to-404", "discontinued"),
        ("link-to-404-2", "discontinued-2"),
    ):
        for lang in ("en", "fr"):
            add(path(link_slot, lang), "link-to-404", "description links to a discontinued product", weeks(link_slot), target=path(dead_slot, lang))  # fmt: skip
            add(path(dead_slot, lang), "status-404", f"discontinued product, still linked from {path(link_slot, lang)}", weeks(link_slot))  # fmt: skip
    add(path("link-to-500"), "link-to-500", "description links to the gift-card page, which fails", BOTH, target=GIFT_CARDS_500)  # fmt: skip
    add(GIFT_CARDS_500, "status-500", "the gift-card page answers 500", BOTH)
    for lang in ("en", "fr"):
        add(path("orphan", lang), "orphan-in-sitemap", "in the product sitemap, linked from no page", BOTH)  # fmt: skip
    add(path("hreflang-not-reciprocal"), "hreflang-not-reciprocal", "its fr-CA alternate does not list this page", BOTH, target=path("hreflang-not-reciprocal", "fr"))  # fmt: skip
    add(path("hreflang-not-reciprocal", "fr"), "hreflang-not-reciprocal", "its en-CA and x-default alternate is another product's page, which does not list this page", BOTH, target=path("hreflang-partner"))  # fmt: skip
    add(path("hreflang-en-UK"), "hreflang-invalid-code", "hreflang=\"en-UK\" (the region code is GB)", BOTH)  # fmt: skip
    add(path("hreflang-fr_CA", "fr"), "hreflang-invalid-code", "hreflang=\"fr_CA\" (underscore instead of hyphen)", BOTH)  # fmt: skip
    add(path("hreflang-missing-self", "fr"), "hreflang-missing-self", "hreflang lists en-CA and x-default but not fr-CA (this page)", BOTH)  # fmt: skip
    for slot in ("hreflang-missing-x-default", "hreflang-missing-x-default-2"):
        for lang in ("en", "fr"):
            add(path(slot, lang), "hreflang-missing-x-default", "hreflang en-CA and fr-CA without x-default", weeks(slot))  # fmt: skip
    add(path("jsonld-invalid"), "jsonld-invalid", "Product JSON-LD with a trailing comma and a missing brace", weeks("jsonld-invalid"))  # fmt: skip
    add(path("jsonld-invalid-2", "fr"), "jsonld-invalid", "Product JSON-LD cut off mid-string", weeks("jsonld-invalid-2"))  # fmt: skip
    for slot in ("product-no-price", "product-no-price-2"):
        add(path(slot), "product-no-price", "Offer without price; the page says 'price on request'", weeks(slot))  # fmt: skip
    add(path("product-price-zero", "fr"), "product-price-zero", "Offer price 0.00", BOTH)
    add(path("product-wrong-currency"), "product-wrong-currency", "priceCurrency USD", BOTH)
    add(path("rating-without-count"), "rating-without-count", "AggregateRating with ratingValue only", BOTH)  # fmt: skip
    for slot in ("image-no-alt", "image-no-alt-2"):
        add(path(slot), "image-no-alt", "hero <img> without alt", weeks(slot))
    e1, e2 = path("duplicate-exact-source"), path("duplicate-exact-copy")
    for url, other in ((e1, e2), (e2, e1)):
        add(url, "duplicate-exact", f"same visible content as {other}", BOTH, target=other)
        add(url, "title-duplicate", f"same title as {other} (exact duplicate)", BOTH)
        add(url, "description-duplicate", f"same meta description as {other} (exact duplicate)", BOTH)  # fmt: skip
    q1, q2 = path("duplicate-near-source"), path("duplicate-near-copy")
    for url, other in ((q1, q2), (q2, q1)):
        add(url, "duplicate-near", f"differs from {other} only in its colour", BOTH, target=other)  # fmt: skip
    add(path("thin-content"), "thin-content", "a product page with a one-line description and no navigation", BOTH)  # fmt: skip
    add(path("non-utf8-windows-1252", "fr"), "non-utf8", "windows-1252 (Content-Type charset and meta charset)", BOTH)  # fmt: skip
    add(path("non-utf8-iso-8859-1", "fr"), "non-utf8", "iso-8859-1 declared only in <meta charset>", BOTH)  # fmt: skip
    add(path("oversized-page"), "oversized-page", "about 3 MB of HTML (an inline state blob)", BOTH)  # fmt: skip
    add(path("js-only-product"), "js-only-product", "raw HTML is a shell; inline script adds h1, price, description and JSON-LD", BOTH)  # fmt: skip
    add(path("slow-hero"), "slow-hero", f"hero image delayed {SLOW_HERO_MS} ms by the server", BOTH)  # fmt: skip
    add(path("layout-shift"), "layout-shift", "a 240 px banner is inserted above the content 300 ms after load", BOTH)  # fmt: skip
    add(path("xss-script"), "xss-payload", f"title, h1 and JSON-LD name are {XSS_NAME_SCRIPT!r}", BOTH)  # fmt: skip
    add(path("xss-attribute"), "xss-payload", f"meta description and h2 carry {XSS_DESCRIPTION_IMG!r}", BOTH)  # fmt: skip
    add(path("xss-jsonld"), "xss-payload", f"JSON-LD name {XSS_JSONLD_NAME!r}, title {XSS_TITLE_CLOSE!r}", BOTH)  # fmt: skip
    add(path("xss-javascript-url"), "xss-payload", f"links and JSON-LD url {XSS_JS_URL!r}, h1 {XSS_SVG!r}", BOTH)  # fmt: skip
    # Fixed special URLs.
    add(CHAIN[0], "redirect-chain", " -> ".join(f"{p} ({s})" for p, s in zip(CHAIN, CHAIN_STATUS, strict=True)) + f" -> {chain_target(catalog)}", BOTH, target=chain_target(catalog))  # fmt: skip
    add(LOOP[0], "redirect-loop", f"{LOOP[0]} -> {LOOP[1]} -> {LOOP[0]}", BOTH, target=LOOP[1])
    add(PROMOTIONS, "link-to-redirect", f"links to the redirect chain {CHAIN[0]}", BOTH, target=CHAIN[0])  # fmt: skip
    add(PROMOTIONS, "link-to-redirect", f"links to the redirect loop {LOOP[0]}", BOTH, target=LOOP[0])  # fmt: skip
    add(EVENTS, "crawler-trap", "events calendar: every month links to the previous and next month, forever", BOTH, prefix=True)  # fmt: skip
    add(OUTLET, "crawler-trap", "outlet filters: every page links to itself with one more filter parameter", BOTH, prefix=True)  # fmt: skip
    add(CART, "robots-blocked-linked", "robots.txt disallows /cart; every page's header links to it", BOTH)  # fmt: skip
    add(HELP, "crawler-trap", "help centre: a relative link that repeats the 'faq/' path segment forever", BOTH, prefix=True)  # fmt: skip
    return out


def legacy_path(sku: str) -> str:
    """The old product URL scheme, kept as 301 redirects to the current product page."""
    return f"/en-ca/product/{sku}"


def other_host_url(path: str) -> str:
    return OTHER_HOST + path


def chain_target(catalog: Catalog) -> str:
    return catalog.categories[0].path_en


def _absolute(base_url: str, value: str) -> str:
    return value if "://" in value else base_url.rstrip("/") + value


def manifest(
    products: int = 2000,
    seed: int = 0,
    week: int = 1,
    base_url: str = "http://127.0.0.1",
) -> list[dict[str, Any]]:
    """The defects present in ``week``, with absolute URLs on ``base_url``, sorted."""
    plan = plan_for(products, seed, week)
    out = []
    for entry in _entries(plan):
        if week not in entry["weeks"]:
            continue
        item = dict(entry)
        item["url"] = _absolute(base_url, item["url"])
        if "target" in item:
            item["target"] = _absolute(base_url, item["target"])
        item["change"] = "new" if week == 1 or 1 not in entry["weeks"] else "persisting"
        out.append(item)
    out.sort(key=lambda e: (e["kind"], e["url"], e.get("target", "")))
    return out


def changes(
    products: int = 2000, seed: int = 0, base_url: str = "http://127.0.0.1"
) -> dict[str, list[dict[str, Any]]]:
    """Week 1 -> week 2: the defects fixed, the new ones and those that persist."""
    week1 = manifest(products, seed, 1, base_url)
    week2 = manifest(products, seed, 2, base_url)
    return {
        "fixed": [e for e in week1 if 2 not in e["weeks"]],
        "new": [e for e in week2 if e["change"] == "new"],
        "persisting": [e for e in week2 if e["change"] == "persisting"],
    }
