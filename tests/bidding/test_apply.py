"""bid apply against the local Google Ads API server: validate-only by default, idempotent,
journaled, partial failures per keyword, resumable after an interruption, guardrails."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bidding.apply import apply_bids, journal
from bidding.config import BiddingConfig
from bidding.export import EDITOR_COLUMNS
from searchops.settings import load_settings
from searchops.workspace import Workspace
from sem.ads_api import RetryPolicy

ads_server = pytest.importorskip("demo.ads_server")
demo = pytest.importorskip("demo.ads_account")


@pytest.fixture(scope="module")
def account():
    return demo.generate(keywords=300, days=28, seed=3, products=120)


@pytest.fixture
def config() -> BiddingConfig:
    return load_settings().settings.bidding


@pytest.fixture
def server(account):
    with ads_server.serve(account) as handle:
        yield handle


@pytest.fixture
def client(server):
    from google.ads.googleads.client import GoogleAdsClient
    from google.oauth2.credentials import Credentials

    return GoogleAdsClient(
        credentials=Credentials(token=server.access_token),
        developer_token=server.developer_token,
        endpoint=server.endpoint,
        use_proto_plus=True,
    )


@pytest.fixture
def ws(tmp_path, account):
    with Workspace(tmp_path / "ws.duckdb") as workspace:
        demo.save(workspace, account)
        yield workspace


def write_plan(path: Path, account, factors: dict[int, float]) -> Path:
    """An Editor CSV moving keyword i's bid by factors[i] (as `bid recommend` writes it)."""
    kw = account.frames["sem_keywords"].reset_index(drop=True)
    rows = kw.iloc[list(factors)]
    new = np.round(rows["cpc_bid"].to_numpy() * np.array(list(factors.values())), 2)
    pd.DataFrame(
        {
            "Customer ID": rows["customer_id"],
            "Campaign": rows["campaign"],
            "Ad group": rows["ad_group"],
            "Keyword": rows["keyword"],
            "Criterion Type": rows["match_type"].str.title(),
            "Max CPC": [f"{b:.2f}" for b in new],
            "Campaign ID": rows["campaign_id"],
            "Ad group ID": rows["ad_group_id"],
            "Keyword ID": rows["criterion_id"],
        },
        columns=EDITOR_COLUMNS,
    ).to_csv(path, index=False)
    return path


def in_stock_rows(account, n: int) -> list[int]:
    kw = account.frames["sem_keywords"].reset_index(drop=True)
    products = account.frames["sem_products"]
    oos = set(products.loc[products["availability"] == "OUT_OF_STOCK", "item_id"])
    ok = ~kw["item_id"].isin(oos) & (kw["cpc_bid"] > 0.3) & (kw["cpc_bid"] < 20)
    return list(np.flatnonzero(ok.to_numpy())[:n])


def test_validate_only_by_default_changes_nothing(tmp_path, account, server, client, ws, config):
    rows = in_stock_rows(account, 20)
    plan = write_plan(tmp_path / "bids.csv", account, dict.fromkeys(rows, 0.9))
    before = server.bids().copy()
    report = apply_bids(
        plan, client=client, customer_id=account.customer_id, workspace=ws, config=config
    )
    assert report.counts() == {"validated": 20}
    pd.testing.assert_series_equal(server.bids(), before)
    assert server.journal == []
    assert set(journal(ws)["mode"]) == {"validate"}


def test_execute_applies_once_and_rerun_applies_nothing(
    tmp_path, account, server, client, ws, config
):
    rows = in_stock_rows(account, 30)
    factors = dict.fromkeys(rows[:25], 1.15) | dict.fromkeys(rows[25:], 0.85)
    plan = write_plan(tmp_path / "bids.csv", account, factors)
    first = apply_bids(
        plan,
        client=client,
        customer_id=account.customer_id,
        workspace=ws,
        config=config,
        execute=True,
        batch_size=7,
    )
    assert first.counts() == {"applied": 30}
    expected = pd.read_csv(plan).set_index("Keyword ID")["Max CPC"]
    np.testing.assert_allclose(server.bids().loc[expected.index].to_numpy(), expected.to_numpy())
    second = apply_bids(
        plan,
        client=client,
        customer_id=account.customer_id,
        workspace=ws,
        config=config,
        execute=True,
    )
    assert second.counts() == {"skipped": 30}
    assert len(server.journal) == 30  # the server saw each change exactly once
    j = journal(ws, first.plan_id)
    assert (j["result"] == "applied").sum() == 30
    assert j.loc[j["result"] == "applied", "criterion_id"].is_unique


