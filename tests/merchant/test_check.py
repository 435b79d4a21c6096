"""`searchops merchant check`: each mismatch kind Google documents appears once on a small
site written from its docs, beside clean controls (a sale price, a member price, the French
page), crawled and joined end to end through the CLI.

Sources: Merchant Center "Mismatched value (page crawl)" for price (answer/6098334) and
availability (answer/6324741), landing page requirements (answer/6098155: pages that fail,
redirect or crawlers may not fetch), the product data specification (answer/7052112: gtin,
sale_price), and Search Central's merchant listing markup (member prices with
validForMemberTier, StrikethroughPrice)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from aiohttp import web

from tests.crawler.sites import serve

SEARCHOPS = str(Path(sys.executable).parent / "searchops")


def _product(name: str, offer: dict, **extra: object) -> str:
    data = {"@context": "https://schema.org", "@type": "Product", "name": name, "offers": offer}
    data.update(extra)
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _offer(price: str, stock: str = "InStock", **extra: object) -> dict:
    return {"@type": "Offer", "price": price, "priceCurrency": "CAD",
            "availability": f"https://schema.org/{stock}", **extra}  # fmt: skip


PAGES = {
    "/en/p/clean-tent": _product("Clean Tent", _offer("349.99"), gtin13="0012345678905"),
    "/fr/p/tente-propre": _product("Tente propre", _offer("359.99"), gtin13="0012345678905"),
    "/en/p/sale-jacket": _product("Sale Jacket", _offer("79.99")),
    "/en/p/member-boots": _product(
        "Boots",
        _offer(
            "120.00",
            priceSpecification=[
                {
                    "@type": "UnitPriceSpecification",
                    "price": "100.00",
                    "priceCurrency": "CAD",
                    "validForMemberTier": {"@type": "MemberProgramTier", "@id": "#gold"},
                },
                {
                    "@type": "UnitPriceSpecification",
                    "priceType": "https://schema.org/StrikethroughPrice",
                    "price": "150.00",
                    "priceCurrency": "CAD",
                },
            ],
        ),
    ),
    "/en/p/price-off": _product("Price Off", _offer("59.99")),
    "/en/p/stock-off": _product("Stock Off", _offer("24.99", "OutOfStock")),
    "/en/p/gtin-missing": _product("No GTIN", _offer("10.00")),
    "/en/p/gtin-off": _product("Other GTIN", _offer("12.00"), gtin13="4006381333931"),
    "/en/p/hidden": '<meta name="robots" content="noindex">' + _product("Hidden", _offer("5.00")),
    "/en/p/private": _product("Private", _offer("6.00")),
    "/en/p/unlisted-lamp": _product("Lamp", _offer("44.00"), sku="LAMP-9"),
    "/en/p/orphan": _product("Orphan", _offer("7.00")),
    "/en/p/retitled": _product("Kestrel Camp Chair", _offer("30.00")),
    "/en/p/other-image": _product(
        "Stool", _offer("15.00"), image="https://cdn.example.ca/stool-1.jpg"
    ),
    # a price the feed cannot read (Merchant Center rejects the item): nothing to compare
    "/en/p/quote-kayak": _product("Sea Kayak", _offer("899.00")),
    # a category page listing two products in stock is no product missing from the feed
    "/en/c/tents": _product("Tent A", _offer("100.00")) + _product("Tent B", _offer("120.00")),
}
FEED = [
    # id, language, path, price, sale_price, availability, gtin
    ("CLEAN-1", "en", "/en/p/clean-tent", "349.99 CAD", "", "in_stock", "00012345678905"),
    ("CLEAN-1", "fr", "/fr/p/tente-propre", "359.99 CAD", "", "in_stock", "00012345678905"),
    ("SALE-1", "en", "/en/p/sale-jacket", "99.99 CAD", "79.99 CAD", "in_stock", ""),
    ("MEMBER-1", "en", "/en/p/member-boots", "120.00 CAD", "", "in_stock", ""),
    ("PRICE-1", "en", "/en/p/price-off", "49.99 CAD", "", "in_stock", ""),
    ("STOCK-1", "en", "/en/p/stock-off", "24.99 CAD", "", "in_stock", ""),
    ("GTIN-1", "en", "/en/p/gtin-missing", "10.00 CAD", "", "in_stock", "4006381333948"),
    ("GTIN-2", "en", "/en/p/gtin-off", "12.00 CAD", "", "in_stock", "4006381333948"),
    ("GONE-1", "en", "/en/p/gone", "9.00 CAD", "", "in_stock", ""),
    ("MOVED-1", "en", "/en/p/moved", "349.99 CAD", "", "in_stock", ""),
    ("HIDDEN-1", "en", "/en/p/hidden", "5.00 CAD", "", "in_stock", ""),
    ("PRIVATE-1", "en", "/en/p/private", "6.00 CAD", "", "in_stock", ""),
    ("ORPHAN-1", "en", "/en/p/orphan", "7.00 CAD", "", "in_stock", ""),
    ("TITLE-1", "en", "/en/p/retitled", "30.00 CAD", "", "in_stock", ""),
    ("IMAGE-1", "en", "/en/p/other-image", "15.00 CAD", "", "in_stock", ""),
    ("QUOTE-1", "en", "/en/p/quote-kayak", "call for price", "", "in_stock", ""),
]
EXPECTED = {
    ("price_mismatch", "PRICE-1"), ("availability_mismatch", "STOCK-1"),
    ("gtin_missing", "GTIN-1"), ("gtin_mismatch", "GTIN-2"), ("landing_page_error", "GONE-1"),
    ("landing_page_redirects", "MOVED-1"), ("landing_page_noindex", "HIDDEN-1"),
    ("landing_page_blocked", "PRIVATE-1"), ("page_not_crawled", "ORPHAN-1"),
    ("languages_disagree", "CLEAN-1"), ("not_in_feed", None), ("title_differs", "TITLE-1"),
    ("image_differs", "IMAGE-1"),
}  # fmt: skip
CLEAN = {"SALE-1", "MEMBER-1", "QUOTE-1"}
# The feed's titles are the pages' product names but one; its images are the pages' but one.
TITLES = {"TITLE-1": "Boreal Dome Tent 4-Person", "MOVED-1": "Clean Tent"}
IMAGES = {"IMAGE-1": "https://cdn.example.ca/stool-2.jpg"}


def _name(path: str) -> str:
    match = re.search(r'"name": "([^"]*)"', PAGES.get(path, ""))
    return match.group(1) if match else "Item"


def _app() -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        path = request.path
        if path == "/robots.txt":
            return web.Response(text="User-agent: *\nDisallow: /en/p/private\n")
        if path == "/en/p/moved":
            raise web.HTTPMovedPermanently("/en/p/clean-tent")
        if path == "/":
            links = "".join(f'<a href="{p}">{p}</a>' for p in [*PAGES, "/en/p/gone", "/en/p/moved"]
                            if p != "/en/p/orphan")  # fmt: skip
            return web.Response(text=f"<html><body>{links}</body></html>", content_type="text/html")
        if path in PAGES:
            body = f"<html><head><title>{path}</title>{PAGES[path]}</head><body>x</body></html>"
            return web.Response(text=body, content_type="text/html")
        raise web.HTTPNotFound()

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    return app


def _feed(tmp_path: Path, base: str, language: str) -> Path:
    path = tmp_path / f"feed-{language}.txt"
    lines = ["id\tlink\tprice\tsale_price\tavailability\tgtin\ttitle\timage_link"]
    lines += [f"{i}\t{base}{p}\t{pr}\t{s}\t{a}\t{g}\t{TITLES.get(i, _name(p))}\t{IMAGES.get(i, '')}"
              for i, lang, p, pr, s, a, g in FEED if lang == language]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_documented_mismatch_once_and_the_clean_controls_not_at_all(tmp_path):
    ws = str(tmp_path / "ws.duckdb")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([SEARCHOPS, "--workspace", ws, *args], capture_output=True,
                              text=True, timeout=300)  # fmt: skip

    with serve(_app()) as base:
        run = tmp_path / "run"
        crawled = cli("crawl", base + "/", "--render", "never", "--out", str(run))
        assert crawled.returncode == 0, crawled.stderr
    for language in ("en", "fr"):
        done = cli("merchant", "import", str(_feed(tmp_path, base, language)),
                   "--source", "shop", "--language", language)  # fmt: skip
        assert done.returncode == 0, done.stderr
    checked = cli("merchant", "check", "--crawl", str(run), "--format", "json")
    assert checked.returncode == 0, checked.stderr
    rows = json.loads(checked.stdout)
    found = {(r["kind"], r["offer_id"]) for r in rows}
    print(f"expected {len(EXPECTED)}, found {len(found)}: missing {EXPECTED - found}, "
          f"unexpected {found - EXPECTED}")  # fmt: skip
    assert found == EXPECTED
    assert not CLEAN & {r["offer_id"] for r in rows}
    price = next(r for r in rows if r["kind"] == "price_mismatch")
    assert price["markup_value"] == "59.99 CAD" and price["feed_value"] == "49.99 CAD"
    (lamp,) = [r for r in rows if r["kind"] == "not_in_feed"]
    assert lamp["url"].endswith("/en/p/unlisted-lamp")
    failing = cli("merchant", "check", "--crawl", str(run), "--fail-on", "error", "--format", "csv",
                  "--supplemental", str(tmp_path / "supplemental.txt"),
                  "--fix-list", str(tmp_path / "fixes.csv"))  # fmt: skip
    assert failing.returncode == 1 and failing.stdout.startswith("kind,severity,offer_id")
    # the site's price and availability correct the feed; the site team gets what only it fixes
    assert (tmp_path / "supplemental.txt").read_text().splitlines() == [
        "id\tprice\tavailability",
        "PRICE-1\t59.99 CAD\t",
        "STOCK-1\t\tout_of_stock",
    ]
    fixes = (tmp_path / "fixes.csv").read_text()
    for offer in ("GONE-1", "MOVED-1", "HIDDEN-1", "PRIVATE-1", "ORPHAN-1", "GTIN-1"):
        assert offer in fixes
    assert "PRICE-1" not in fixes and "unlisted-lamp" in fixes


def test_spend_at_risk_counts_each_item_once_over_its_errors() -> None:
    # one figure everywhere (CLI summary, demo, report): an item with two error findings
    # counts once; warnings and item-less findings are not summed
    import pandas as pd

    from merchant.check import at_risk

    findings = pd.DataFrame(
        {
            "kind": ["price_mismatch", "availability_mismatch", "gtin_missing", "not_in_feed"],
            "severity": ["error", "error", "warning", "error"],
            "offer_id": ["A", "A", "B", None],
            "spend_at_risk": [120.0, 120.0, 50.0, 0.0],
            "revenue_at_risk": [300.0, 300.0, 80.0, 0.0],
        }
    )
    assert at_risk(findings) == (1, 120.0, 300.0)
