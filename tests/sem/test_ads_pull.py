"""Pulls and mutations through the local Google Ads API server with the real client."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from google.ads.googleads.errors import GoogleAdsException
from google.ads.googleads.v26.errors.types.errors import GoogleAdsFailure

from demo import ads_server
from searchops import clock
from searchops.cli import cli
from searchops.errors import SearchopsError
from searchops.workspace import Workspace
from sem import ads_api, tables
from tests.sem.conftest import make_client

FAST = ads_api.RetryPolicy(attempts=3, backoff_s=0.001, backoff_max_s=0.01)
# One SearchStream per query of a pull of the small account (its change log fits one page).
PULL_QUERIES = ["customer", "keywords", "keyword_daily", "bid_changes", "shopping_daily",
                "search_terms", "landscape", "products", "campaigns", "campaign_daily",
                "product_groups", "conversion_lag"]  # fmt: skip


def test_pull_streams_every_row_of_every_table(server, small_account):
    frames = ads_api.pull(make_client(server), "123-456-7890", small_account.since,
                          small_account.until, policy=FAST)  # fmt: skip
    truth = small_account.frames
    for table in ("sem_keywords", "sem_keyword_daily", "sem_shopping_daily", "sem_search_terms",
                  "sem_products", "sem_bid_landscape"):  # fmt: skip
        assert len(frames[table]) == len(truth[table]), table
    # Several stream batches of 250 rows per query were needed, and values survive micros.
    assert len(truth["sem_keyword_daily"]) > 4 * server.stream_batch_size
    daily = frames["sem_keyword_daily"]
    assert daily["cost"].sum() == pytest.approx(truth["sem_keyword_daily"]["cost"].sum())
    assert daily["clicks"].sum() == truth["sem_keyword_daily"]["clicks"].sum()
    kw = frames["sem_keywords"].set_index("criterion_id").sort_index()
    want = truth["sem_keywords"].set_index("criterion_id").sort_index()
    assert (kw["cpc_bid"] - want["cpc_bid"]).abs().max() < 1e-9
    assert (kw["match_type"] == want["match_type"]).all()
    assert (kw["final_url"] == want["final_url"]).all()
    assert set(frames["sem_search_terms"]["criterion_id"]) <= set(want.index)
    land = frames["sem_bid_landscape"]
    assert land.groupby("criterion_id").size().min() >= 2


def test_search_pages_through_small_pages(server, small_account):
    service = make_client(server).get_service("GoogleAdsService", version=ads_server.API_VERSION)
    query = ("SELECT ad_group_criterion.criterion_id FROM ad_group_criterion WHERE "
             "ad_group_criterion.type = KEYWORD ORDER BY ad_group_criterion.criterion_id DESC")  # fmt: skip
    ids = [row.ad_group_criterion.criterion_id
           for row in service.search(customer_id=small_account.customer_id, query=query)]  # fmt: skip
    assert len(ids) == 400 and ids == sorted(ids, reverse=True)
    assert sum(c["method"] == "Search" for c in server.calls) == 5  # 400 rows / 97 per page


def test_transient_faults_are_retried(server, small_account):
    server.fail_next(2, "UNAVAILABLE", method="SearchStream")
    server.fail_next(1, "RESOURCE_EXHAUSTED", method="SearchStream")
    server.fail_next(1, "INTERNAL", method="SearchStream")
    sleeps: list[float] = []
    policy = ads_api.RetryPolicy(
        attempts=5, backoff_s=0.001, backoff_max_s=0.01, sleep=sleeps.append
    )
    frames = ads_api.pull(make_client(server), small_account.customer_id, small_account.since,
                          small_account.until, policy=policy)  # fmt: skip
    assert len(frames["sem_keywords"]) == 400
    assert len(sleeps) == 4 and all(0 <= s <= 0.01 for s in sleeps)


def test_stream_broken_mid_download_is_retried_without_duplicates(server, small_account):
    server.interrupt_next_stream(after_batches=1)  # keywords: 250 of 400 rows, then reset
    frames = ads_api.pull(make_client(server), small_account.customer_id, small_account.since,
                          small_account.until, policy=FAST)  # fmt: skip
    assert len(frames["sem_keywords"]) == 400  # not 250 + 400
    assert frames["sem_keywords"]["criterion_id"].is_unique
    assert len(server.calls) == len(PULL_QUERIES) + 1  # every query, the keywords' twice


def test_retries_give_up_with_one_line_and_request_id(server, small_account):
    server.fail_next(10, "RESOURCE_EXHAUSTED")
    with pytest.raises(SearchopsError) as err:
        ads_api.pull(make_client(server), small_account.customer_id, small_account.since,
                     small_account.until, policy=FAST)  # fmt: skip
    message = str(err.value)
    assert "\n" not in message
    assert "after 4 attempts" in message and "RESOURCE_EXHAUSTED" in message
    assert "quota_error.RESOURCE_TEMPORARILY_EXHAUSTED" in message
    assert f"(request id {server.calls[-1]['request_id']})" in message


def test_google_ads_exception_becomes_one_line_with_request_id(server, small_account):
    server.fail_next(1, "INVALID_ARGUMENT")
    with pytest.raises(SearchopsError) as err:
        ads_api.pull(make_client(server), small_account.customer_id, small_account.since,
                     small_account.until, policy=FAST)  # fmt: skip
    request_id = server.calls[-1]["request_id"]
    assert str(err.value) == (
        f"customer: Google Ads API INVALID_ARGUMENT: request_error.UNKNOWN: Injected request "
        f"failure. (request id {request_id})"
    )


def test_bad_credentials_are_a_clear_error(server, small_account):
    with pytest.raises(
        SearchopsError,
        match=r"UNAUTHENTICATED: authentication_error\.OAUTH_TOKEN_INVALID.*request id \w+",
    ):
        ads_api.pull(make_client(server, token="expired-token"), small_account.customer_id,
                     small_account.since, small_account.until, policy=FAST)  # fmt: skip
    with pytest.raises(SearchopsError, match="PERMISSION_DENIED"):
        ads_api.pull(make_client(server), "111-222-3333", small_account.since,
                     small_account.until, policy=FAST)  # fmt: skip


def _bid_operation(client, customer_id, ad_group_id, criterion_id, micros):
    op = client.get_type("AdGroupCriterionOperation")
    op.update.resource_name = (
        f"customers/{customer_id}/adGroupCriteria/{ad_group_id}~{criterion_id}"
    )
    op.update.cpc_bid_micros = micros
    op.update_mask.paths.append("cpc_bid_micros")
    return op


def _mutate(client, service, customer_id, ops, **flags):
    request = client.get_type("MutateAdGroupCriteriaRequest")
    request.customer_id = customer_id
    request.operations.extend(ops)
    for name, value in flags.items():
        setattr(request, name, value)
    return service.mutate_ad_group_criteria(request=request)


def test_mutations_validate_only_partial_failure_and_journal(server, small_account):
    client = make_client(server)
    service = client.get_service("AdGroupCriterionService", version=ads_server.API_VERSION)
    kw = small_account.frames["sem_keywords"].head(3)
    cid = small_account.customer_id
    ops = [
        _bid_operation(client, cid, a, c, 2_500_000)
        for a, c in zip(kw.ad_group_id, kw.criterion_id, strict=True)
    ]
    before = server.bids()

    _mutate(client, service, cid, ops, validate_only=True)
    assert server.bids().equals(before) and server.journal == []

    server.fail_mutations([int(kw.criterion_id.iloc[1])])
    response = _mutate(client, service, cid, ops, partial_failure=True)
    assert response.partial_failure_error.code == 3
    assert [bool(r.resource_name) for r in response.results] == [True, False, True]
    failure = GoogleAdsFailure.deserialize(response.partial_failure_error.details[0].value)
    assert failure.errors[0].location.field_path_elements[0].index == 1
    assert [j["criterion_id"] for j in server.journal] == [
        int(kw.criterion_id.iloc[0]),
        int(kw.criterion_id.iloc[2]),
    ]
    assert server.journal[0]["old_cpc_bid_micros"] == round(before.iloc[0] * 1e6)

    # Applied bids show up in later queries.
    ga = client.get_service("GoogleAdsService", version=ads_server.API_VERSION)
    rows = ga.search(
        customer_id=cid,
        query=(
            "SELECT ad_group_criterion.criterion_id, ad_group_criterion.cpc_bid_micros FROM "
            f"ad_group_criterion WHERE ad_group_criterion.criterion_id IN ({', '.join(map(str, kw.criterion_id))})"
        ),
    )
    bids = {r.ad_group_criterion.criterion_id: r.ad_group_criterion.cpc_bid_micros for r in rows}
    assert bids[int(kw.criterion_id.iloc[0])] == 2_500_000
    assert bids[int(kw.criterion_id.iloc[1])] == round(before.iloc[1] * 1e6)

    # Without partial_failure one bad operation fails the whole request: nothing applied.
    with pytest.raises(GoogleAdsException) as err:
        _mutate(client, service, cid, [
            _bid_operation(client, cid, kw.ad_group_id.iloc[0], kw.criterion_id.iloc[0], 3_000_000),
            _bid_operation(client, cid, kw.ad_group_id.iloc[2], kw.criterion_id.iloc[2], 3_000_001),
        ])  # fmt: skip
    assert (
        err.value.request_id
        and "BID_TOO_MANY_FRACTIONAL_DIGITS" in ads_api.describe_google_ads_exception(err.value)
    )
    assert len(server.journal) == 2


def test_cli_pull_writes_workspace_and_never_stores_credentials(
    server, small_account, tmp_path, monkeypatch
):
    ws_file = tmp_path / "ws.duckdb"
    log = tmp_path / "pull.log"
    env = {**os.environ, "SEARCHOPS_ADS_ACCESS_TOKEN": server.access_token,
           "GOOGLE_ADS_DEVELOPER_TOKEN": server.developer_token}  # fmt: skip
    env.pop("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", None)  # the CLI's --ca-file must do it
    args = [sys.executable, "-m", "searchops.cli", "--workspace", str(ws_file), "--debug", "-v",
            "sem", "pull", "--customer-id", small_account.customer_id,
            "--since", str(small_account.since), "--until", str(small_account.until),
            "--endpoint", server.endpoint, "--ca-file", str(server.root_cert_path)]  # fmt: skip
    code = "import sys; from searchops.cli import main; main(sys.argv[1:])"
    # A fresh process: its gRPC must learn to trust the local server from --ca-file alone.
    result = subprocess.run([sys.executable, "-c", code, *args[3:]], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    log.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stderr[-2000:]
    # A re-pull (in process this time) replaces the rows, never duplicates them.
    monkeypatch.setenv("SEARCHOPS_ADS_ACCESS_TOKEN", server.access_token)
    monkeypatch.setenv("GOOGLE_ADS_DEVELOPER_TOKEN", server.developer_token)
    again = CliRunner().invoke(cli, args[3:])
    assert again.exit_code == 0, again.output
    with log.open("a") as fh:
        fh.write(again.output)
    with Workspace(ws_file, read_only=True) as ws:
        daily = tables.read(ws, "sem_keyword_daily")
        assert len(daily) == len(small_account.frames["sem_keyword_daily"])
        assert tables.sources(ws) == [f"google-ads:{small_account.customer_id}"]
        assert len(ws.runs("sem")) == 2
    for path in (ws_file, log):
        blob = Path(path).read_bytes()
        assert server.access_token.encode() not in blob
        assert server.developer_token.encode() not in blob


def test_gaql_parser_and_filters():
    q = ads_server.parse_gaql(
        "SELECT campaign.id, metrics.clicks FROM keyword_view WHERE segments.date BETWEEN "
        "'2026-01-01' AND '2026-01-31' AND campaign.id IN (1, 2) AND metrics.clicks >= 3 "
        "ORDER BY metrics.clicks DESC LIMIT 10"
    )
    assert q.resource == "keyword_view" and q.limit == 10
    assert q.where == [("segments.date", "BETWEEN", ("2026-01-01", "2026-01-31")),
                       ("campaign.id", "IN", [1, 2]), ("metrics.clicks", ">=", 3)]  # fmt: skip
    assert q.order_by == [("metrics.clicks", True)]
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["X", "Y", "X"]})
    assert ads_server._apply_where(frame, [("a", ">", 1), ("b", "!=", "Y")])["a"].tolist() == [3]
    with pytest.raises(ads_server.QueryError):
        ads_server.parse_gaql("SELECT campaign.id FROM")


def test_incomplete_google_ads_yaml_is_a_clear_error(tmp_path, monkeypatch):
    config = tmp_path / "google-ads.yaml"
    config.write_text("developer_token: SECRET-DEV-TOKEN-123\nuse_proto_plus: True\n")
    monkeypatch.setenv("GOOGLE_ADS_CONFIGURATION_FILE_PATH", str(config))
    with pytest.raises(SearchopsError, match=r"google-ads\.yaml: missing client_id") as err:
        ads_api.load_client()
    assert "SECRET-DEV-TOKEN-123" not in str(err.value) and "\n" not in str(err.value)


def test_unknown_gaql_field_is_a_query_error_with_request_id(server, small_account):
    service = make_client(server).get_service("GoogleAdsService", version=ads_server.API_VERSION)
    with pytest.raises(GoogleAdsException) as err:
        list(service.search(customer_id=small_account.customer_id,
                            query="SELECT campaign.no_such_field FROM campaign"))  # fmt: skip
    line = ads_api.describe_google_ads_exception(err.value)
    assert line.startswith("Google Ads API INVALID_ARGUMENT: query_error.UNRECOGNIZED_FIELD:")
    assert "campaign.no_such_field" in line and err.value.request_id in line


# ---------------------------------------------------------------- real-account behaviour


def _search(handle, query, customer_id=None):
    service = make_client(handle).get_service("GoogleAdsService", version=ads_server.API_VERSION)
    return list(service.search(customer_id=customer_id or handle.customer_id, query=query))


def test_keyword_view_reports_todays_bid_and_pull_rebuilds_the_daily_bids(server, small_account):
    rows = _search(server, "SELECT ad_group_criterion.criterion_id, "
                   "ad_group_criterion.cpc_bid_micros, segments.date FROM keyword_view")  # fmt: skip
    seen = pd.DataFrame([(r.ad_group_criterion.criterion_id, r.ad_group_criterion.cpc_bid_micros)
                         for r in rows], columns=["criterion_id", "bid"])  # fmt: skip
    assert seen.groupby("criterion_id")["bid"].nunique().max() == 1  # like Google's: no history
    truth = small_account.frames["sem_keyword_daily"]
    assert truth.groupby("criterion_id")["cpc_bid"].nunique().max() > 1  # but bids did change

    frames = ads_api.pull(make_client(server), small_account.customer_id, small_account.since,
                          small_account.until, policy=FAST)  # fmt: skip
    got = frames["sem_keyword_daily"].assign(date=lambda d: pd.to_datetime(d["date"]))
    both = got.merge(truth, on=["criterion_id", "date"], suffixes=("", "_true"))
    assert len(both) == len(truth)
    # Changes are made in the first two minutes of a day: the time-weighted bid is that close.
    assert (both["cpc_bid"] - both["cpc_bid_true"]).abs().max() < 0.002 * both["cpc_bid"].max()
    changes = frames["sem_bid_changes"]
    assert len(changes) == len(small_account.frames["sem_bid_changes"])
    assert changes["change_id"].is_unique and changes["old_bid"].notna().all()


def test_change_history_pages_past_the_limit(server, small_account):
    client = make_client(server)
    now = ads_server.AccountViews({"sem_keywords": small_account.frames["sem_keywords"]},
                                  small_account.customer_id).clock()  # fmt: skip
    full, start = ads_api.pull_bid_changes(client, small_account.customer_id, small_account.since,
                                           small_account.until, now, FAST,
                                           ads_api.PullOptions.from_settings())  # fmt: skip
    calls = len(server.calls)
    paged, _ = ads_api.pull_bid_changes(client, small_account.customer_id, small_account.since,
                                        small_account.until, now, FAST,
                                        ads_api.PullOptions.from_settings(change_event_limit=100))  # fmt: skip
    assert len(server.calls) - calls >= len(full) // 100  # one query per page of 100
    assert sorted(paged["change_id"]) == sorted(full["change_id"])
    assert start == pd.Timestamp(now.date()) - pd.Timedelta(days=29)


@pytest.mark.parametrize(
    ("where", "limit", "code"),
    [
        ("", "LIMIT 100", "CHANGE_DATE_RANGE_INFINITE"),
        ("WHERE change_event.change_date_time >= '{old}' AND "
         "change_event.change_date_time <= '{today}'", "LIMIT 100", "START_DATE_TOO_OLD"),
        ("WHERE change_event.change_date_time >= '{recent}' AND "
         "change_event.change_date_time <= '{today}'", "", "LIMIT_NOT_SPECIFIED"),
        ("WHERE change_event.change_date_time >= '{recent}' AND "
         "change_event.change_date_time <= '{today}'", "LIMIT 10001", "INVALID_LIMIT_CLAUSE"),
        ("WHERE change_event.change_date_time >= '{today}' AND "
         "change_event.change_date_time <= '{recent}'", "LIMIT 100", "CHANGE_DATE_RANGE_NEGATIVE"),
    ],
)  # fmt: skip
def test_change_event_limits_are_googles(server, where, limit, code):
    today = pd.Timestamp(clock.now(ZoneInfo(ads_server.TIME_ZONE))).normalize()
    dates = {"old": today - pd.Timedelta(days=31), "recent": today - pd.Timedelta(days=5),
             "today": today + pd.Timedelta(days=1)}  # fmt: skip
    query = (f"SELECT change_event.resource_name FROM change_event "
             f"{where.format(**{k: v.date() for k, v in dates.items()})} {limit}")  # fmt: skip
    with pytest.raises(GoogleAdsException) as err:
        _search(server, query)
    assert f"change_event_error.{code}" in ads_api.describe_google_ads_exception(err.value)


def test_pull_flags_smart_bidding_and_reads_budgets_product_groups_and_lag(server, small_account):
    frames = ads_api.pull(make_client(server), small_account.customer_id, small_account.since,
                          small_account.until, policy=FAST)  # fmt: skip
    truth = small_account.frames
    camps = frames["sem_campaigns"].set_index("campaign_id").sort_index()
    want = truth["sem_campaigns"].set_index("campaign_id").sort_index()
    assert (camps["bidding_strategy_type"] == want["bidding_strategy_type"]).all()
    assert (camps["budget_amount"] == want["budget_amount"]).all()
    assert camps["smart_bidding"].any() and not camps["smart_bidding"].all()
    kw = frames["sem_keywords"].set_index("criterion_id")
    smart = camps.index[camps["smart_bidding"]]
    assert kw["smart_bidding"].equals(kw["campaign_id"].isin(smart))
    daily = frames["sem_campaign_daily"]
    assert daily["search_budget_lost_impression_share"].sum() == pytest.approx(
        truth["sem_campaign_daily"]["search_budget_lost_impression_share"].sum()
    )
    # Product groups: the tree with its unit bids and exclusions.
    groups = frames["sem_product_groups"]
    tg = truth["sem_product_groups"]
    assert len(groups) == len(tg)
    assert (groups["node_type"] == "SUBDIVISION").sum() == (tg["node_type"] == "SUBDIVISION").sum()
    rest = groups[groups["value"].isna() & groups["parent_criterion_id"].notna()]
    assert len(rest) == tg["ad_group_id"].nunique() and (rest["dimension"] == "item_id").all()
    assert (rest["cpc_bid"] == 0.25).all()  # "everything else" keeps its own bid
    units = groups[groups["value"].notna()].set_index("value")
    tu = tg[tg["value"].notna()].set_index("value")
    assert units["negative"].sort_index().tolist() == tu["negative"].sort_index().tolist()
    assert units["cpc_bid"].sort_index().fillna(-1).tolist() == pytest.approx(
        tu["cpc_bid"].sort_index().fillna(-1).tolist()
    )
    # The lag curve estimated from the lag buckets is the demo's true one.
    lag = frames["sem_conversion_lag"].set_index("lag_days")["completeness"]
    true_cum = truth["sem_truth_conversion_lag"]["share"].cumsum()
    for day in (1, 3, 7, 14):
        assert lag[day] == pytest.approx(true_cum.iloc[day - 1], abs=0.03)
    # Recent days are under-reported; the adjusted conversions restore the demo's totals.
    kd = frames["sem_keyword_daily"]
    recent = pd.to_datetime(kd["date"]) > pd.Timestamp(small_account.until) - pd.Timedelta(days=7)
    eventual = truth["sem_keyword_daily"]
    eventual = eventual[eventual["date"] > pd.Timestamp(small_account.until) - pd.Timedelta(days=7)]
    assert kd.loc[recent, "conversions"].sum() < 0.85 * eventual["conversions"].sum()
    assert kd.loc[recent, "conversions_adjusted"].sum() == pytest.approx(
        eventual["conversions"].sum(), rel=0.1
    )


# ---------------------------------------------------------------- the CLI on several accounts

MANAGER_ID = "9990001111"


@pytest.fixture
def managed(small_account):
    """A manager with two client accounts (the second a different seed and id)."""
    from demo import ads_account

    second = ads_account.generate(keywords=120, days=14, seed=8, products=100,
                                  customer_id="2223334444")  # fmt: skip
    with ads_server.serve(small_account, second, manager_id=MANAGER_ID, page_size=97,
                          stream_batch_size=250) as handle:  # fmt: skip
        yield handle


def _cli(handle, tmp_path, monkeypatch, capsys, *args):
    """``searchops sem pull ARGS`` in process; (exit code, stderr lines)."""
    from searchops.cli import main

    monkeypatch.setenv("SEARCHOPS_ADS_ACCESS_TOKEN", handle.access_token)
    monkeypatch.setenv("GOOGLE_ADS_DEVELOPER_TOKEN", handle.developer_token)
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["--workspace", str(tmp_path / "ws.duckdb"), "-q", "sem", "pull",
              "--endpoint", handle.endpoint, *args])  # fmt: skip
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return done.value.code, err


def _sources(tmp_path):
    with Workspace(tmp_path / "ws.duckdb", read_only=True) as ws:
        return sorted(tables.sources(ws))


def test_cli_pulls_every_client_of_a_manager(managed, small_account, tmp_path, monkeypatch,
                                             capsys):  # fmt: skip
    since, until = str(small_account.since), str(small_account.until)
    # Without the manager as login customer the clients are out of reach, as on Google's.
    code, err = _cli(managed, tmp_path, monkeypatch, capsys, "--customer-id", "2223334444",
                     "--since", since, "--until", until)  # fmt: skip
    assert code == 2 and "USER_PERMISSION_DENIED" in err[-1] and "Traceback" not in "".join(err)
    code, err = _cli(managed, tmp_path, monkeypatch, capsys, "--customer-id", MANAGER_ID,
                     "--all-clients", "--since", since, "--until", until)  # fmt: skip
    assert code == 0, err
    assert _sources(tmp_path) == ["google-ads:1234567890", "google-ads:2223334444"]
    with Workspace(tmp_path / "ws.duckdb", read_only=True) as ws:
        assert len(ws.runs("sem")) == 2
    # Several ids through the manager, comma-separated or repeated: each re-pulled once.
    code, err = _cli(managed, tmp_path, monkeypatch, capsys, "--customer-id",
                     "1234567890,222-333-4444", "--login-customer-id", MANAGER_ID,
                     "--since", since, "--until", until)  # fmt: skip
    assert code == 0, err
    with Workspace(tmp_path / "ws.duckdb", read_only=True) as ws:
        assert len(ws.runs("sem")) == 4
        assert len(tables.read(ws, "sem_keywords", source="google-ads:2223334444")) == 120
    # A manager pulled as if it were an account is a clear error, not an empty pull.
    code, err = _cli(managed, tmp_path, monkeypatch, capsys, "--customer-id", MANAGER_ID,
                     "--since", since, "--until", until)  # fmt: skip
    assert code == 2 and "is a manager account" in err[-1]


def test_cli_failure_on_one_account_keeps_the_others(managed, small_account, tmp_path,
                                                     monkeypatch, capsys):  # fmt: skip
    managed.deny("2223334444")
    code, err = _cli(managed, tmp_path, monkeypatch, capsys, "--customer-id", MANAGER_ID,
                     "--all-clients", "--since", str(small_account.since),
                     "--until", str(small_account.until))  # fmt: skip
    assert code == 2
    assert err[-1].startswith("searchops: error: customer 2223334444: ")
    assert "PERMISSION_DENIED" in err[-1]
    assert "1 account(s) before it saved" in err[-1]
    assert _sources(tmp_path) == ["google-ads:1234567890"]


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("RESOURCE_EXHAUSTED", "quota_error.RESOURCE_TEMPORARILY_EXHAUSTED"),
        ("INVALID_ARGUMENT", "INVALID_ARGUMENT"),
    ],
)
def test_cli_api_errors_are_one_line_and_keep_the_workspace(server, small_account, tmp_path,
                                                            monkeypatch, capsys, fault,
                                                            expected):  # fmt: skip
    args = ["--customer-id", small_account.customer_id, "--since", str(small_account.since),
            "--until", str(small_account.until)]  # fmt: skip
    assert _cli(server, tmp_path, monkeypatch, capsys, *args)[0] == 0
    server.fail_next(50, fault)
    (tmp_path / "searchops.toml").write_text("[sem]\napi_retries = 1\napi_backoff_s = 0.0\n")
    monkeypatch.chdir(tmp_path)
    code, err = _cli(server, tmp_path, monkeypatch, capsys, *args)
    assert code == 2 and expected in err[-1] and "request id" in err[-1]
    assert err[-1].startswith(f"searchops: error: customer {small_account.customer_id}: ")
    with Workspace(tmp_path / "ws.duckdb", read_only=True) as ws:  # the first pull is intact
        assert len(tables.read(ws, "sem_keywords")) == 400
        assert len(ws.runs("sem")) == 1


def test_cli_change_history_out_of_reach_is_one_line(small_account, tmp_path, monkeypatch,
                                                     capsys):  # fmt: skip
    """A client clock days behind the server's asks for changes older than Google keeps."""
    import datetime as dt

    ahead = lambda: clock.now() + dt.timedelta(days=3)  # noqa: E731
    with ads_server.serve(small_account, now=ahead) as handle:
        code, err = _cli(handle, tmp_path, monkeypatch, capsys, "--customer-id",
                         small_account.customer_id, "--since", str(small_account.since),
                         "--until", str(small_account.until))  # fmt: skip
    assert code == 2 and "change_event_error.START_DATE_TOO_OLD" in err[-1]
    assert not (tmp_path / "ws.duckdb").exists() or _sources(tmp_path) == []


