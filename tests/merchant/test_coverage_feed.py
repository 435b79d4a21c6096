"""`searchops coverage` with a Merchant feed in the workspace: the feed is the catalog of
record (Google builds Shopping ads and free listings from it, not from the pages), so a
product in the feed counts even when the crawl missed its page, a product only the crawl saw
does not, and the feed's custom labels (product data specification, custom_label_0..4:
support.google.com/merchants/answer/6324473) group the products without ads. The same crawl
without a feed falls back to the crawl's products. Through the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from searchops.workspace import Workspace
from tests.bidding.test_coverage import SITE, page, product_ld, write_run

SEARCHOPS = str(Path(sys.executable).parent / "searchops")

HEADER = "id\ttitle\tlink\tprice\tavailability\tbrand\tgtin\tproduct_type\tcustom_label_0\tcustom_label_1"
FEED_EN = [
    # covered by a keyword: no opportunity
    "TENT-1\tAlpine Tent\t{site}/en/p/tent-1\t300.00 CAD\tin_stock\tAcme\t\tTents > 2-person\tsummer\thigh",
    # uncovered, and the crawl never reached its page: still the catalog's
    "TENT-2\tRidge Tent\t{site}/en/p/tent-2\t250.00 CAD\tin_stock\tAcme\t\tTents\tsummer\tlow",
    "STOVE-1\tCamp Stove\t{site}/en/p/stove-1\t80.00 CAD\tin_stock\tAcme\t\tTents\twinter\t",
    # without ads but out of stock: counted, not an opportunity
    "BOOT-1\tWinter Boot\t{site}/en/p/boot-1\t120.00 CAD\tout_of_stock\tAcme\t\tTents\twinter\t",
    # preorder is buyable; no label
    "LAMP-1\tLantern\t{site}/en/p/lamp-1\t40.00 CAD\tpreorder\tAcme\t\tTents\t\t",
]
FEED_FR = [  # the same product in French: one product, two links
    "TENT-1\tTente alpine\t{site}/fr/p/tente-1\t300.00 CAD\tin_stock\tAcme\t\tTentes\tsummer\thigh",
]


def _feed(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *(ln.format(site=SITE) for ln in lines)]) + "\n")
    return path


def _workspace(path: Path) -> Path:
    keywords = pd.DataFrame({
        "criterion_id": [1, 2, 3], "ad_group_id": 9, "campaign_id": 8, "campaign": "Search",
        "ad_group": "Tents", "keyword": ["alpine tent", "tent a", "tent b"],
        "match_type": "EXACT", "status": "ENABLED", "lang": "en",
        "final_url": [SITE + "/en/p/tent-1", SITE + "/en/p/x", SITE + "/en/p/y"],
        "item_id": ["TENT-1", "X-1", "Y-1"], "sku": ["TENT-1", "X-1", "Y-1"],
        "category": "Tents",
    })  # fmt: skip
    daily = pd.DataFrame({"date": pd.Timestamp("2026-11-01"), "criterion_id": [1, 2, 3],
                          "clicks": 40, "conversions": 2.0, "conversions_value": 500.0,
                          "cost": 30.0})  # fmt: skip
    with Workspace(path) as ws:
        ws.append_df("sem_keywords", keywords)
        ws.append_df("sem_keyword_daily", daily)
    return path


def _run(tmp_path: Path) -> Path:
    return write_run(tmp_path / "run", [
        page("/en/p/tent-1", sd=product_ld("TENT-1", "Alpine Tent", "300.00", "InStock", "Tents")),
        page("/en/p/stove-1", sd=product_ld("STOVE-1", "Camp Stove", "80.00", "InStock", "Tents")),
        # on the site, in stock, but not in the feed: the feed decides what the catalog is
        page("/en/p/crawl-9", sd=product_ld("CRAWL-9", "Site Only", "60.00", "InStock", "Tents")),
    ])  # fmt: skip


def cli(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SEARCHOPS, "--workspace", str(ws), *args], capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def test_feed_is_the_catalog_and_custom_labels_group_it(tmp_path):
    ws = _workspace(tmp_path / "ws.duckdb")
    run = _run(tmp_path)
    for feed, lang in ((_feed(tmp_path / "en.txt", FEED_EN), "en"),
                       (_feed(tmp_path / "fr.txt", FEED_FR), "fr")):  # fmt: skip
        done = cli(ws, "merchant", "import", str(feed), "--language", lang)
        assert done.returncode == 0, done.stderr
    out = tmp_path / "cov"
    done = cli(ws, "coverage", "--crawl", str(run), "--out", str(out), "--group-by",
               "custom_label_0")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "of 5 feed products" in done.stdout  # TENT-1 in two languages is one product
    assert "Products without ads by custom_label_0" in done.stdout
    with Workspace(ws, read_only=True) as w:
        opp = w.con.execute(
            "SELECT sku, custom_label_0, custom_label_1, url FROM coverage_opportunities"
        ).df()
    assert set(opp["sku"]) == {"TENT-2", "STOVE-1", "LAMP-1"}
    labels = opp.set_index("sku")
    assert labels.loc["TENT-2", "custom_label_0"] == "summer"
    assert labels.loc["TENT-2", "custom_label_1"] == "low"
    assert labels.loc["TENT-2", "url"] == SITE + "/en/p/tent-2"
    groups = pd.read_csv(out / "coverage-groups.csv", keep_default_na=False)
    by = groups[groups["label"] == "custom_label_0"].set_index("value")
    assert by.loc["summer", ["products", "without_ads", "in_stock_without_ads"]].tolist() == [
        2,
        1,
        1,
    ]
    assert by.loc["winter", ["products", "without_ads", "in_stock_without_ads"]].tolist() == [
        2,
        2,
        1,
    ]
    assert by.loc["(none)", ["products", "without_ads", "in_stock_without_ads"]].tolist() == [
        1,
        1,
        1,
    ]
    assert set(groups["label"]) == {"custom_label_0", "custom_label_1"}

    # The same crawl and account without a feed: the crawl's products, the site-only one too.
    bare = _workspace(tmp_path / "bare.duckdb")
    done = cli(bare, "coverage", "--crawl", str(run), "--out", str(tmp_path / "cov2"))
    assert done.returncode == 0, done.stderr
    assert "of 3 crawled products" in done.stdout
    with Workspace(bare, read_only=True) as w:
        skus = {r[0] for r in w.con.execute("SELECT sku FROM coverage_opportunities").fetchall()}
    assert skus == {"STOVE-1", "CRAWL-9"}
    assert not (tmp_path / "cov2" / "coverage-groups.csv").exists()
