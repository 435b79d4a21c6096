"""`searchops merchant pull` against a local Merchant API speaking the real gRPC protocol with
the client library's own message types (demo/merchant_server.py), over TLS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
from google.shopping.merchant_products_v1 import Availability, Product, ProductAttributes
from google.shopping.merchant_products_v1 import ProductStatus as Status
from google.shopping.type import Price, ReportingContext

from demo.merchant_server import serve

SEARCHOPS = str(Path(sys.executable).parent / "searchops")


def _product(offer: str, language: str, price: float, stock: Availability, **kw) -> Product:
    attributes = ProductAttributes(
        title=f"Item {offer}", link=f"https://shop.example.ca/{language}/p/{offer.lower()}",
        price=Price(amount_micros=int(price * 1_000_000), currency_code="CAD"),
        availability=stock, gtins=kw.pop("gtins", []),
    )  # fmt: skip
    return Product(
        name=f"accounts/123/products/{language}~CA~{offer}", offer_id=offer,
        content_language=language, feed_label="CA", product_attributes=attributes, **kw,
    )  # fmt: skip


DISAPPROVED = Status(
    destination_statuses=[Status.DestinationStatus(
        reporting_context=ReportingContext.ReportingContextEnum.SHOPPING_ADS,
        disapproved_countries=["CA"])],
    item_level_issues=[Status.ItemLevelIssue(
        code="mismatched_price", severity=Status.ItemLevelIssue.Severity.DISAPPROVED,
        attribute="price", description="Mismatched value (page crawl) [price]",
        reporting_context=ReportingContext.ReportingContextEnum.SHOPPING_ADS)],
)  # fmt: skip
PRODUCTS = {"123": [
    _product("TENT-1", "en", 349.99, Availability.IN_STOCK, gtins=["00012345678905"]),
    _product("TENT-1", "fr", 349.99, Availability.IN_STOCK),
    _product("STOVE-1", "en", 59.0, Availability.OUT_OF_STOCK, product_status=DISAPPROVED),
]}  # fmt: skip


def _pull(ws: Path, server, token: str, account: str = "123") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SEARCHOPS_MERCHANT_ACCESS_TOKEN": token}
    env.pop("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", None)  # --ca-file must do it
    return subprocess.run(
        [SEARCHOPS, "--workspace", str(ws), "merchant", "pull", "--account", account,
         "--endpoint", server.endpoint, "--ca-file", str(server.root_cert_path)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_pull_reads_products_statuses_and_issues_over_pages(tmp_path):
    ws = tmp_path / "ws.duckdb"
    with serve(PRODUCTS) as server:
        done = _pull(ws, server, server.access_token)
        assert done.returncode == 0, done.stderr
        assert "3 products, 1 item-level issues" in done.stderr
        assert server.access_token not in done.stderr + done.stdout
        con = duckdb.connect(str(ws), read_only=True)
        items = con.execute(
            "SELECT offer_id, language, price, price_currency, availability, gtin, link "
            "FROM merchant_items ORDER BY offer_id, language"
        ).fetchall()
        issues = con.execute(
            "SELECT offer_id, code, severity, attribute, disapproved_countries FROM merchant_issues"
        ).fetchall()
        con.close()
    assert items == [
        ("STOVE-1", "en", 59.0, "CAD", "out_of_stock", None, "https://shop.example.ca/en/p/stove-1"),
        ("TENT-1", "en", 349.99, "CAD", "in_stock", "00012345678905", "https://shop.example.ca/en/p/tent-1"),
        ("TENT-1", "fr", 349.99, "CAD", "in_stock", None, "https://shop.example.ca/fr/p/tent-1"),
    ]  # fmt: skip
    assert issues == [("STOVE-1", "mismatched_price", "disapproved", "price", "CA")]


def test_an_api_error_is_one_line_and_writes_nothing(tmp_path):
    ws = tmp_path / "ws.duckdb"
    with serve(PRODUCTS) as server:
        assert _pull(ws, server, server.access_token).returncode == 0
        refused = _pull(ws, server, "expired-token")
        other = _pull(ws, server, server.access_token, account="999")
    for done, code in ((refused, "UNAUTHENTICATED"), (other, "PERMISSION_DENIED")):
        assert done.returncode == 2 and code in done.stderr and "nothing was written" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "expired-token" not in refused.stderr
    con = duckdb.connect(str(ws), read_only=True)
    assert con.execute("SELECT count(*) FROM merchant_items").fetchone() == (3,)
    con.close()