def test_partial_failures_reported_per_keyword_and_retried_later(
    tmp_path, account, server, client, ws, config
):
    rows = in_stock_rows(account, 20)
    plan = write_plan(tmp_path / "bids.csv", account, dict.fromkeys(rows, 1.1))
    kw = account.frames["sem_keywords"].reset_index(drop=True)
    failing = kw.loc[rows[:3], "criterion_id"].astype(int).tolist()
    server.fail_mutations(failing)
    server.fail_next(2, "UNAVAILABLE", method="MutateAdGroupCriteria")  # retried transparently
    report = apply_bids(
        plan,
        client=client,
        customer_id=account.customer_id,
        workspace=ws,
        config=config,
        execute=True,
        retry=RetryPolicy(backoff_s=0.01),
    )
    res = report.results.set_index("criterion_id")
    assert set(res.index[res["result"] == "failed"]) == set(failing)
    assert res.loc[failing, "error"].str.contains("Injected failure").all()
    assert (res["result"] == "applied").sum() == 17
    server.clear_faults()
    again = apply_bids(
        plan,
        client=client,
        customer_id=account.customer_id,
        workspace=ws,
        config=config,
        execute=True,
    )
    res2 = again.results.set_index("criterion_id")
    assert set(res2.index[res2["result"] == "applied"]) == set(failing)  # nothing lost
    assert len(server.journal) == 20  # nothing applied twice


def test_interrupted_run_resumes_without_duplicates(tmp_path, account, server, client, ws, config):
    rows = in_stock_rows(account, 24)
    plan = write_plan(tmp_path / "bids.csv", account, dict.fromkeys(rows, 0.9))

    def crash(batch: int) -> None:
        if batch == 1:  # the second batch reached the account, its answer never got journaled
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        apply_bids(
            plan,
            client=client,
            customer_id=account.customer_id,
            workspace=ws,
            config=config,
            execute=True,
            batch_size=10,
            on_batch_sent=crash,
        )
    assert len(server.journal) == 20
    assert (journal(ws)["result"] == "pending").sum() == 10
    resumed = apply_bids(
        plan,
        client=client,
        customer_id=account.customer_id,
        workspace=ws,
        config=config,
        execute=True,
        batch_size=10,
    )
    counts = resumed.counts()
    assert counts == {"skipped": 20, "applied": 4}
    assert len(server.journal) == 24  # each keyword changed exactly once
    j = journal(ws, resumed.plan_id)
    assert (j["result"] == "pending").sum() == 0
    assert (j["result"] == "applied").sum() == 24 and j.loc[
        j["result"] == "applied", "criterion_id"
    ].is_unique


def test_guardrails_rechecked_before_sending(tmp_path, account, server, client, ws, config):
    rows = in_stock_rows(account, 6)
    kw = account.frames["sem_keywords"].reset_index(drop=True)
    products = account.frames["sem_products"]
    oos = set(products.loc[products["availability"] == "OUT_OF_STOCK", "item_id"])
    oos_row = int(np.flatnonzero(kw["item_id"].isin(oos).to_numpy() & (kw["cpc_bid"] > 0.3))[0])
    factors = {rows[0]: 1.5, rows[1]: 0.5, rows[2]: 1.1, oos_row: 1.1}
    plan = write_plan(tmp_path / "bids.csv", account, factors)
    report = apply_bids(
        plan,
        client=client,
        customer_id=account.customer_id,
        workspace=ws,
        config=config,
        execute=True,
    )
    res = report.results.set_index("criterion_id")["result"]
    ids = kw["criterion_id"].astype(int)
    assert res[ids[rows[0]]] == "rejected" and res[ids[rows[1]]] == "rejected"
    assert res[ids[oos_row]] == "rejected"
    assert res[ids[rows[2]]] == "applied"
    assert [e["criterion_id"] for e in server.journal] == [ids[rows[2]]]