def test_roi_models_identify_elasticities_from_pulled_data():
    """Pulled like a real account (today's bid in keyword_view, history from change_event),
    the ROI models recover the demo's true click elasticities as well as from the demo's own
    tables; ignoring the change history (today's bid on every day) does not."""
    import numpy as np

    from demo import ads_account
    from sem import roi

    account = ads_account.generate(keywords=1500, days=28, seed=4, products=300)
    with ads_server.serve(account) as handle:
        frames = ads_api.pull(make_client(handle), account.customer_id, account.since,
                              account.until, policy=FAST)  # fmt: skip
    truth = account.frames["sem_truth"].set_index("criterion_id")["elasticity"]
    current = frames["sem_keywords"].set_index("criterion_id")["cpc_bid"]
    naive = {**frames, "sem_keyword_daily": frames["sem_keyword_daily"].assign(
        cpc_bid=lambda d: d["criterion_id"].map(current))}  # fmt: skip

    def error(fit):
        busy = fit[fit["clicks"] >= 30]
        return float(np.median(np.abs(busy["elasticity"].to_numpy()
                                      - truth.loc[busy["criterion_id"]].to_numpy())))  # fmt: skip

    pulled, own = (error(roi.fit_models(f)) for f in (frames, account.frames))
    # Without Google's simulations, history alone: the bid series is what identifies them.
    no_sims = {"sem_bid_landscape": frames["sem_bid_landscape"].iloc[:0]}
    fits = [roi.fit_models({**f, **no_sims}) for f in (frames, naive)]
    history, today_only = (error(f) for f in fits)
    print(
        f"elasticity median abs error: pulled {pulled:.3f}, demo tables {own:.3f}; "
        f"history only {history:.3f}, today's bid on every day {today_only:.3f}"
    )
    assert pulled < 0.2 and pulled <= own + 0.03
    assert today_only > history + 0.01
    busy = fits[0]["clicks"] >= 30
    assert (fits[0].loc[busy, "bid_levels"] >= 2).mean() > 0.9
    assert (fits[1]["bid_levels"] <= 1).all()


