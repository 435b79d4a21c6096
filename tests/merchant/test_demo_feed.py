"""The demo's Merchant Center account (demo/merchant_account.py) against a crawl of the demo
site: every mismatch its manifest lists is found (recall 1.0) and no clean control product is
flagged as an error; both are printed. The feed goes in both ways the demo uses: the English
items imported from the tab-separated file, the French ones pulled through the local Merchant
API, then `merchant check` through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from demo import merchant_account as account
from demo.merchant_server import serve
from demo.site.catalog import Catalog
from tests.fixtures_demo import DEMO_PRODUCTS, DEMO_SEED

SEARCHOPS = str(Path(sys.executable).parent / "searchops")


def _cli(ws: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([SEARCHOPS, "--workspace", str(ws), *args], capture_output=True,
                          text=True, timeout=600, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def test_demo_feed_mismatches_found_and_controls_clean(demo_site, demo_run, tmp_path):
    ws = tmp_path / "ws.duckdb"
    rows = account.items(Catalog(products=DEMO_PRODUCTS, seed=DEMO_SEED), demo_site.url)
    feed = tmp_path / "products_en.txt"
    feed.write_text(account.feed_tsv(rows), encoding="utf-8")
    _cli(ws, "merchant", "import", str(feed), "--language", "en")
    with serve({account.ACCOUNT_ID: account.api_products(rows)}) as server:
        env = {**os.environ, "SEARCHOPS_MERCHANT_ACCESS_TOKEN": server.access_token}
        _cli(ws, "merchant", "pull", "--account", account.ACCOUNT_ID, "--endpoint",
             server.endpoint, "--ca-file", str(server.root_cert_path), env=env)  # fmt: skip
    found = json.loads(
        _cli(ws, "merchant", "check", "--crawl", str(demo_run), "--format", "json").stdout
    )
    manifest = account.manifest(DEMO_PRODUCTS, DEMO_SEED, 1, demo_site.url)
    got = {(f["kind"], f["offer_id"], f["language"], f["url"]) for f in found}
    expected = [(e["kind"], e["offer_id"], e["language"], e["url"]) for e in manifest["expected"]]
    missed = [e for e in expected if e not in got]
    controls = set(manifest["controls"])
    on_controls = [f for f in found if f["offer_id"] in controls]
    errors = [f for f in on_controls if f["severity"] == "error"]
    recall = (len(expected) - len(missed)) / len(expected)
    print(
        f"\nseeded mismatches found: {len(expected) - len(missed)}/{len(expected)} "
        f"(recall {recall:.2f}); kinds: {sorted({e[0] for e in expected})}"
    )
    print(f"clean control products: {len(controls)}, flagged as an error: {len(errors)}, "
          f"any finding: {len(on_controls)}")  # fmt: skip
    # a page without an item (not_in_feed) is a product page of a seeded or unjudged product
    catalog = Catalog(products=DEMO_PRODUCTS, seed=DEMO_SEED)
    expected_pages = {(e[0], e[3]) for e in expected}
    unjudged = set(manifest["not_judged"])
    stray = [
        f for f in found
        if f["offer_id"] is None and (f["kind"], f["url"]) not in expected_pages
        and getattr(catalog.product_for_url(f["url"]), "sku", None) not in unjudged
    ]  # fmt: skip
    print(f"findings without an item outside the manifest: {len(stray)}")
    assert not missed, missed
    assert not stray, stray[:5]
    assert not errors, errors
    assert not on_controls, on_controls  # not even a warning
    # every kind the demo seeds is among them
    assert {e[0] for e in expected} >= set(account.SEEDS) - {"sale_price_control"}
