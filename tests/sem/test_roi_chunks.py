"""A chunked fit (keywords in chunks sharing the account-wide quantities) gives the one-piece
fit's result: every prior, dispersion, median and random stream is the account's, not the
chunk's (sem.roi.shared's contract)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demo import ads_account as demo
from searchops.workspace import Workspace
from sem import roi
from sem.roi import draws


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("chunks") / "ws.duckdb"
    # 8 weeks: the recency backtest has an origin (its half-life choice and drift are shared).
    account = demo.generate(keywords=600, days=56, seed=5, products=300)
    with Workspace(path) as ws:
        demo.save(ws, account)
    return path


def assert_same_fit(one: pd.DataFrame, chunked: pd.DataFrame) -> None:
    assert list(chunked.columns) == list(one.columns)
    assert chunked["criterion_id"].tolist() == one["criterion_id"].tolist()
    for col in one.columns:
        a, b = one[col], chunked[col]
        if pd.api.types.is_float_dtype(a):
            # Float sums over the same rows in another grouping: equal to rounding error.
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12, err_msg=col)
        else:
            assert b.equals(a), col


@pytest.mark.slow
def test_chunked_fit_equals_one_piece(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Draw blocks of 50 keywords so that the 600 keywords make four chunks of 150.
    monkeypatch.setattr(draws, "BOOTSTRAP_CHUNK", 50)
    with Workspace(workspace, read_only=True) as ws:
        one = roi.fit_models(ws)
        chunked = roi.fit_models(ws, chunk_keywords=150, prior_keywords=10**9)
    assert chunked.attrs["diagnostics"]["chunks"]["chunks"] == 4
    assert one.attrs["diagnostics"]["recency"]["backtest_origins_weeks_back"]
    assert_same_fit(one, chunked)


@pytest.mark.slow
def test_priors_from_a_sample(workspace: Path) -> None:
    """Past ``prior_keywords`` the account-wide quantities come from a sample: every keyword is
    still fitted once, in order, and the result stays close to the one-piece fit's."""
    with Workspace(workspace, read_only=True) as ws:
        one = roi.fit_models(ws)
        sampled = roi.fit_models(ws, chunk_keywords=300, prior_keywords=300)
    assert sampled.attrs["diagnostics"]["chunks"]["priors_fitted_on_keywords"] == 300
    assert sampled["criterion_id"].tolist() == one["criterion_id"].tolist()
    pd.testing.assert_series_equal(sampled["clicks"], one["clicks"])  # data, not priors
    # Priors from half the keywords move a shrunk estimate by a fraction of its sd.
    moved = (sampled["elasticity"] - one["elasticity"]).abs() / one["elasticity_se"]
    assert moved.median() < 0.5


@pytest.mark.slow
def test_cli_roi_and_bid_recommend_chunked_equal_one_piece(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the CLI: `sem roi --level keyword` and `bid recommend` on an account fitted in
    chunks (past [sem] fit_chunk_keywords keywords) print and write what the one-piece fit
    gives, the priors estimated on every keyword (fit_prior_keywords at least the account)."""
    from click.testing import CliRunner

    from searchops.cli import cli

    monkeypatch.setattr(draws, "BOOTSTRAP_CHUNK", 50)
    runs = {}
    for name, chunk in (("one", 100_000), ("chunked", 150)):
        config = tmp_path / f"{name}.toml"
        config.write_text(f"[sem]\nfit_chunk_keywords = {chunk}\nfit_prior_keywords = 1000\n")
        ws = ["--config", str(config), "--workspace", str(workspace)]
        roi_out = CliRunner().invoke(cli, [*ws, "sem", "roi", "--level", "keyword", "--format",
                                           "csv"])  # fmt: skip
        assert roi_out.exit_code == 0, roi_out.output
        bid_out = CliRunner().invoke(cli, [*ws, "bid", "recommend", "--out", str(tmp_path / name)])
        assert bid_out.exit_code == 0, bid_out.output
        runs[name] = (
            pd.read_csv(io.StringIO(roi_out.stdout)),
            pd.read_csv(tmp_path / name / "bids-editor.csv"),
            json.loads((tmp_path / name / "recommendations.json").read_text()),
        )
    (roi_one, bids_one, rec_one), (roi_chunked, bids_chunked, rec_chunked) = runs.values()
    assert len(roi_one) == 600
    pd.testing.assert_frame_equal(roi_chunked, roi_one, rtol=1e-9)
    assert len(bids_one) > 0
    pd.testing.assert_frame_equal(bids_chunked, bids_one, rtol=1e-9)
    pd.testing.assert_frame_equal(
        pd.DataFrame(rec_chunked["recommendations"]),
        pd.DataFrame(rec_one["recommendations"]),
        rtol=1e-9,
    )
    assert rec_chunked["summary"]["d_profit"] == pytest.approx(rec_one["summary"]["d_profit"])
