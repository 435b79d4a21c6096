"""Issues 12 and 14: keywords under Smart Bidding are skipped (no bid, fixed spend against the
budget), keywords whose product is out of stock or whose landing page fails are paused (a
status change, exported as Status Paused and applied as an AdGroupCriterion status update
inside the pause cap), through the Python API, the CLI and the local Google Ads API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import bidding
from searchops.settings import load_settings
from searchops.workspace import Workspace
from tests.bidding.conftest import local_client

demo = pytest.importorskip("demo.ads_account")
ads_server = pytest.importorskip("demo.ads_server")


@pytest.fixture(scope="module")
def account():
    return demo.generate(keywords=400, days=35, seed=5, products=150)


@pytest.fixture
def ws_path(tmp_path, account) -> Path:
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        demo.save(ws, account)
    return path


def settings_with(**guardrails):
    s = load_settings().settings
    g = s.bidding.guardrails.model_copy(update=guardrails)
    return s.model_copy(update={"bidding": s.bidding.model_copy(update={"guardrails": g})})


def keywords(account) -> pd.DataFrame:
    return account.frames["sem_keywords"].set_index("criterion_id")


def oos_criteria(account) -> set[int]:
    kw = account.frames["sem_keywords"]
    products = account.frames["sem_products"]
    oos = set(products.loc[products["availability"] == "OUT_OF_STOCK", "item_id"])
    enabled = kw["status"].eq("ENABLED")
    return set(kw.loc[kw["item_id"].isin(oos) & enabled, "criterion_id"].astype(int))


def crawl_folder(path: Path, pages: list[dict]) -> Path:
    """A crawl run folder as another tool could write it: only the columns bidding reads."""
    path.mkdir(parents=True)
    columns = {c: [p.get(c) for p in pages] for c in ("url", "final_url", "status", "meta_robots")}
    table = pa.table({**columns, "status": pa.array(columns["status"], pa.int32())})
    pq.write_table(table, path / "pages.parquet")
    return path


# ------------------------------------------------------------------ Smart Bidding (issue 12)


def test_smart_bidding_keywords_are_held_and_their_spend_is_fixed_against_the_budget(
    ws_path, account
):
    kw = keywords(account)
    with Workspace(ws_path) as ws:
        free = bidding.recommend_bids(workspace=ws, save=False)
        budget = 0.8 * free.summary["cost_per_day_new"]
        run = bidding.recommend_bids(workspace=ws, budget=budget, save=False)
    t = run.table.set_index("criterion_id")
    smart = t.index[kw.loc[t.index, "smart_bidding"].to_numpy(bool)]
    assert len(smart) > 0 and len(smart) < len(t)
    held = t.loc[smart]
    held = held[held["action"] != "pause"]  # a paused keyword's status still changes
    assert (held["action"] == "hold").all()
    assert (held["new_bid"] == held["current_bid"]).all()
    assert (held["reasons"] == "SKIPPED_SMART_BIDDING").all()
    strategies = kw.loc[held.index, "bidding_strategy_type"]
    assert all(s in r for s, r in zip(strategies, held["reason"], strict=True))
    assert held["reason"].str.contains("sets bids and ignores the max CPC").all()
    s = run.summary
    assert s["smart_bidding_skipped"] == len(held)
    # their spend at today's bid is fixed: the rest of the budget goes to manual keywords
    check = s["budget_check"]
    assert check["fixed_spend_per_day"] == pytest.approx(s["fixed_spend_per_day"])
    assert s["fixed_spend_per_day"] > 0
    assert check["budget_per_day"] == pytest.approx(budget)
    # the summary (recommendations.json) states the budget asked for, and what was left of it
    assert s["budget_per_day"] == pytest.approx(budget)
    assert s["free_budget_per_day"] == pytest.approx(max(budget - s["fixed_spend_per_day"], 0.0))
    manual = t[(t["action"] != "pause") & ~t.index.isin(held.index)]
    assert "SKIPPED_SMART_BIDDING" not in ";".join(manual["reasons"])
    if check["status"] == "met":
        assert check["projected_spend_per_day"] == pytest.approx(budget, rel=0.01)
    assert f"{len(held):,} keywords under Smart Bidding" in check["message"]


def test_a_workspace_without_the_smart_bidding_column_treats_every_keyword_as_manual(
    ws_path, account
):
    with Workspace(ws_path) as ws:
        ws.con.execute("ALTER TABLE sem_keywords DROP COLUMN smart_bidding")
        run = bidding.recommend_bids(workspace=ws, save=False)
    assert run.summary["smart_bidding_skipped"] == 0
    assert not run.table["reasons"].str.contains("SKIPPED_SMART_BIDDING").any()
    assert run.table["action"].isin(["set_bid", "hold", "pause"]).all()


# ------------------------------------------------------------------ pauses (issue 14)


def test_out_of_stock_and_failing_pages_are_paused_with_the_spend_saved(tmp_path, ws_path, account):
    kw = account.frames["sem_keywords"]
    in_stock = kw[~kw["criterion_id"].isin(oos_criteria(account)) & kw["status"].eq("ENABLED")]
    gone, broken, hidden, fine = in_stock["final_url"].drop_duplicates().iloc[:4]
    run_dir = crawl_folder(
        tmp_path / "crawl",
        [
            {"url": gone, "final_url": gone, "status": 410},
            {"url": broken, "final_url": broken, "status": 503},
            {"url": hidden, "final_url": hidden, "status": 200, "meta_robots": "noindex"},
            {"url": fine, "final_url": fine, "status": 200, "meta_robots": "index,follow"},
        ],
    )
    with Workspace(ws_path) as ws:
        run = bidding.recommend_bids(workspace=ws, crawl=run_dir, save=False)
    t = run.table.set_index("criterion_id")
    paused = t[t["action"] == "pause"]
    failing = set(in_stock.loc[in_stock["final_url"].isin([gone, broken, hidden]), "criterion_id"])
    # the default strategy (posterior) also pauses keywords that spend without converting
    site = paused["reasons"].str.contains("PAUSE_OUT_OF_STOCK|PAUSE_LANDING_PAGE")
    assert set(paused.index[site]) == oos_criteria(account) | failing
    assert (paused.loc[~site, "reasons"] == "PAUSE_NO_CONVERSIONS").all()
    assert (
        not t.loc[in_stock.loc[in_stock["final_url"] == fine, "criterion_id"], "action"]
        .eq("pause")
        .any()
    )
    assert paused.loc[list(failing), "reasons"].str.contains("PAUSE_LANDING_PAGE").all()
    assert (
        paused.loc[list(oos_criteria(account)), "reasons"].str.contains("PAUSE_OUT_OF_STOCK").all()
    )
    # a pause is a status change, not a bid cut: the bid stays, the spend stops
    assert (paused["new_bid"] == paused["current_bid"]).all()
    assert (paused["spend_saved"] > 0).all() and (paused["d_cost"] == -paused["spend_saved"]).all()
    assert (paused["spend_saved_lo"] <= paused["spend_saved"]).all()
    assert (paused["spend_saved"] <= paused["spend_saved_hi"]).all()
    assert (paused["exp_cost"] == 0).all()
    assert paused["reason"].str.startswith("pause: ").all()
    s = run.summary
    assert s["paused"] == len(paused)
    assert s["spend_saved"] == pytest.approx(paused["spend_saved"].sum())
    others = t[t["action"] != "pause"]
    assert (others["spend_saved"] == 0).all()


def test_a_crawl_of_another_host_pauses_by_path(tmp_path, ws_path, account):
    from urllib.parse import urlsplit

    kw = account.frames["sem_keywords"]
    in_stock = kw[~kw["criterion_id"].isin(oos_criteria(account)) & kw["status"].eq("ENABLED")]
    gone, fine = in_stock["final_url"].drop_duplicates().iloc[:2]

    def staging(url: str) -> str:  # the same paths on another host and port
        return f"http://localhost:9999{urlsplit(url).path}"

    run_dir = crawl_folder(
        tmp_path / "crawl",
        [
            {"url": staging(gone), "final_url": staging(gone), "status": 404},
            {"url": staging(fine), "final_url": staging(fine), "status": 200},
        ],
    )
    with Workspace(ws_path) as ws:
        run = bidding.recommend_bids(workspace=ws, crawl=run_dir, save=False)
    t = run.table.set_index("criterion_id")
    pages = t[t["reasons"].str.contains("PAUSE_LANDING_PAGE")]
    assert set(pages.index) == set(in_stock.loc[in_stock["final_url"] == gone, "criterion_id"])
    assert (pages["action"] == "pause").all()


def test_the_pause_cap_pauses_the_most_spend_first_and_blocks_only_increases_of_the_rest(
    ws_path, account
):
    with Workspace(ws_path) as ws:
        every = bidding.recommend_bids(workspace=ws, save=False)
        capped = bidding.recommend_bids(
            workspace=ws, settings=settings_with(max_pauses=3), save=False
        )
    all_paused = every.table[every.table["action"] == "pause"]
    # stock and landing-page pauses come first (a page that cannot sell is a certain loss),
    # the default strategy's no-conversion pauses fill the room they leave
    site = all_paused[all_paused["reasons"].str.contains("PAUSE_OUT_OF_STOCK|PAUSE_LANDING")]
    assert len(site) > 3 and (all_paused["reasons"] == "PAUSE_NO_CONVERSIONS").any()
    t = capped.table.set_index("criterion_id")
    paused = t[t["action"] == "pause"]
    top = site.sort_values("spend_saved", ascending=False)["criterion_id"].head(3)
    assert len(paused) == 3 and set(paused.index) == set(top)
    rest = t[t["reasons"].str.contains("PAUSE_CAP")]
    assert capped.summary["pause_capped"] == len(rest)
    assert set(site["criterion_id"]) - set(top) <= set(rest.index)
    # every keyword cut for spending without converting is capped too: bid down instead
    cut = t[t["reasons"].str.contains("CUT_NO_CONVERSIONS")]
    assert len(cut) > 0 and set(cut.index) <= set(rest.index)
    assert (rest["new_bid"] <= rest["current_bid"] + 0.005).all()  # no increase
    assert rest["reason"].str.contains("at most 3 pauses per cycle").all()


def test_the_share_cap_counts_keywords(ws_path):
    with Workspace(ws_path) as ws:
        run = bidding.recommend_bids(
            workspace=ws, settings=settings_with(max_pause_share=0.01), save=False
        )
    n = len(run.table)
    assert run.summary["pause_cap"] == int(0.01 * n)
    assert (run.table["action"] == "pause").sum() == int(0.01 * n)


# ------------------------------------------------------------------ the CLI, the export and bid apply


def searchops(capsys, *args: str) -> tuple[int, str, str]:
    from searchops.cli import main

    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_cli_exports_pauses_as_status_paused_never_smart_bidding_bids_and_applies_them(
    tmp_path, ws_path, account, capsys, monkeypatch
):
    out = tmp_path / "bids"
    code, stdout, err = searchops(
        capsys, "--workspace", str(ws_path), "bid", "recommend", "--out", str(out)
    )
    assert code == 0, err
    payload = json.loads((out / "recommendations.json").read_text())
    s = payload["summary"]
    assert f"{s['smart_bidding_skipped']:,} keywords under Smart Bidding skipped" in stdout
    assert f"{s['paused']:,} keywords to pause" in stdout
    assert "pauses)" in err
    csv = pd.read_csv(out / "bids-editor.csv", dtype={"Customer ID": str, "Status": str})
    kw = keywords(account)
    assert not kw.loc[csv.loc[csv["Status"].ne("Paused"), "Keyword ID"], "smart_bidding"].any()
    pauses = csv[csv["Status"].eq("Paused")]
    assert len(pauses) == s["paused"]
    # out of stock, and (the default strategy, posterior) spending without converting
    why = pd.DataFrame(payload["recommendations"]).set_index("criterion_id")["reasons"]
    why = why.loc[pauses["Keyword ID"]]
    assert set(why.index[why.str.contains("PAUSE_OUT_OF_STOCK")]) == oos_criteria(account)
    assert 0 < (why == "PAUSE_NO_CONVERSIONS").sum() == s["paused_no_conversions"]
    assert why.str.contains("PAUSE_OUT_OF_STOCK|PAUSE_NO_CONVERSIONS").all()
    assert pauses["Max CPC"].isna().all()  # blank: Editor leaves the bid as it is
    review = (out / "review.txt").read_text()
    assert "paused" in review and "PAUSE_OUT_OF_STOCK" in review

    with ads_server.serve(account) as server:
        monkeypatch.setenv("SEARCHOPS_ADS_ACCESS_TOKEN", server.access_token)
        monkeypatch.setenv("GOOGLE_ADS_DEVELOPER_TOKEN", server.developer_token)
        base = ("--workspace", str(ws_path), "bid", "apply", str(out / "bids-editor.csv"),
                "--customer-id", account.customer_id)  # fmt: skip
        code, _, err = searchops(capsys, *base, "--offline")
        assert code == 0, err
        assert f"{len(csv)} ok (pauses: {len(pauses)} ok)" in err
        code, _, err = searchops(capsys, *base, "--endpoint", server.endpoint)
        assert code == 0, err
        assert server.journal == [] and f"{len(csv)} validated" in err
        assert f"(pauses: {len(pauses)} validated)" in err
        code, _, err = searchops(capsys, *base, "--endpoint", server.endpoint, "--execute")
        assert code == 0, err
        status = server.views.keywords.set_index("criterion_id")["status"]
        assert (status.loc[pauses["Keyword ID"]] == "PAUSED").all()
        assert (status.drop(pauses["Keyword ID"]) != "PAUSED").sum() == (
            kw["status"].drop(pauses["Keyword ID"]) != "PAUSED"
        ).sum()
        sent = [e for e in server.journal if "new_status" in e]
        assert {e["criterion_id"] for e in sent} == set(pauses["Keyword ID"])
        assert not any("new_cpc_bid_micros" in e for e in sent)  # the bid is left alone
        code, _, err = searchops(capsys, *base, "--endpoint", server.endpoint, "--execute")
        assert code == 0 and f"{len(csv)} skipped" in err  # nothing applied twice
    with Workspace(ws_path, read_only=True) as ws:
        journal = ws.con.execute(
            "SELECT action, result, count(*) FROM bid_journal WHERE mode = 'execute' GROUP BY ALL"
        ).fetchall()
    assert ("pause", "applied", len(pauses)) in journal


def write_plan(path: Path, rows: pd.DataFrame, max_cpc: list[str], status: list[str]) -> Path:
    from bidding.export import EDITOR_COLUMNS

    pd.DataFrame(
        {
            "Customer ID": rows["customer_id"],
            "Campaign": rows["campaign"],
            "Ad group": rows["ad_group"],
            "Keyword": rows["keyword"],
            "Criterion Type": rows["match_type"].str.title(),
            "Max CPC": max_cpc,
            "Status": status,
            "Campaign ID": rows["campaign_id"],
            "Ad group ID": rows["ad_group_id"],
            "Keyword ID": rows["criterion_id"],
        },
        columns=EDITOR_COLUMNS,
    ).to_csv(path, index=False)
    return path


def test_apply_refuses_bids_under_smart_bidding_unflagged_pauses_and_pauses_over_the_cap(
    tmp_path, ws_path, account, capsys
):

    from bidding.apply import apply_bids

    kw = account.frames["sem_keywords"].reset_index(drop=True)
    oos = oos_criteria(account)
    smart = kw[kw["smart_bidding"] & ~kw["criterion_id"].isin(oos) & (kw["cpc_bid"] > 0.5)]
    fine = kw[~kw["smart_bidding"] & ~kw["criterion_id"].isin(oos) & kw["status"].eq("ENABLED")]
    flagged = kw[kw["criterion_id"].isin(oos)]
    rows = pd.concat([smart.head(1), fine.head(1), flagged.head(4)])
    bid = f"{float(smart['cpc_bid'].iloc[0]) * 1.1:.2f}"
    plan = write_plan(tmp_path / "plan.csv", rows, [bid, "", "", "", "", ""], ["", *["Paused"] * 5])
    config = settings_with(max_pauses=2).bidding
    with ads_server.serve(account) as server, Workspace(ws_path) as ws:
        client = local_client(server)
        report = apply_bids(
            plan, client=client, customer_id=account.customer_id, workspace=ws,
            config=config, execute=True,
        )  # fmt: skip
        res = report.results.set_index("criterion_id")
        ids = rows["criterion_id"].astype(int).tolist()
        assert res.loc[ids[0], "result"] == "rejected"
        assert "sets bids and ignores a max CPC" in res.loc[ids[0], "error"]
        assert smart["bidding_strategy_type"].iloc[0] in res.loc[ids[0], "error"]
        assert res.loc[ids[1], "result"] == "rejected"
        assert "in stock" in res.loc[ids[1], "error"]
        assert list(res.loc[ids[2:], "result"]) == ["applied", "applied", "rejected", "rejected"]
        assert res.loc[ids[4:], "error"].str.contains("pause cap: at most 2").all()
        assert sorted(e["criterion_id"] for e in server.journal) == sorted(ids[2:4])
        assert all(e["new_status"] == "PAUSED" for e in server.journal)


def test_a_no_conversion_pause_is_sent_only_while_the_latest_recommendation_pauses_it(
    tmp_path, ws_path, capsys
):
    out = tmp_path / "bids"
    ws = ("--workspace", str(ws_path))
    code, _, err = searchops(capsys, *ws, "bid", "recommend", "--out", str(out))
    assert code == 0, err
    rows = pd.DataFrame(json.loads((out / "recommendations.json").read_text())["recommendations"])
    cuts = set(rows.loc[rows["reasons"].eq("PAUSE_NO_CONVERSIONS"), "criterion_id"])
    assert cuts
    customer = str(rows["customer_id"].iloc[0])
    check = (*ws, "bid", "apply", str(out / "bids-editor.csv"), "--customer-id", customer,
             "--offline")  # fmt: skip
    code, _, err = searchops(capsys, *check)
    assert code == 0, err
    assert "rejected" not in err
    # a newer recommendation (here the exact strategy, which never cuts for conversions) no
    # longer pauses them: the file's no-conversion pauses are refused, its other rows are not
    code, _, err = searchops(capsys, *ws, "bid", "recommend", "--strategy", "exact",
                             "--out", str(tmp_path / "exact"))  # fmt: skip
    assert code == 0, err
    code, _, err = searchops(capsys, *check)
    assert code == 1
    assert re.search(rf"\(pauses: \d+ ok, {len(cuts)} rejected\)", err), err
    from bidding.apply import check_offline

    with Workspace(ws_path, read_only=True) as ws:
        config = load_settings().settings.bidding
        res = check_offline(out / "bids-editor.csv", customer_id=customer, workspace=ws,
                            config=config).results.set_index("criterion_id")  # fmt: skip
    refused = res.loc[sorted(cuts)]
    assert refused["result"].eq("rejected").all()
    assert refused["error"].str.contains("does not pause for spending without converting").all()


def test_local_server_refuses_a_status_an_update_cannot_set(account):
    kw = account.frames["sem_keywords"].iloc[0]
    with ads_server.serve(account) as server:
        client = local_client(server)
        service = client.get_service("AdGroupCriterionService", version="v26")
        request = client.get_type("MutateAdGroupCriteriaRequest", version="v26")
        request.customer_id = account.customer_id
        request.partial_failure = True
        for status in ("REMOVED", "PAUSED"):
            op = client.get_type("AdGroupCriterionOperation", version="v26")
            op.update.resource_name = service.ad_group_criterion_path(
                account.customer_id, int(kw["ad_group_id"]), int(kw["criterion_id"])
            )
            op.update.status = getattr(client.enums.AdGroupCriterionStatusEnum, status)
            op.update_mask.paths.append("status")
            request.operations.append(op)
        response = service.mutate_ad_group_criteria(request=request)
        assert response.partial_failure_error.code != 0
        assert "REMOVED cannot be set" in response.partial_failure_error.details[0].value.decode(
            "utf-8", "replace"
        )
        assert [e["new_status"] for e in server.journal] == ["PAUSED"]
        assert np.asarray(server.views.keywords["status"])[0] == "PAUSED"


def test_an_older_journal_takes_the_action_column(tmp_path, ws_path, account, capsys, monkeypatch):
    with Workspace(ws_path) as ws:  # bid_journal as written before pauses existed
        ws.con.execute(
            "CREATE TABLE bid_journal (plan_id VARCHAR, mode VARCHAR, logged_at TIMESTAMP, "
            "customer_id VARCHAR, ad_group_id BIGINT, criterion_id BIGINT, keyword VARCHAR, "
            "old_bid DOUBLE, new_bid DOUBLE, result VARCHAR, error VARCHAR)"
        )
        ws.con.execute(
            "INSERT INTO bid_journal VALUES ('old', 'execute', now(), '1', 1, 1, 'k', 1, 2, "
            "'applied', NULL)"
        )
    kw = account.frames["sem_keywords"]
    rows = kw[kw["criterion_id"].isin(oos_criteria(account))].head(1)
    plan = write_plan(tmp_path / "p.csv", rows, [""], ["Paused"])
    with ads_server.serve(account) as server:
        monkeypatch.setenv("SEARCHOPS_ADS_ACCESS_TOKEN", server.access_token)
        monkeypatch.setenv("GOOGLE_ADS_DEVELOPER_TOKEN", server.developer_token)
        code, _, err = searchops(
            capsys, "--workspace", str(ws_path), "bid", "apply", str(plan),
            "--customer-id", account.customer_id, "--endpoint", server.endpoint,
        )  # fmt: skip
        assert code == 0, err
        assert "1 validated" in err
    with Workspace(ws_path, read_only=True) as ws:
        got = ws.con.execute(
            "SELECT plan_id, action FROM bid_journal ORDER BY logged_at"
        ).fetchall()
    assert got[0] == ("old", None) and got[1][1] == "pause"


def test_the_weekly_report_reads_the_pause_action(tmp_path, ws_path, account):

    from reports.weekly import write_report

    with Workspace(ws_path) as ws:
        run = bidding.recommend_bids(workspace=ws)
    html = write_report(ws_path, tmp_path / "r.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    s = run.summary
    n, cut = s["paused"] - s["paused_no_conversions"], s["paused_no_conversions"]
    assert n > 0 and cut > 0  # the default strategy (posterior) also pauses for no conversions
    assert f"Apply the pause of {n} keywords advertising out-of-stock products" in text
    assert f"{n} keywords to pause (product out of stock or landing page failing)" in text
    cut_rows = run.table[run.table["reasons"].eq("PAUSE_NO_CONVERSIONS")]
    saved = f"${cut_rows['spend_saved'].sum():,.0f}"
    lost = f"${-cut_rows['d_value'].sum():,.0f}"
    assert (
        f"Apply the pause of {cut} keywords that spend without converting enough to pay for "
        f"their clicks: {saved} of spend saved over the next 7 days, about {lost} of "
        "conversion value given up"
    ) in text
    assert f"{cut} keywords to pause because they spend without converting enough" in text
    assert f"{saved} of spend saved and about {lost} of conversion value given up" in text
    assert "Pause (spends without converting enough)" in text
    # the run pauses them itself: no "only lowers their bids" advice
    assert "advertising out-of-stock products instead of only lowering" not in text
    assert "Pause (product out of stock)" in text


def test_smart_bidding_spend_over_the_budget_says_the_budget_cannot_be_met(models, config):
    from bidding.recommend import recommend
    from bidding.strategy import Constraints, Context, get_strategy

    smart = np.zeros(len(models), bool)
    smart[: len(models) // 2] = True
    fixed = float(models.curves().cost(models.current_bid)[smart].sum())
    context = Context(config=config, constraints=Constraints(margin=0.3, budget=fixed / 2))
    rec = recommend(
        model=models, strategy=get_strategy("exact", config.policy), context=context,
        smart_bidding=smart, bidding_strategy=np.where(smart, "TARGET_ROAS", "MANUAL_CPC"),
    )  # fmt: skip
    check = rec.summary["budget_check"]
    assert check["status"] == "over" and not rec.summary["feasible"]
    assert check["fixed_spend_per_day"] == pytest.approx(fixed)
    smart_limit = [lim for lim in check["limits"] if lim["limit"].startswith("Smart Bidding")]
    assert smart_limit[0]["keywords"] == smart.sum()
    assert "cannot be met" in check["message"]
    # every manual keyword bid at the bottom of its box: the budget left for them is none
    manual = rec.table[~smart]
    assert (manual["new_bid"] <= manual["current_bid"] + 0.005).all()
    assert (rec.table.loc[smart, "reason"].str.contains("TARGET_ROAS")).all()
