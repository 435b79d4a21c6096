"""Click elasticity not confounded by drift (issue 18 item 2), through ``sem import`` and
``sem roi`` on accounts from an independent simulator (tests/sem/response_sim.py: growing,
seasonal, drifting searches; bids that rise with them; a known true response).

Over a 420-day history the bid levels correlate with time: the fit across bid levels read
the searches' growth as bid response (mean elasticity 1.4 against a true 0.77 on the power
account below). The moves themselves carry the response. Seeds and dates are pinned; the
spread over seeds is printed by ``benchmarks/sem_elasticity.py``, and the bounds below leave
about 3 standard errors of its seed-to-seed spread (false alarms well under 1%).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sem.roi.elasticity import levels_confounded
from tests.sem import response_sim

Z90 = 1.6449


def _roi(capsys, tmp_path: Path, account: response_sim.Account) -> tuple[pd.DataFrame, dict]:
    """``sem roi``'s keyword rows (by keyword) and diagnostics, after ``sem import``."""
    from searchops.cli import main

    report = account.write_report(tmp_path / "keywords-by-day.csv")
    ws = str(tmp_path / "ws.duckdb")
    for args in (["sem", "import", str(report), "--source", "sim"],
                 ["sem", "roi", "--source", "sim", "--level", "keyword", "--format", "json"]):  # fmt: skip
        capsys.readouterr()
        with pytest.raises(SystemExit) as done:
            main(["--workspace", ws, *args])
        assert not done.value.code
    out = json.loads(capsys.readouterr().out)
    return pd.DataFrame(out["rows"]).set_index("keyword"), out["diagnostics"]


def _score(rows: pd.DataFrame, truth: pd.Series) -> tuple[float, float, float]:
    """(mean error against the truth, share of 90% intervals containing it, share at 3)."""
    t = truth.reindex(rows.index)
    ok = t.notna()
    e, se = rows.loc[ok, "elasticity"], rows.loc[ok, "elasticity_se"]
    bias = float((e - t[ok]).mean())
    cover = float((np.abs(e - t[ok]) <= Z90 * se).mean())
    return bias, cover, float((rows["elasticity"] >= 3 - 1e-9).mean())


@pytest.mark.parametrize(("kind", "days"), [("power", 420), ("flat", 420), ("staircase", 90)])
def test_the_bid_response_is_not_the_searches_drift(capsys, tmp_path, kind, days):
    account = response_sim.simulate(kind, days, seed=5, keywords=150)
    rows, diagnostics = _roi(capsys, tmp_path, account)
    bias, cover, clipped = _score(rows, account.truth)
    moves = diagnostics["elasticity_moves"]
    print(f"{kind} {days} days: bias {bias:+.3f}, 90% coverage {cover:.2f}, at 3 {clipped:.2f}; "
          f"{moves}")  # fmt: skip
    assert moves["used"]  # the levels' fit was found confounded
    assert abs(bias) < 0.25
    assert cover >= 0.75
    assert clipped == 0.0


def test_levels_that_agree_with_the_moves_are_kept():
    """Without drift the levels' fit is the efficient one: kept unless the moves disagree."""
    rng = np.random.default_rng(7)
    truth = rng.uniform(0.3, 1.2, 400)
    se_moves, se_levels = np.full(400, 0.8), np.full(400, 0.2)
    moves = truth + se_moves * rng.standard_normal(400)
    levels = truth + se_levels * rng.standard_normal(400)
    assert not levels_confounded(levels, se_levels, moves, se_moves)[0]
    # a trend read as response: the levels 0.5 too steep
    assert levels_confounded(levels + 0.5, se_levels, moves, se_moves)[0]
    # drift that goes either way per keyword: scatter, no mean shift
    assert levels_confounded(levels + rng.normal(0, 0.8, 400), se_levels, moves, se_moves)[0]


def test_the_monotone_curve_sees_a_response_bought_in_impressions(capsys, tmp_path):
    """A higher bid that buys impressions (auctions won) rather than click-through: on a
    stationary account the monotone curve's levels are clicks per day and see it (as
    click-through rates they saw a flat curve)."""
    from searchops.workspace import Workspace
    from sem import roi

    account = response_sim.simulate(
        "power", 90, seed=3, keywords=150, drift_sd_28=0.0, growth_per_year=0.0, season=0.0
    )
    _, diagnostics = _roi(capsys, tmp_path, account)
    assert not diagnostics["elasticity_moves"]["used"]  # nothing drifts: the levels are kept
    with Workspace(tmp_path / "ws.duckdb", read_only=True) as ws:
        fit = roi.fit_models(ws, source="sim").set_index("keyword")
    truth = account.truth.reindex(fit.index)
    busy = (fit["clicks"] >= 100) & truth.notna()
    for side in ("down", "up"):
        slope = fit.loc[busy, f"elasticity_{side}"]
        print(f"{side}: mean {slope.mean():.2f} (truth {truth[busy].mean():.2f}), "
              f"corr {np.corrcoef(slope, truth[busy])[0, 1]:.2f}")  # fmt: skip
        assert abs(slope.mean() - truth[busy].mean()) < 0.2
