"""The demo account: mapped to the demo catalog, with a coverage truth the bidding
coverage feature can be scored against."""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pytest

from demo import ads_account as demo
from demo.site.catalog import Catalog
from demo.site.defects import manifest

# One worker builds the module's account once (CI runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("sem-demo-3k")


@pytest.fixture(scope="module")
def account() -> demo.DemoAccount:
    return demo.generate(keywords=3000, days=28, seed=5, site_url="http://127.0.0.1:8123")


def test_keywords_map_to_catalog_products_and_urls(account):
    catalog = Catalog(2000, 0)
    kw = account.frames["sem_keywords"]
    for row in kw.sample(50, random_state=0).itertuples():
        product = catalog.product(catalog.index_for_sku(row.sku))
        assert urlsplit(row.final_url).path == product.path(row.lang)
        assert row.category == product.category and row.item_id == product.sku
    assert set(kw["lang"]) == {"en", "fr"}
    assert kw["criterion_id"].is_unique


def test_coverage_truth_matches_catalog_and_defect_manifest(account):
    catalog = Catalog(2000, 0)
    truth = account.frames["sem_truth_coverage"]
    kw = account.frames["sem_keywords"]
    items = set(account.frames["sem_products"]["item_id"])
    uncovered = truth[truth["kind"] == "uncovered"]
    assert len(uncovered) > 50
    for sku in uncovered["sku"]:
        assert catalog.product(catalog.index_for_sku(sku)).in_stock
    assert not set(uncovered["sku"]) & (set(kw["sku"]) | items)

    wasted = truth[(truth["kind"] == "wasted") & truth["criterion_id"].notna()]
    reasons = dict(zip(wasted["criterion_id"], wasted["reason"], strict=True))
    defect_paths = {urlsplit(d["url"]).path: d["kind"] for d in manifest(2000, 0, 1)}
    for row in kw.itertuples():
        path = urlsplit(row.final_url).path
        in_stock = catalog.product(catalog.index_for_sku(row.sku)).in_stock
        expected = {"status-404": "not_found", "noindex-in-sitemap": "noindex"}.get(
            defect_paths.get(path, ""), None if in_stock else "out_of_stock"
        )
        assert reasons.get(row.criterion_id) == expected
    assert {"not_found", "noindex", "out_of_stock"} <= set(wasted["reason"])


def test_history_has_bid_variation_and_follows_the_truth(account):
    daily = account.frames["sem_keyword_daily"]
    levels = daily.groupby("criterion_id")["cpc_bid"].nunique()
    assert levels.median() >= 3
    truth = account.frames["sem_truth"].set_index("criterion_id")
    merged = daily.join(truth[["a", "elasticity", "click_ceiling"]], on="criterion_id")
    expected = np.minimum(
        merged["click_ceiling"], merged["a"] * merged["cpc_bid"] ** merged["elasticity"]
    )
    ratio = merged["clicks"].sum() / expected.sum()
    assert 0.95 < ratio < 1.1  # omitted zero-impression days hold almost no clicks
    assert (daily["clicks"] <= daily["impressions"]).all()
    season = account.frames["sem_truth_season"]["multiplier"]
    assert season.mean() == pytest.approx(1.0)


def test_same_seed_same_account():
    a = demo.generate(keywords=200, days=14, seed=9, until=pd.Timestamp("2026-03-01").date())
    b = demo.generate(keywords=200, days=14, seed=9, until=pd.Timestamp("2026-03-01").date())
    for name in a.frames:
        pd.testing.assert_frame_equal(a.frames[name], b.frames[name])
