"""Coverage when the ads' final URLs and the crawl are on different hosts: matched by path
with a note, or a loud note when nothing matches; and the demo account's default final URLs
are where `searchops demo-site` serves by default."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from bidding.coverage import coverage
from searchops.settings import load_settings
from searchops.workspace import Workspace
from tests.bidding.test_coverage import SITE, page, product_ld, write_run

STAGING = "http://127.0.0.1:8080"  # the crawl's host; the ads point at SITE


@pytest.fixture
def crawl_and_account(tmp_path):
    """A crawl of the shop on a staging host, and an account whose ads point at the live host."""
    pages = [
        page("/p/1", sd=product_ld("1001", "Alpine Tent", "300.00", "InStock", "Tents")),
        page("/p/2", sd=product_ld("1002", "Ridge Tent", "250.00", "InStock", "Tents")),
        page("/p/6", status=404),
    ]
    for row in pages:
        row["url"] = row["final_url"] = row["url"].replace(SITE, STAGING)
    run = write_run(tmp_path / "run", pages)

    def account(paths: list[str]) -> Workspace:
        skus = ["1001" if p == "/p/1" else f"20{i:02d}" for i, p in enumerate(paths)]
        keywords = pd.DataFrame({
            "criterion_id": range(1, len(paths) + 1), "ad_group_id": 9, "campaign_id": 8,
            "campaign": "Search", "ad_group": "Tents", "keyword": [f"kw {p}" for p in paths],
            "match_type": "EXACT", "status": "ENABLED", "lang": "en",
            "final_url": [SITE + p for p in paths], "item_id": skus, "sku": skus,
            "category": "Tents",
        })  # fmt: skip
        daily = pd.DataFrame({"date": pd.Timestamp("2026-01-01"), "criterion_id": keywords[
            "criterion_id"], "clicks": 10, "conversions": 0.0, "conversions_value": 0.0,
            "cost": 8.0})  # fmt: skip
        ws = Workspace(tmp_path / "ws.duckdb")
        ws.append_df("sem_keywords", keywords)
        ws.append_df("sem_keyword_daily", daily)
        return ws

    return run, account


def test_other_host_is_matched_by_path_with_a_note(crawl_and_account, caplog):
    run, account = crawl_and_account
    with account(["/p/1", "/p/6", "/p/9"]) as ws:
        result = coverage(run, ws, load_settings().settings.coverage, margin=0.3)
    assert len(result.notes) == 1
    assert (
        "keyword final URLs are on 'shop.example', the crawl is of '127.0.0.1:8080'"
        in (result.notes[0])
    )
    assert "matched 2 of 3 by path" in result.notes[0] and result.notes[0] in caplog.text
    waste = result.waste.set_index("criterion_id")
    assert waste["reason"].to_dict() == {2: "not_found"}  # the ad on the 404 path
    assert waste.loc[2, "url"] == SITE + "/p/6"  # shown as the ad has it
    # the covered product is known by its path; the other one is an opportunity
    assert list(result.opportunities["sku"]) == ["1002"]


def test_no_ad_url_on_the_crawl_is_said_loudly(crawl_and_account, caplog):
    run, account = crawl_and_account
    with caplog.at_level(logging.WARNING), account(["/fr/x", "/fr/y"]) as ws:
        result = coverage(run, ws, load_settings().settings.coverage, margin=0.3)
    assert result.waste.empty
    assert len(result.notes) == 1 and result.notes[0].startswith(
        "no keyword final URL matches a crawled URL, not even by path"
    )
    assert "wasted spend and keyword coverage cannot be judged" in caplog.text


def test_same_host_needs_no_note(crawl_and_account):
    run, account = crawl_and_account
    with account(["/p/1"]) as ws:
        ws.con.execute(
            "UPDATE sem_keywords SET final_url = replace(final_url, ?, ?)", [SITE, STAGING]
        )
        result = coverage(run, ws, load_settings().settings.coverage, margin=0.3)
    assert result.notes == []


def test_sem_demo_points_at_the_default_demo_site(tmp_path):
    """`searchops sem demo` with its defaults writes keywords whose final URLs are on the host
    and port `searchops demo-site` serves by default."""
    from click.testing import CliRunner

    from demo.site.cli import demo_site
    from searchops.cli import cli
    from sem import tables

    port = next(p.default for p in demo_site.params if p.name == "port")
    ws_file = tmp_path / "ws.duckdb"
    result = CliRunner().invoke(
        cli,
        ["--workspace", str(ws_file), "sem", "demo", "--keywords", "200", "--days", "7",
         "--products", "120"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with Workspace(ws_file, read_only=True) as ws:
        urls = tables.read(ws, "sem_keywords")["final_url"].dropna()
    assert len(urls) > 0 and urls.str.startswith(f"http://127.0.0.1:{port}/").all()


@pytest.mark.slow
def test_demo_account_on_another_port_than_the_crawl(demo_run, demo_site, tmp_path, caplog):
    """The default demo account (final URLs on the default port) against a crawl of the demo
    site served on another port: matched by path, the known wasted keywords are found."""
    from demo import ads_account as demo
    from demo.site import DEFAULT_URL

    account = demo.generate(
        keywords=1500, days=35, seed=2, products=demo_site.products, catalog_seed=demo_site.seed
    )
    assert demo_site.url != DEFAULT_URL
    with Workspace(tmp_path / "ws.duckdb") as ws:
        demo.save(ws, account)
        result = coverage(Path(demo_run), ws, load_settings().settings.coverage, margin=0.3)
    assert len(result.notes) == 1 and "by path" in result.notes[0]
    truth = account.frames["sem_truth_coverage"]
    wasted = set(truth.loc[truth["kind"] == "wasted", "criterion_id"].dropna().astype(int))
    assert set(result.waste["criterion_id"].dropna().astype(int)) == wasted
