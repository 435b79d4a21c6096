"""The out-of-model simulators' own invariants (demo/auction_sim.py; the benchmark that uses
them is benchmarks/sem_outofmodel.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from demo import auction_sim
from searchops.cli import cli

SMALL = {
    "keywords": 120,
    "days": 35,
    "until": date(2026, 11, 15),
}  # before the pinned today (conftest)


@pytest.fixture(scope="module")
def sim() -> auction_sim.Simulator:
    return auction_sim.make("auction", seed=4, **SMALL)


def test_second_price_cpc_never_exceeds_the_bid(sim: auction_sim.Simulator) -> None:
    d = sim.daily[sim.daily["clicks"] > 0]
    cpc = d["cost"] / d["clicks"]
    assert (cpc <= d["cpc_bid"] + 0.005).all()  # cost is rounded to cents
    # and is not the bid itself: second price is below it for most clicked days
    assert (cpc < d["cpc_bid"] - 0.005).mean() > 0.5
    for bids in (sim.current_bids() * 0.5, sim.current_bids(), sim.current_bids() * 3):
        s = sim.score(bids, margin=0.3)
        clicked = s["clicks"] > 0
        assert (s["cost"][clicked] / s["clicks"][clicked] <= bids[clicked] + 1e-9).all()


def test_clicks_are_a_monotone_staircase_in_the_bid(sim: auction_sim.Simulator) -> None:
    grid = np.linspace(0.01, 8.0, 200)
    clicks = np.stack([sim.score(np.full(len(sim.keywords), x), 0.3)["clicks"] for x in grid])
    assert (np.diff(clicks, axis=0) >= -1e-9).all()
    # below the reserve price nothing is shown; the curve has flat steps
    assert (clicks[0] == 0).all()
    flat = (np.abs(np.diff(clicks, axis=0)) < 1e-12).mean()
    assert flat > 0.3
    assert sim.score(np.zeros(len(sim.keywords)), 0.3)["cost"].sum() == 0


def test_the_same_seed_gives_the_same_account_and_another_seed_does_not() -> None:
    a = auction_sim.make("volatile", seed=7, **SMALL)
    b = auction_sim.make("volatile", seed=7, **SMALL)
    c = auction_sim.make("volatile", seed=8, **SMALL)
    pd.testing.assert_frame_equal(a.daily, b.daily)
    pd.testing.assert_frame_equal(a.keywords, b.keywords)
    assert not a.daily["clicks"].equals(c.daily["clicks"])
    bids = a.current_bids()
    pd.testing.assert_frame_equal(a.score(bids, 0.3), b.score(bids, 0.3))


def test_the_oracle_stays_in_the_step_cap_and_never_loses(sim: auction_sim.Simulator) -> None:
    current = sim.current_bids()
    best = sim.oracle_bids(margin=0.3, step_cap=0.2)
    assert (best >= np.round(current * 0.8, 2) - 1e-9).all()
    assert (best <= np.round(current * 1.2, 2) + 1e-9).all()
    gain = sim.score(best, 0.3)["profit"] - sim.score(current, 0.3)["profit"]
    assert (gain >= -1e-9).all() and gain.sum() > 0


def test_zero_value_keywords_and_lagged_conversions(sim: auction_sim.Simulator) -> None:
    value = sim.daily.groupby("row")["conversions_value"].sum()
    clicks = sim.daily.groupby("row")["clicks"].sum()
    assert (value[clicks >= 50] == 0).any()
    reported = sim.daily["reported_conversions"]
    assert (reported <= sim.daily["conversions"]).all()
    last_week = sim.daily["date"] > pd.Timestamp(SMALL["until"]) - pd.Timedelta(days=7)
    late = sim.daily[last_week]
    assert late["reported_conversions"].sum() < late["conversions"].sum()


def test_the_report_imports_through_the_cli(sim: auction_sim.Simulator, tmp_path: Path) -> None:
    report = sim.write_export(tmp_path / "Search keyword report.csv")
    ws = tmp_path / "ws.duckdb"
    result = CliRunner().invoke(
        cli, ["--workspace", str(ws), "sem", "import", str(report), "--source", "sim"]
    )
    assert result.exit_code == 0, result.output
    import duckdb

    con = duckdb.connect(str(ws), read_only=True)
    rows, clicks, cost = con.execute(
        "SELECT count(*), sum(clicks), round(sum(cost), 2) FROM sem_keyword_daily"
    ).fetchone()
    shown = sim.report_rows()
    assert rows == len(shown)
    assert clicks == shown["clicks"].sum()
    assert cost == pytest.approx(shown["cost"].sum(), abs=0.05)
    assert con.execute("SELECT count(*) FROM sem_keywords").fetchone()[0] == shown["row"].nunique()


def test_the_demo_account_behind_the_same_interface() -> None:
    demo_sim = auction_sim.make("demo", keywords=60, days=28, seed=1, until=date(2026, 11, 15))
    current = demo_sim.current_bids()
    base = demo_sim.score(current, 0.3)
    assert (base["clicks"] >= 0).all() and base["clicks"].sum() > 0
    more = demo_sim.score(current * 1.2, 0.3)
    assert (more["clicks"] >= base["clicks"] - 1e-9).all()
    best = demo_sim.oracle_bids(0.3, 0.2)
    assert demo_sim.score(best, 0.3)["profit"].sum() >= base["profit"].sum()
