"""The bid and coverage commands end to end on a small demo account (and its Ads server)."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from searchops.cli import cli

demo = pytest.importorskip("demo.ads_account")
ads_server = pytest.importorskip("demo.ads_server")


@pytest.fixture(scope="module")
def account():
    return demo.generate(keywords=500, days=35, seed=4, products=150)


@pytest.fixture
def workspace(tmp_path, account):
    from searchops.workspace import Workspace

    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        demo.save(ws, account)
    return path


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def test_recommend_tune_and_apply(tmp_path, workspace, account, monkeypatch):
    out = tmp_path / "bids"
    result = run(
        "--workspace", str(workspace), "bid", "recommend", "--out", str(out), "--budget", "1000000"
    )
    assert result.exit_code == 0, result.output
    csv = pd.read_csv(out / "bids-editor.csv", dtype={"Customer ID": str})
    payload = json.loads((out / "recommendations.json").read_text())
    assert len(payload["recommendations"]) == len(account.frames["sem_keywords"])
    summary = payload["summary"]
    assert len(csv) == summary["raised"] + summary["lowered"] + summary["paused"]
    assert summary["raised"] + summary["lowered"] > 0 and summary["paused"] > 0
    con = duckdb.connect(str(workspace), read_only=True)
    run_id = payload["run_id"]
    assert con.execute(
        "SELECT count(*) FROM bid_recommendations WHERE run_id = ?", [run_id]
    ).fetchone()[0] == len(account.frames["sem_keywords"])
    assert (
        con.execute(
            "SELECT count(*) FROM bid_frontier WHERE run_id = ? AND chosen", [run_id]
        ).fetchone()[0]
        == 1
    )
    assert con.execute("SELECT kind FROM runs WHERE run_id = ?", [run_id]).fetchone()[0] == "bid"
    con.close()

    tuned = run(
        "--workspace",
        str(workspace),
        "bid",
        "tune",
        "--trials",
        "3",
        "--folds",
        "2",
        "--storage",
        str(tmp_path / "t.sqlite3"),
    )
    assert tuned.exit_code == 0, tuned.output
    assert "best policy (3 trials, 2 folds, truth scorer)" in tuned.output
    again = run(
        "--workspace",
        str(workspace),
        "bid",
        "recommend",
        "--policy",
        "tuned",
        "--out",
        str(tmp_path / "b2"),
    )
    assert again.exit_code == 0, again.output

    with ads_server.serve(account) as server:
        monkeypatch.setenv("SEARCHOPS_ADS_ACCESS_TOKEN", server.access_token)
        monkeypatch.setenv("GOOGLE_ADS_DEVELOPER_TOKEN", server.developer_token)
        base = ("--workspace", str(workspace), "bid", "apply", str(out / "bids-editor.csv"),
                "--customer-id", account.customer_id, "--endpoint", server.endpoint)  # fmt: skip
        checked = run(*base)
        assert checked.exit_code == 0, checked.output
        assert server.journal == []
        applied = run(*base, "--execute")
        assert applied.exit_code == 0, applied.output
        assert len(server.journal) == len(csv)
        bids = server.bids()
        moved = csv[csv["Status"].ne("Paused")]
        assert (bids.loc[moved["Keyword ID"]].to_numpy().round(2) == moved["Max CPC"]).all()
        status = server.views.keywords.set_index("criterion_id")["status"]
        paused = csv.loc[csv["Status"].eq("Paused"), "Keyword ID"]
        assert (status.loc[paused] == "PAUSED").all() and len(paused) == summary["paused"]


def test_value_objective_needs_a_constraint(workspace):
    from searchops.errors import SearchopsError

    with pytest.raises(SearchopsError, match="needs --budget or --target-roas"):
        CliRunner().invoke(
            cli,
            ["--workspace", str(workspace), "bid", "recommend", "--objective", "value"],
            catch_exceptions=False,
        )


def test_help_teaches_with_examples():
    for args in (
        ["bid", "recommend", "--help"],
        ["bid", "apply", "--help"],
        ["bid", "tune", "--help"],
        ["bid", "terms", "--help"],
        ["coverage", "--help"],
    ):
        result = run(*args)
        assert result.exit_code == 0 and "Examples" in result.output


def test_a_budget_that_cannot_be_met_shows_projected_spend(tmp_path, workspace):
    out = tmp_path / "bids"
    result = run(
        "--workspace", str(workspace), "bid", "recommend", "--budget", "1", "--out", str(out)
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    check = json.loads((out / "recommendations.json").read_text())["summary"]["budget_check"]
    assert check["status"] == "over" and check["budget_per_day"] == 1
    assert check["projected_spend_per_day"] > 1
    assert check["projected_spend_per_day"] == pytest.approx(check["min_spend_per_day"], rel=1e-3)
    assert {lim["limit"].split(":")[0] for lim in check["limits"]} >= {"step cap"}
    spend = f"projected spend {check['projected_spend_per_day']:,.2f}/day vs budget 1.00/day"
    review = (out / "review.txt").read_text()
    for text in (result.output, review):
        assert spend in " ".join(text.split()) and "cannot be met" in text
        assert "step cap: at most -20% this cycle" in " ".join(text.split())
    # a value objective that cannot spend its budget says what keeps spend down
    out2 = tmp_path / "bids2"
    result = run(
        "--workspace", str(workspace), "bid", "recommend", "--objective", "value",
        "--budget", "1000000", "--out", str(out2),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    check = json.loads((out2 / "recommendations.json").read_text())["summary"]["budget_check"]
    assert check["status"] == "under"
    assert check["projected_spend_per_day"] <= check["max_spend_per_day"] < 1_000_000
    assert "step cap: at most +20% this cycle" in " ".join(result.output.split())


def test_the_command_is_thin_over_the_python_api(tmp_path, workspace):
    import bidding
    from searchops.workspace import Workspace

    out = tmp_path / "bids"
    result = run("--workspace", str(workspace), "bid", "recommend", "--budget", "300",
                 "--seed", "3", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads((out / "recommendations.json").read_text())
    with Workspace(workspace) as ws:
        api = bidding.recommend_bids(workspace=ws, budget=300, seed=3, save=False)
    cli_bids = pd.DataFrame(payload["recommendations"]).set_index("criterion_id")["new_bid"]
    api_bids = api.table.astype({"criterion_id": "int64"}).set_index("criterion_id")["new_bid"]
    pd.testing.assert_series_equal(cli_bids.sort_index(), api_bids.sort_index(), check_dtype=False)
    assert api.summary["budget_check"]["budget_per_day"] == 300 and api.paths == {}
    with Workspace(workspace) as ws, pytest.raises(Exception, match="--budget must be positive"):
        bidding.recommend_bids(workspace=ws, budget=-1)


def test_forecast_clicks_agree_with_the_roi_models_interval(workspace):
    """Where a bid stays, the 7-day forecast is 7 x the ROI model's clicks/day interval
    (same uncertainty, Monte Carlo noise aside): the reasons quote what `sem roi` says."""
    import bidding
    from bidding.data import load_models
    from searchops.settings import load_settings
    from searchops.workspace import Workspace

    with Workspace(workspace) as ws:
        rec = bidding.recommend_bids(workspace=ws, save=False)
        fit = load_models(ws, load_settings().settings).frame
    t = rec.table
    days = rec.summary["horizon_days"]
    kept = ((t["new_bid"] - t["current_bid"]).abs() < 0.005) & (fit["clicks_lo"] > 0)
    assert kept.sum() > 50
    for end in ("lo", "hi"):
        ratio = t.loc[kept, f"exp_clicks_{end}"] / (days * fit.loc[kept, f"clicks_{end}"])
        assert 0.95 < ratio.median() < 1.05, (end, ratio.describe())
