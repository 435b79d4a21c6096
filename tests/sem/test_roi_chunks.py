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
    # Draw blocks of 50 keywords, chunks of 130 (five): a chunk starts inside a draw block,
    # and every keyword's draws are still its own (sem.roi.draws.KeywordDraws).
    monkeypatch.setattr(draws, "BOOTSTRAP_CHUNK", 50)
    with Workspace(workspace, read_only=True) as ws:
        one = roi.fit_models(ws)
        chunked = roi.fit_models(ws, chunk_keywords=130, prior_keywords=10**9)
    assert chunked.attrs["diagnostics"]["chunks"]["chunks"] == 5
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


def test_keyword_blocks_hold_whole_keywords_in_table_order() -> None:
    from sem.roi.data import keyword_blocks

    rng = np.random.default_rng(3)
    ids = rng.permutation(np.arange(100, 140))
    daily = pd.DataFrame({"criterion_id": rng.choice(np.r_[ids, 999], 500)})  # 999: unknown
    k_index = pd.Index(ids)
    blocks = list(keyword_blocks(daily, k_index, rows=60))
    assert len(blocks) >= 8
    assert [ks.start for ks, _ in blocks] == [0, *(ks.stop for ks, _ in blocks[:-1])]
    assert blocks[-1][0].stop == len(ids)
    for ks, rows in blocks:
        assert rows["criterion_id"].isin(ids[ks]).all()
        assert rows.index.is_monotonic_increasing  # table order
        assert len(rows) <= 60 + rows["criterion_id"].value_counts().max()
    kept = pd.concat([rows for _, rows in blocks]).sort_index()
    pd.testing.assert_frame_equal(kept, daily[daily["criterion_id"] != 999])
    # small enough: the frame itself, one block
    ((ks, rows),) = keyword_blocks(daily, k_index, rows=500)
    assert ks == slice(0, len(ids)) and rows is daily


def test_a_fit_in_row_blocks_is_the_fit_on_every_row(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-row steps (bid groups, weekly drift blocks, bid moves, CPC levels, totals,
    exposure) run a block of keywords at a time at scale: the same fit, bit for bit but for
    the pooled log-CPC variance (summed block by block: rounding error)."""
    from sem.roi import data

    with Workspace(workspace, read_only=True) as ws:
        whole = roi.fit_models(ws)
        monkeypatch.setattr(data, "ROW_BLOCK", 2_000)  # ~20 blocks of this account's rows
        blocked = roi.fit_models(ws)
    assert len(whole) == 600
    assert whole.attrs["diagnostics"]["bid_move_misfit"]["moves"] > 0
    for name in ("recency", "bid_move_misfit", "clicks", "volume_prior", "cvr"):
        assert blocked.attrs["diagnostics"][name] == whole.attrs["diagnostics"][name], name
    pd.testing.assert_frame_equal(blocked, whole, check_exact=False, rtol=1e-12, atol=0)
    assert (blocked["elasticity"] == whole["elasticity"]).all()  # no CPC in it: exact
