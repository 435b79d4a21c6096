"""The weekly report's products section: the newest `merchant check` (feed mismatches by
kind in words, spend at risk counting each disapproved product once), and the product pages
customers cannot judge (SEO-PRODUCT-001) of the newest audit."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from reports.weekly import write_report
from searchops.workspace import Workspace
from tests.reports.synthetic import merchant_findings


def _text(html: str) -> str:
    section = html[html.index('<section id="products"') :]
    section = section[: section.index("</section>")]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def test_products_section_reads_the_newest_check_and_the_audit(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws.duckdb") as ws:
        ws.register_run("crawl-1", "crawl", week=datetime(2026, 11, 16))
        ws.append_df("findings", pd.DataFrame({
            "run_id": "crawl-1", "rule_id": ["SEO-PRODUCT-001", "SEO-PRODUCT-001", "SEO-META-001",
                                             "SEO-PRODUCT-001"],
            "family": "products", "severity": "warning", "fingerprint": ["a", "b", "c", "d"],
            "url": ["https://shop.example.ca/en/p/thin", "https://shop.example.ca/en/p/bare",
                    "https://shop.example.ca/en/p/x", "https://shop.example.ca/en/p/completed"],
            "message": ["Customers cannot judge this product: description", "Customers cannot "
                        "judge this product: images <script>alert(1)</script>", "title",
                        "Customers cannot judge this product: reviews"],
            # the page completed since the baseline: recorded as fixed, not counted
            "change": ["persisting", "new", "new", "fixed"],
        }))  # fmt: skip
        # the bare page is the landing page of an item with Shopping spend: ranked first
        ws.append_df("merchant_items", pd.DataFrame({
            "offer_id": ["BARE-1"], "link": ["https://shop.example.ca/en/p/bare"]}))  # fmt: skip
        ws.append_df(
            "sem_shopping_daily",
            pd.DataFrame(
                {
                    "date": pd.to_datetime(["2026-11-20", "2026-09-01"]),
                    "item_id": ["bare-1", "BARE-1"],
                    "cost": [75.0, 1000.0],
                }
            ),
        )  # fmt: skip  (the September day is outside 28 days)
        old = merchant_findings(run="/runs/old", checked_at="2026-11-09")
        ws.append_df("merchant_findings", old.assign(spend_at_risk=9999.0))  # an older check
        ws.append_df("merchant_findings", merchant_findings())
    html = write_report(tmp_path / "ws.duckdb", tmp_path / "r.html").read_text(encoding="utf-8")
    text = _text(html)
    # PRICE-1 (two languages) and GONE-1 are errors: 2 products, 400 + 150 spend; warnings not summed
    assert "Products Google may disapprove 2 $550 Shopping spend at risk" in text
    assert "Feed mismatches 5 3 errors, on 4 feed items (check of 2026-11-23)" in text
    assert "9,999" not in text  # the older check is not shown
    assert "Price on the page differs from the feed" in text and "Landing page redirects" in text
    assert "Product pages customers cannot judge 2" in text and "en/p/completed" not in text
    incomplete = text[text.index("What is missing") :]
    assert incomplete.index("en/p/bare") < incomplete.index("en/p/thin")
    assert "$75" in incomplete and "$1,075" not in incomplete
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    # the items with the most spend at risk first
    assert text.index("PRICE-1") < text.index("GONE-1") < text.index("MOVED-1")
    # the executive summary repeats the section's numbers, pointing at it
    summary = html[html.index('<section id="summary"') :]
    summary = " ".join(re.sub(r"<[^>]+>", " ", summary[: summary.index("</section>")]).split())
    assert (
        "Correct the feed or the pages of the 2 products Google may disapprove: $550 of "
        "Shopping spend at risk (5 feed mismatches, 3 of them errors; listed under Products)."
    ) in summary
    assert "Complete the 2 product pages customers cannot judge" in summary
    assert summary.count("Products") >= 2 and 'data-section="products"' in html


def test_no_check_says_what_to_run(tmp_path: Path) -> None:
    Workspace(tmp_path / "ws.duckdb").close()
    html = write_report(tmp_path / "ws.duckdb", tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No Merchant feed check in this workspace yet" in _text(html)
