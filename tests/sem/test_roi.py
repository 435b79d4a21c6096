"""ROI models on the demo account, whose truth is known: calibration and recovery."""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from searchops.cli import cli
from searchops.workspace import Workspace
from demo import ads_account as demo
from sem import roi, tables

# One worker builds the module's account once (CI runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("sem-roi-demo")


@functools.cache
def _account_and_fit() -> tuple[demo.DemoAccount, pd.DataFrame]:
    # Cached per process: module fixtures would be rebuilt whenever xdist interleaves modules.
    account = demo.generate(keywords=6_000, days=90, seed=11)
    return account, roi.fit_models(account)


@pytest.fixture
def account() -> demo.DemoAccount:
    return _account_and_fit()[0]


@pytest.fixture
def fit() -> pd.DataFrame:
    return _account_and_fit()[1]


def _truth(account, fit):
    return account.frames["sem_truth"].set_index("criterion_id").loc[fit["criterion_id"]]


def test_conversion_rate_intervals_are_calibrated(account, fit):
    truth = _truth(account, fit)["cvr"].to_numpy()
    clicked = fit["clicks"].to_numpy() >= 1
    inside = (fit["cvr_lo"].to_numpy() <= truth) & (truth <= fit["cvr_hi"].to_numpy())
    coverage = inside[clicked].mean()
    print(f"90% CVR interval coverage: {coverage:.3f} over {clicked.sum()} keywords with clicks")
    assert 0.85 <= coverage <= 0.95


def test_elasticities_recover_the_truth(account, fit):
    truth = _truth(account, fit)["elasticity"].to_numpy()
    error = np.abs(fit["elasticity"].to_numpy() - truth)
    raw = np.abs(fit["elasticity_raw"].to_numpy() - truth)
    mae, mae_raw = np.median(error), np.nanmedian(raw)
    print(f"elasticity median absolute error: shrunk {mae:.3f}, per-keyword MLE {mae_raw:.3f}")
    assert mae < 0.15
    assert mae < mae_raw  # pooling helps sparse keywords
    # Uncertainty is honest: errors beyond 3 standard errors are rare.
    assert np.mean(error > 3 * fit["elasticity_se"].to_numpy()) < 0.05


def test_scale_value_and_cost_recover_the_truth(account, fit):
    truth = _truth(account, fit)
    expected = demo.expected_clicks(truth, fit["current_bid"].to_numpy())
    busy = (fit["clicks"].to_numpy() >= 100) & (expected > 0)
    rel = np.abs(fit["clicks_per_day"].to_numpy()[busy] / expected[busy] - 1)
    assert np.median(rel) < 0.15
    vpc = np.abs(
        fit["value_per_conversion"].to_numpy() / truth["value_per_conversion"].to_numpy() - 1
    )
    assert np.median(vpc) < 0.15
    assert np.median(np.abs(fit["cpc_ratio"].to_numpy() - truth["cpc_ratio"].to_numpy())) < 0.05


def test_output_contract_and_flags(fit):
    for col in ("criterion_id", "ad_group_id", "current_bid", "a", "a_se", "elasticity",
                "elasticity_se", "click_ceiling", "cvr", "cvr_lo", "cvr_hi",
                "value_per_conversion", "value_per_conversion_lo", "value_per_conversion_hi",
                "cpc_ratio", "cpc", "cpc_lo", "cpc_hi", "roas", "roas_lo", "roas_hi", "marginal_roas", "profit_per_day",
                "profit_lo", "profit_hi", "enough_clicks", "sufficient"):  # fmt: skip
        assert col in fit.columns, col
    assert fit["criterion_id"].is_unique and len(fit) == 6_000
    assert (fit["cvr_lo"] <= fit["cvr"]).all() and (fit["cvr"] <= fit["cvr_hi"]).all()
    assert (fit["cpc_lo"] <= fit["cpc"]).all() and (fit["cpc"] <= fit["cpc_hi"]).all()
    assert (fit["roas_lo"] <= fit["roas_hi"]).all() and (fit["profit_lo"] <= fit["profit_hi"]).all()
    assert (fit["enough_clicks"] == (fit["clicks"] >= 30)).all()
    assert 0.2 < fit["sufficient"].mean() < 0.95  # long tail: many keywords are thin
    diagnostics = fit.attrs["diagnostics"]
    assert 0 < diagnostics["clicks"]["pseudo_r2_vs_constant_rate"] <= 1
    assert 0.7 < diagnostics["clicks"]["pearson_dispersion"] < 1.5  # Poisson truth
    assert abs(diagnostics["cvr"]["residual_fitted_corr"]) < 0.2


def test_backtest_window_and_no_pooling():
    account = demo.generate(keywords=2000, days=42, seed=4)
    until = account.until - pd.Timedelta(days=14)
    early = roi.fit_models(account, until=until, draws=20)
    assert early["days"].max() <= (until - account.since).days + 1
    pooled = roi.fit_models(account, draws=20)
    assert early["clicks"].sum() < pooled["clicks"].sum()
    unpooled = roi.fit_models(account, shrinkage=0.0, draws=20)
    thin = (unpooled["clicks"] < 5).to_numpy()
    # Without pooling, thin keywords keep their own (wide) conversion-rate posteriors.
    width = lambda f: (f["cvr_hi"] - f["cvr_lo"]).to_numpy()[thin].mean()  # noqa: E731
    assert width(unpooled) > 2 * width(pooled)


def test_summaries_and_cli(tmp_path):
    ws_file = tmp_path / "ws.duckdb"
    runner = CliRunner()
    result = runner.invoke(cli, ["--workspace", str(ws_file), "sem", "demo", "--keywords", "600",
                                 "--days", "28", "--seed", "2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    again = runner.invoke(cli, ["--workspace", str(ws_file), "sem", "demo", "--keywords", "600",
                                "--days", "28", "--seed", "2"])  # fmt: skip
    assert again.exit_code == 0
    with Workspace(ws_file, read_only=True) as ws:  # a re-run replaces, never duplicates
        assert len(tables.read(ws, "sem_keywords")) == 600
        assert len(tables.read(ws, "sem_truth")) == 600
    result = runner.invoke(cli, ["--workspace", str(ws_file), "sem", "roi", "--format", "json",
                                 "--level", "campaign"])  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    rows = payload["rows"]
    assert {"campaign", "roas", "roas_lo", "roas_hi", "profit_lo", "sufficient_share"} <= set(
        rows[0]
    )
    assert sum(r["keywords"] for r in rows) == 600
    assert "pseudo_r2_vs_constant_rate" in payload["diagnostics"]["clicks"]
    csv_out = runner.invoke(cli, ["--workspace", str(ws_file), "sem", "roi", "--format", "csv",
                                  "--level", "keyword"])  # fmt: skip
    assert csv_out.exit_code == 0 and len(csv_out.stdout.strip().splitlines()) == 601
    table = runner.invoke(cli, ["--workspace", str(ws_file), "sem", "roi", "--level", "ad_group"])
    assert table.exit_code == 0 and "SEM ROI by ad_group" in table.stdout
