"""``bid recommend`` fits the models once and forecasts every keyword once (issues 18 and 21
item 3: at a million keywords a second pass over every keyword doubled the forecast's CPU).

Keywords the posterior strategy cuts and pauses (they spend without converting) used to be
forecast twice: once at their new bid with every other keyword, then every optimized keyword
again with the paused ones at bid 0, for the totals. One pass now forecasts the paused ones at
bid 0 directly. The outputs must be the two-pass ones, bit for bit: the rows of the keywords
that move or hold are those of a forecast at their new bids, the paused rows and the totals
those of a forecast with the paused keywords at bid 0 (the same draws: a keyword's draws do not
depend on the bids).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bidding.recommend as recommend_module
import bidding.unavailable as unavailable_module
from bidding import _posterior
from bidding.models import KeywordModels
from bidding.recommend import METRICS, expected_changes, recommend
from bidding.strategy import Constraints, Context, get_strategy
from tests.bidding.conftest import synthetic_models

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exports"
TENTS = FIXTURES / "google-en-tents-keywords-by-day.csv"  # 2026-10-18 .. 2026-11-14, 5 keywords
QUIET = "[backpacking tent]"  # rows from 2026-11-05 dropped: its bid goes stale (held)
DEAD = "camping tent"  # 827 clicks; its conversions zeroed: spends without converting


class _Counter:
    """Counts the keywords each wrapped function is called on (the real function runs)."""

    def __init__(self) -> None:
        self.calls: dict[str, list[int]] = {}

    def wrap(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
        real = getattr(owner, name)

        def counted(first: object, *args: object, **kwargs: object) -> object:
            # keywords for a model; 1 for a call on something else (the workspace)
            size = len(first) if isinstance(first, KeywordModels) else 1
            self.calls.setdefault(name, []).append(size)
            return real(first, *args, **kwargs)

        monkeypatch.setattr(owner, name, counted)


def _with_dead(n: int, dead: int, seed: int) -> KeywordModels:
    """Synthetic models whose first ``dead`` keywords have 600 clicks and a conversion rate
    far below break-even (as tests/bidding/test_posterior.py's "dead" keyword)."""
    frame = synthetic_models(n, seed=seed).frame.copy()
    rows = frame.index[:dead]
    frame.loc[rows, ["clicks", "cvr", "cvr_lo", "cvr_hi"]] = [600, 0.0015, 0.00005, 0.004]
    return KeywordModels(frame)


@pytest.mark.parametrize("budget", [False, True], ids=["free", "budget"])
def test_paused_cuts_come_from_the_one_forecast_pass_and_equal_the_two_pass_outputs(
    default_config, monkeypatch, budget
):
    models = _with_dead(1300, 200, seed=4)  # more than one draw block (recommend._CHUNK)
    monkeypatch.setattr(recommend_module, "_CHUNK", 500)
    spend = float(models.curves().cost(models.current_bid).sum())
    constraints = Constraints(margin=1.0, budget=0.6 * spend if budget else None)
    context = Context(config=default_config, constraints=constraints, account_log_sd=0.1)
    counter = _Counter()
    counter.wrap(monkeypatch, recommend_module, "expected_changes")
    rec = recommend(
        model=models, strategy=get_strategy("posterior", default_config.policy),
        context=context, seed=3,
    )  # fmt: skip
    assert counter.calls["expected_changes"] == [len(models)]  # every keyword once
    table, summary = rec.table, rec.summary
    paused = table["reasons"].eq("PAUSE_NO_CONVERSIONS").to_numpy()
    # the guardrails' share cap (10%) leaves some cut keywords bid down instead
    assert paused.sum() == summary["pause_cap"] == 130 and summary["cut_bid_down"] > 0
    assert summary["paused_no_conversions"] == paused.sum()
    if budget:
        assert summary["binding"] == "budget"

    kw = {"margin": 1.0, "days": default_config.horizon_days,
          "level": default_config.interval_level, "draws": default_config.interval_draws,
          "seed": 3, "common_log_sd": 0.1}  # fmt: skip
    current = models.current_bid
    moved, _ = expected_changes(models, current, table["new_bid"].to_numpy(float), **kw)
    stopped, totals = expected_changes(
        models, current, np.where(paused, 0.0, table["new_bid"].to_numpy(float)), **kw
    )
    d_cols = [f"d_{m}{s}" for m in METRICS for s in ("", "_lo", "_hi")]
    exp_cols = [f"exp_{m}{s}" for m in ("clicks", "cost") for s in ("", "_lo", "_hi")]
    pd.testing.assert_frame_equal(
        table.loc[~paused, d_cols + exp_cols], moved.loc[~paused, d_cols + exp_cols],
        check_exact=True,
    )  # fmt: skip
    pd.testing.assert_frame_equal(
        table.loc[paused, d_cols], stopped.loc[paused, d_cols], check_exact=True
    )
    for s, other in (("", ""), ("_lo", "_hi"), ("_hi", "_lo")):
        np.testing.assert_array_equal(
            table.loc[paused, f"spend_saved{s}"], -stopped.loc[paused, f"d_cost{other}"]
        )
        assert (table.loc[paused, [f"exp_clicks{s}", f"exp_cost{s}"]] == 0).all().all()
    assert (table.loc[paused, "d_cost"] < 0).all()
    for name, value in totals.items():
        assert summary[name] == value, name


def _report(tmp_path: Path) -> Path:
    """The tents report with the quiet keyword's last rows gone and the dead keyword's
    conversions zeroed (Google Ads UI layout: title, date range, header, rows, totals)."""
    rows = list(csv.reader(TENTS.read_text(encoding="utf-8-sig").splitlines()))
    header = rows[2]
    conv, value = header.index("Conversions"), header.index("Conv. value")
    kept = []
    for r in rows:
        if len(r) > 2 and r[2] == QUIET and r[0] >= "2026-11-05":
            continue
        if len(r) > 2 and r[2] == DEAD:
            r = [*r[:conv], "0.00", "0.00", *r[value + 1 :]]
        kept.append(r)
    path = tmp_path / "Search keyword report by day.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(kept)
    return path


def searchops(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from searchops.cli import main

    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_bid_recommend_fits_once_and_forecasts_each_keyword_once_through_the_cli(
    tmp_path, capsys, monkeypatch
):
    import sem.roi

    ws = str(tmp_path / "ws.duckdb")
    settings = tmp_path / "searchops.toml"
    # five keywords: the default share cap (10%) would allow no pause at all
    settings.write_text("[bidding.guardrails]\nmax_pause_share = 0.5\n", encoding="utf-8")
    code, _, err = searchops(capsys, "--workspace", ws, "sem", "import", str(_report(tmp_path)),
                             "--source", "google:shop")  # fmt: skip
    assert code == 0, err
    counter = _Counter()
    counter.wrap(monkeypatch, sem.roi, "fit_models")
    counter.wrap(monkeypatch, _posterior, "moments")
    counter.wrap(monkeypatch, recommend_module, "expected_changes")
    counter.wrap(monkeypatch, unavailable_module, "expected_changes")
    out = tmp_path / "bids"
    code, _, err = searchops(capsys, "--workspace", ws, "--config", str(settings), "bid",
                             "recommend", "--out", str(out))  # fmt: skip
    assert code == 0, err
    payload = json.loads((out / "recommendations.json").read_text(encoding="utf-8"))
    rows = {r["keyword"]: r for r in payload["recommendations"]}
    assert rows[DEAD]["reasons"] == "PAUSE_NO_CONVERSIONS"
    assert rows["backpacking tent"]["reasons"] == "CURRENT_BID_STALE"
    assert payload["summary"]["paused_no_conversions"] == 1
    # one fit (sem.roi.fit_models takes the workspace, not a model: one call), one posterior
    # pass over the 4 movable keywords, and one forecast of each of the 5 keywords
    assert len(counter.calls["fit_models"]) == 1
    assert counter.calls["moments"] == [4]
    assert sorted(counter.calls["expected_changes"]) == [1, 4]
    dead = rows[DEAD]
    assert dead["spend_saved"] == -dead["d_cost"] > 0
    assert dead["exp_clicks"] == dead["exp_cost"] == 0


def test_keyword_models_read_a_block_of_a_column_and_leave_the_fits_diagnostics_behind(
    default_config,
):
    """The draws read each column a block of keywords at a time, never the whole column per
    block; the fit's diagnostics (``attrs``, which pandas deep-copies into every column read)
    stay with the caller's frame; the recommendation is the same either way."""
    plain = _with_dead(700, 50, seed=6)
    fit = plain.frame.copy()
    fit.attrs["diagnostics"] = {"priors": [{"mean": float(i), "keywords": i} for i in range(500)]}
    models = KeywordModels(fit)
    assert models.frame.attrs == {} and len(fit.attrs["diagnostics"]["priors"]) == 500
    rows = slice(123, 456)
    for name in ("a", "cvr_hi", "elasticity_up_se", "cpc_bid"):
        np.testing.assert_array_equal(models.col(name, rows), models.col(name)[rows])
    context = Context(config=default_config, constraints=Constraints(margin=1.0))
    strategy = get_strategy("posterior", default_config.policy)
    with_attrs = recommend(model=models, strategy=strategy, context=context, seed=1)
    without = recommend(model=plain, strategy=strategy, context=context, seed=1)
    pd.testing.assert_frame_equal(with_attrs.table, without.table, check_exact=True)
    assert with_attrs.summary == without.summary