def test_cli_change_event_limit_above_googles_is_a_settings_error(server, small_account,
                                                                   tmp_path, monkeypatch,
                                                                   capsys):  # fmt: skip
    (tmp_path / "searchops.toml").write_text("[sem]\nchange_event_limit = 20000\n")
    monkeypatch.chdir(tmp_path)
    code, err = _cli(server, tmp_path, monkeypatch, capsys, "--customer-id",
                     small_account.customer_id, "--since", str(small_account.since),
                     "--until", str(small_account.until))  # fmt: skip
    assert code == 2 and "change_event_limit" in err[-1]
    assert not any(c["method"] == "SearchStream" for c in server.calls)  # nothing was asked


def test_keywords_without_own_bid_follow_their_ad_groups_default_bid(small_account):
    """Real accounts often bid per ad group: those keywords' history is in AD_GROUP changes."""
    frames = {k: v.copy() for k, v in small_account.frames.items()}
    kw, log, daily = frames["sem_keywords"], frames["sem_bid_changes"], frames["sem_keyword_daily"]
    ad_group = kw["ad_group_id"].value_counts().index[0]
    members = kw.loc[kw["ad_group_id"] == ad_group, "criterion_id"]
    leader = int(members.iloc[0])
    # The ad group's default bid follows the leader's history; its keywords have no own bid.
    kw["inherits_ad_group_bid"] = kw["ad_group_id"] == ad_group
    kw.loc[kw["ad_group_id"] == ad_group, "cpc_bid"] = float(
        kw.loc[kw["criterion_id"] == leader, "cpc_bid"].iloc[0]
    )
    group_log = log[log["criterion_id"] == leader].assign(resource_type="AD_GROUP")
    frames["sem_bid_changes"] = pd.concat(
        [log[~log["criterion_id"].isin(members)], group_log], ignore_index=True
    )
    leader_bid = daily[daily["criterion_id"] == leader].set_index("date")["cpc_bid"]
    assert leader_bid.nunique() > 1
    from demo import ads_account

    account = ads_account.DemoAccount(small_account.customer_id, small_account.since,
                                      small_account.until, frames)  # fmt: skip
    with ads_server.serve(account) as handle:
        pulled = ads_api.pull(make_client(handle), account.customer_id, account.since,
                              account.until, policy=FAST)  # fmt: skip
    got = pulled["sem_keyword_daily"]
    got = got[got["criterion_id"].isin(members)].assign(date=lambda d: pd.to_datetime(d["date"]))
    expected = got["date"].map(leader_bid)
    known = expected.notna()
    assert known.sum() > 10
    assert (got.loc[known, "cpc_bid"] - expected[known]).abs().max() < 0.01
    levels = pulled["sem_bid_changes"].groupby("level")["criterion_id"].nunique()
    assert levels["ad_group"] == len(members)


