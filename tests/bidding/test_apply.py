"""bid apply against the local Google Ads API server: validate-only by default, idempotent,
journaled, partial failures per keyword, resumable after an interruption, guardrails."""

from __future__ import annotations

import os
import subprocess
import sys
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
from tests.bidding.conftest import local_client

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
    return local_client(server)


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
    manual = ~kw["smart_bidding"].fillna(False).astype(bool)  # Smart Bidding ignores a max CPC
    ok = ~kw["item_id"].isin(oos) & manual & (kw["cpc_bid"] > 0.3) & (kw["cpc_bid"] < 20)
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
        retry=RetryPolicy.from_settings(backoff_s=0.01),
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


# ------------------------------------------------------------------ the command: offline, credentials, TLS

SEARCHOPS = str(Path(sys.executable).parent / "searchops")


def searchops(capsys, *args: str) -> tuple[int, str, str]:
    """The real CLI entry point, in-process: (exit code, stdout, stderr)."""
    from searchops.cli import main

    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_offline_check_needs_no_api_and_sends_nothing(tmp_path, account, ws, capsys):
    rows = in_stock_rows(account, 6)
    ws_file = ws.path
    ws.close()
    kw = account.frames["sem_keywords"].reset_index(drop=True)
    ok_plan = write_plan(tmp_path / "ok.csv", account, dict.fromkeys(rows[:4], 1.1))
    code, _, err = searchops(
        capsys, "--workspace", str(ws_file), "bid", "apply", str(ok_plan),
        "--customer-id", account.customer_id, "--offline",
    )  # fmt: skip
    assert code == 0, err
    assert "4 ok; checked offline" in err and "nothing sent" in err
    bad_plan = write_plan(tmp_path / "bad.csv", account, {rows[4]: 1.5, rows[5]: 1.1})
    code, out, err = searchops(
        capsys, "--workspace", str(ws_file), "bid", "apply", str(bad_plan),
        "--customer-id", account.customer_id, "--offline",
    )  # fmt: skip
    assert code == 1 and "1 ok, 1 rejected" in err
    assert str(int(kw.loc[rows[4], "criterion_id"])) in out  # the rejected keyword is listed
    with Workspace(ws_file, read_only=True) as check:
        assert not check.has_table("bid_journal")  # an offline check journals nothing


@pytest.fixture
def no_credentials(tmp_path, monkeypatch):
    """An environment with no Google Ads configuration at all (and an empty home)."""
    for name in list(os.environ):
        if name.startswith("GOOGLE_ADS_") or name == "SEARCHOPS_ADS_ACCESS_TOKEN":
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.mark.parametrize(
    ("env", "yaml", "expected"),
    [
        ({}, None, "no Google Ads credentials: no google-ads.yaml (--google-ads-config FILE, "
         "GOOGLE_ADS_CONFIGURATION_FILE_PATH or ~/google-ads.yaml) and no GOOGLE_ADS_* variables"),
        ({"GOOGLE_ADS_DEVELOPER_TOKEN": "x", "GOOGLE_ADS_CLIENT_ID": "y"}, None,
         "GOOGLE_ADS_* variables: missing GOOGLE_ADS_CLIENT_SECRET, GOOGLE_ADS_REFRESH_TOKEN"),
        ({}, "client_id: a\nclient_secret: b\nrefresh_token: c\n",
         "google-ads.yaml: missing developer_token"),
    ],
)  # fmt: skip
def test_missing_credentials_are_named_with_the_offline_ways(
    tmp_path, account, ws, capsys, monkeypatch, no_credentials, env, yaml, expected
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if yaml is not None:
        (no_credentials / "google-ads.yaml").write_text(yaml)
    plan = write_plan(tmp_path / "bids.csv", account, dict.fromkeys(in_stock_rows(account, 2), 1.1))
    ws_file = ws.path
    ws.close()
    code, _, err = searchops(
        capsys, "--workspace", str(ws_file), "bid", "apply", str(plan),
        "--customer-id", account.customer_id,
    )  # fmt: skip
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert expected in lines[0]
    assert "--offline" in lines[0] and "searchops sem demo --serve" in lines[0]
    assert "use_proto_plus" not in lines[0]


def _apply_in_a_fresh_process(tmp_path, server, account, plan, *options: str, verbose=False):
    """`searchops bid apply` in its own process, so its gRPC roots are its own (a process that
    created a TLS channel keeps the roots it read first)."""
    env = {k: v for k, v in os.environ.items() if k != "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"}
    env |= {
        "SEARCHOPS_ADS_ACCESS_TOKEN": server.access_token,
        "GOOGLE_ADS_DEVELOPER_TOKEN": server.developer_token,
    }
    # Retries fast, so a wrongly retried TLS failure shows as retry lines, not a slow test.
    (tmp_path / "searchops.toml").write_text(
        "[sem]\napi_retries = 5\napi_backoff_s = 0.01\napi_backoff_max_s = 0.01\n"
    )
    return subprocess.run(
        [SEARCHOPS, *(["-v"] if verbose else []), "--workspace", str(tmp_path / "ws.duckdb"),
         "bid", "apply", str(plan), "--customer-id", account.customer_id,
         "--endpoint", server.endpoint, *options],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_untrusted_certificate_fails_at_once_naming_it_and_ca_file_fixes_it(
    tmp_path, account, server, ws
):
    plan = write_plan(tmp_path / "bids.csv", account, dict.fromkeys(in_stock_rows(account, 3), 1.1))
    ws.close()
    before = server.bids().copy()
    # A real CA bundle that did not sign the local server's certificate (a corporate machine's).
    untrusted = _apply_in_a_fresh_process(
        tmp_path, server, account, plan, "--ca-file", certifi_bundle(), verbose=True
    )
    assert untrusted.returncode == 2, untrusted.stderr
    lines = untrusted.stderr.strip().splitlines()
    # One line even with -v: no retry logged (a certificate is not transient), no gRPC chatter.
    assert len(lines) == 1, untrusted.stderr
    assert (
        "TLS certificate check failed (CERTIFICATE_VERIFY_FAILED: self signed certificate)"
        in lines[0]
    )
    assert "--ca-file" in lines[0]
    trusted = _apply_in_a_fresh_process(
        tmp_path, server, account, plan, "--ca-file", str(server.root_cert_path)
    )
    assert trusted.returncode == 0, trusted.stderr
    assert "3 validated; validated only" in trusted.stderr
    pd.testing.assert_series_equal(server.bids(), before)  # validate-only changed nothing


def certifi_bundle() -> str:
    import certifi

    return certifi.where()
