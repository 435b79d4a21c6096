"""Catalog coverage: products from structured data, joined with paid coverage; on synthetic
pages (every branch) and on a crawl of the demo site with the demo account (the truth)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bidding.coverage import ad_text, coverage, generated_ads
from bidding.site import page_health, products_from_pages
from searchops.settings import load_settings
from searchops.workspace import Workspace
from seo_crawler.schema import PAGES

SITE = "https://shop.example"


def product_ld(sku: str, name: str, price: str, stock: str, category: str) -> str:
    items = [
        {"syntax": "json-ld", "type": "Product", "data": {
            "@type": "Product", "sku": sku, "gtin13": "0" * 12 + sku[-1], "name": name,
            "brand": {"@type": "Brand", "name": "Acme"},
            "offers": {"@type": "Offer", "price": price, "priceCurrency": "CAD",
                       "availability": f"https://schema.org/{stock}"}}},
        {"syntax": "json-ld", "type": "BreadcrumbList", "data": {
            "@type": "BreadcrumbList", "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": "Home", "item": SITE + "/"},
                {"@type": "ListItem", "position": 2, "name": category, "item": SITE + "/c"},
                {"@type": "ListItem", "position": 3, "name": name, "item": SITE + "/p"}]}},
    ]  # fmt: skip
    return json.dumps(items)


def microdata_product(sku: str, name: str) -> str:
    return json.dumps([{"syntax": "microdata", "type": "https://schema.org/Product", "data": {
        "type": "https://schema.org/Product", "properties": {
            "sku": sku, "name": name, "offers": {"type": "https://schema.org/Offer", "properties": {
                "price": "19.99", "availability": "https://schema.org/InStock"}}}}}])  # fmt: skip


def write_run(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir(parents=True)
    frame = pd.DataFrame(rows)
    for field in PAGES:
        if field.name not in frame.columns:
            frame[field.name] = None
    table = pa.Table.from_pandas(frame[[f.name for f in PAGES]], schema=PAGES, preserve_index=False)
    pq.write_table(table, folder / "pages.parquet")
    return folder


def page(path: str, status: int = 200, robots: str | None = None, sd: str | None = None) -> dict:
    return {"url": SITE + path, "final_url": SITE + path, "status": status, "meta_robots": robots,
            "structured_data": sd, "fetch_state": "fetched"}  # fmt: skip


@pytest.fixture
def synthetic(tmp_path):
    run = write_run(tmp_path / "run", [
        page("/p/1", sd=product_ld("1001", "Alpine Tent", "300.00", "InStock", "Tents")),
        page("/p/2", sd=product_ld("1002", "Ridge Tent", "250.00", "InStock", "Tents")),
        page("/p/3", sd=product_ld("1003", "Lake Tent", "200.00", "InStock", "Tents")),
        page("/p/4", sd=product_ld("1004", "Summit Tent", "400.00", "OutOfStock", "Tents")),
        page("/p/5", robots="noindex, follow", sd=product_ld("1005", "Hidden Tent", "120.00", "InStock", "Tents")),
        page("/p/6", status=404),
        page("/p/7", sd=microdata_product("1007", "=cmd|' /C calc'!A0 Stove")),
    ])  # fmt: skip
    keywords = pd.DataFrame({
        "criterion_id": [1, 2, 3, 4, 5],
        "ad_group_id": 9, "campaign_id": 8, "campaign": "Search", "ad_group": "Tents",
        "keyword": ["alpine tent", "summit tent", "hidden tent", "gone tent", "ridge tent"],
        "match_type": "EXACT", "status": "ENABLED", "lang": "en",
        "final_url": [SITE + p for p in ("/p/1", "/p/4", "/p/5", "/p/6", "/p/2")],
        "item_id": ["1001", "1004", "1005", "1006", "1002"],
        "sku": ["1001", "1004", "1005", "1006", "1002"], "category": "Tents",
    })  # fmt: skip
    dates = pd.date_range("2026-01-01", periods=28)
    daily = pd.DataFrame([
        {"date": d, "criterion_id": c, "clicks": 10, "conversions": 0.5, "conversions_value": 150.0,
         "cost": 8.0} for d in dates for c in (1, 2, 3, 4, 5)])  # fmt: skip
    ws = Workspace(tmp_path / "ws.duckdb")
    ws.append_df("sem_keywords", keywords)
    ws.append_df("sem_keyword_daily", daily)
    yield run, ws
    ws.close()


def test_products_and_page_health_from_structured_data(synthetic):
    run, _ = synthetic
    pages = pd.read_parquet(run / "pages.parquet")
    products = products_from_pages(pages).set_index("sku")
    assert products.loc["1001", "category"] == "Tents" and products.loc["1001", "brand"] == "Acme"
    assert products.loc["1001", "price"] == 300.0 and products.loc["1001", "in_stock"]
    assert (
        products.loc["1004", "availability"] == "OutOfStock"
        and not products.loc["1004", "in_stock"]
    )
    assert products.loc["1007", "price"] == 19.99  # microdata properties
    health = page_health(pages).set_index("key")
    assert health.loc[SITE + "/p/5", "reason"] == "noindex"
    assert health.loc[SITE + "/p/6", "reason"] == "not_found"
    assert not health.loc[SITE + "/p/1", "failed"]


def test_uncovered_ranked_and_waste_found(synthetic):
    run, ws = synthetic
    cfg = load_settings().settings.coverage
    result = coverage(run, ws, cfg, margin=0.3)
    assert list(result.opportunities["sku"]) == ["1003", "1007"]  # in stock, no keyword
    top = result.opportunities.iloc[0]
    assert top["profit_lo"] <= top["profit"] <= top["profit_hi"] and top["cvr_lo"] < top["cvr_hi"]
    waste = result.waste.set_index("criterion_id")
    assert waste["reason"].to_dict() == {2: "out_of_stock", 3: "noindex", 4: "not_found"}
    assert waste.loc[2, "spend_at_stake"] == pytest.approx(28 * 8.0)
    keywords, ads = generated_ads(result.opportunities, cfg)
    assert set(keywords["Criterion Type"]) == set(cfg.keyword_match_types)
    assert keywords["Keyword"].str.contains("Lake Tent").any()
    headlines = ads.filter(like="Headline").stack()
    descriptions = ads.filter(like="Description").stack()
    assert headlines.str.len().max() <= 30 and descriptions.str.len().max() <= 90
    # page text is untrusted: nothing a spreadsheet would evaluate, no markup symbols
    cells = pd.concat([keywords["Keyword"], headlines, descriptions])
    assert not cells.str.match(r"^[=+\-@]").any() and not cells.str.contains("[|<>]").any()
    assert ad_text("<script>alert(1)</script> Tent") == "script alert 1 /script Tent"


@pytest.mark.slow
def test_demo_site_crawl_with_the_demo_account(demo_run, demo_site, tmp_path):
    """`searchops coverage` on the demo site's crawl with a demo account pointing at it: the
    uncovered products and the wasted keywords / Shopping items the account's truth lists."""
    from click.testing import CliRunner

    from demo import ads_account as demo
    from searchops.cli import cli

    run = Path(demo_run)
    account = demo.generate(
        keywords=1500,
        days=35,
        seed=2,
        products=demo_site.products,
        catalog_seed=demo_site.seed,
        site_url=demo_site.url,
    )
    ws_path = tmp_path / "ws.duckdb"
    with Workspace(ws_path) as ws:
        demo.save(ws, account)
    out = tmp_path / "cov"
    args = [
        "--workspace",
        str(ws_path),
        "coverage",
        "--crawl",
        str(run),
        "--top",
        "5",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with Workspace(ws_path, read_only=True) as ws:
        opp = ws.con.execute("SELECT * FROM coverage_opportunities").df()
        waste = ws.con.execute("SELECT * FROM coverage_waste").df()
        crawled = (
            set(products_from_pages(pd.read_parquet(run / "pages.parquet"))["sku"].dropna())
            if (run / "pages.parquet").exists()
            else set(opp["sku"])
        )
    truth = account.frames["sem_truth_coverage"]
    uncovered = set(truth.loc[truth["kind"] == "uncovered", "sku"]) & crawled
    assert len(uncovered) >= 5
    assert set(opp["sku"]) == uncovered
    assert opp["rank"].tolist() == sorted(opp["rank"]) and opp["profit"].is_monotonic_decreasing
    wasted = truth[truth["kind"] == "wasted"]
    assert set(waste["criterion_id"].dropna().astype(int)) == set(
        wasted["criterion_id"].dropna().astype(int)
    )
    shop_truth = wasted[wasted["criterion_id"].isna()]
    shop = waste[waste["channel"] == "shopping"]
    assert set(zip(shop["item_id"], shop["reason"], strict=True)) == set(
        zip(shop_truth["item_id"], shop_truth["reason"], strict=True)
    )
    assert {"not_found", "noindex", "out_of_stock"} <= set(waste["reason"])
    keywords = pd.read_csv(out / "coverage-keywords.csv")
    ads = pd.read_csv(out / "coverage-ads.csv")
    assert len(ads) == 5 and keywords["Ad group"].nunique() == 5
    assert ads.filter(like="Headline").stack().str.len().max() <= 30

    # the Python API the command is thin over: the same products, nothing written with save=False
    import bidding

    with Workspace(ws_path) as ws:
        runs_before = len(ws.runs("coverage"))
        found = bidding.find_coverage(workspace=ws, crawl=run, top=5, save=False)
        assert len(ws.runs("coverage")) == runs_before
    assert found.opportunities["sku"].tolist() == opp.sort_values("rank")["sku"].tolist()
    assert len(found.ads) == 5 and found.paths == {}


def test_crawl_without_products_gives_empty_tables(tmp_path):
    from bidding.coverage import save

    run = write_run(tmp_path / "run", [page("/about"), page("/gone", status=404)])
    with Workspace(tmp_path / "ws.duckdb") as ws:
        result = coverage(run, ws, load_settings().settings.coverage, margin=0.3)
        assert result.opportunities.empty and result.waste.empty
        save(ws, result, "coverage-1", "run")
        assert ws.con.execute("SELECT count(*) FROM coverage_opportunities").fetchall() == [(0,)]
        assert "profit" in ws.con.execute("SELECT * FROM coverage_opportunities").df().columns


def test_waste_without_cost_rows_is_no_data_not_zero(synthetic):
    """An out-of-stock Shopping item has no impressions, so no cost rows: its spend at stake
    is unknown (NaN), not 0.00; a keyword with cost rows keeps its spend."""
    run, ws = synthetic
    ws.append_df(
        "sem_products",
        pd.DataFrame(
            {
                "item_id": ["1004"],
                "language": ["en"],
                "availability": ["OUT_OF_STOCK"],
                "status": ["ELIGIBLE"],
                "campaign_id": [7],
                "ad_group_id": [6],
                "category": ["Tents"],
                "price": [400.0],
            }
        ),
    )
    result = coverage(run, ws, load_settings().settings.coverage, margin=0.3)
    shopping = result.waste[result.waste["channel"] == "shopping"]
    assert list(shopping["item_id"]) == ["1004"]
    assert shopping["spend_at_stake"].isna().all()
    keyword = result.waste.set_index("criterion_id").loc[2]
    assert keyword["spend_at_stake"] == pytest.approx(28 * 8.0)