def test_weekly_pulls_keep_bids_older_than_the_change_history(tmp_path):
    """Google keeps 30 days of changes: a re-pull of older days keeps the bids an earlier
    pull (when those days were recent) rebuilt, instead of losing them."""
    import datetime as dt

    from demo import ads_account

    account = ads_account.generate(keywords=150, days=45, seed=6, products=100)
    now = [clock.now() - dt.timedelta(days=15)]
    truth = account.frames["sem_keyword_daily"].set_index(["criterion_id", "date"])["cpc_bid"]

    def bids(frame):
        key = pd.MultiIndex.from_arrays([frame["criterion_id"], pd.to_datetime(frame["date"])])
        return frame["cpc_bid"].to_numpy(), truth.reindex(key).to_numpy()

    with (
        ads_server.serve(account, now=lambda: now[0]) as handle,
        Workspace(tmp_path / "ws.duckdb") as ws,
    ):
        client = make_client(handle)
        first_until = now[0].date() - dt.timedelta(days=1)
        early = ads_api.pull(client, account.customer_id, account.since, first_until,
                             policy=FAST, now=now[0])  # fmt: skip
        ads_api.save_pull(ws, early, account.customer_id, account.since, first_until)
        now[0] = clock.now()
        late = ads_api.pull(client, account.customer_id, account.since, account.until,
                            policy=FAST, now=now[0])  # fmt: skip
        old = pd.to_datetime(late["sem_keyword_daily"]["date"]) < pd.Timestamp(
            now[0].date() - dt.timedelta(days=29)
        )
        assert old.sum() > 100 and late["sem_keyword_daily"].loc[old, "cpc_bid"].isna().all()
        ads_api.save_pull(ws, late, account.customer_id, account.since, account.until)
        stored = tables.read(ws, "sem_keyword_daily")
    got, want = bids(stored)
    known = ~np.isnan(got)
    assert known.mean() > 0.95  # only the first day or so predates both histories
    # (changes land in a day's first two minutes: the time-weighted bid is within 0.2%)
    assert (np.abs(got[known] - want[known]) <= 0.002 * want[known] + 0.002).all()
    assert len(stored) == len(account.frames["sem_keyword_daily"])
