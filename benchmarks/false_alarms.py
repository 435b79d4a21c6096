"""False-alarm rates of the suite's statistical assertions, over many seeds and dates.

A test pins its seed and its date (tests/conftest.py pins "today"), so it is deterministic;
but a bound that one draw passes says nothing about the next draw. This runs the statistic
each statistical test asserts on, over seeds x end dates, and prints per assertion its
distribution and how often a correct model fails it (the false-alarm rate the test states).

* ``roi``: tests/sem/test_roi.py::test_forecasts_are_calibrated_in_every_sparsity_bucket,
  90% coverage and mean pred / mean true per history-clicks bucket and forecast, on the demo
  account (6,000 keywords x 90 days, as the test).
* ``terms``: tests/bidding/test_terms.py::test_the_demo_account_through_the_cli, through
  the CLI (`sem demo` + `bid terms`, 2,000 keywords x 35 days): how many honest search terms
  (converting at their keyword's rate) are negated, against the binomial bound the test
  asserts, and whether the junk terms with 400+ clicks are all negated.

    .venv/bin/python benchmarks/false_alarms.py [--part roi|terms|all]
        [--seeds 5,11,21,31] [--dates 2026-11-16,2026-12-07,2027-03-01]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

# Run as a script, this file's folder comes first on sys.path and "sem" would import the
# sibling benchmark instead of the package: drop that entry before importing it.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.bidding.test_terms import honest_negation_bound  # noqa: E402
from tests.sem.test_roi import BOUNDS  # noqa: E402

BUCKETS = [(0, 0, "0"), (1, 9, "1-9"), (10, 99, "10-99"), (100, np.inf, "100+")]


def roi_draw(seed: int, until: date) -> list[dict]:
    from demo import ads_account as demo
    from sem import roi
    from tests.sem.test_roi import _FORECASTS, _true_forecasts

    account = demo.generate(keywords=6_000, days=90, seed=seed, until=until)
    fit = roi.fit_models(account)
    true = _true_forecasts(account, fit)
    history = fit["clicks"].to_numpy()
    rows = []
    for lo, hi, label in BUCKETS:
        bucket = (history >= lo) & (history <= hi)
        for name, (point, low, high) in _FORECASTS.items():
            t = true[name][bucket]
            inside = (fit[low].to_numpy()[bucket] <= t) & (t <= fit[high].to_numpy()[bucket])
            ratio = fit[point].to_numpy()[bucket].mean() / t.mean()
            rows.append(
                {
                    "seed": seed,
                    "until": until,
                    "bucket": label,
                    "forecast": name,
                    "coverage": inside.mean(),
                    "ratio": ratio,
                }
            )
    return rows


def terms_draw(seed: int, until: date) -> dict:
    import duckdb
    from click.testing import CliRunner

    from demo.ads_account import JUNK_TERM_WORDS
    from searchops.cli import cli

    with tempfile.TemporaryDirectory() as tmp:
        ws = str(Path(tmp) / "ws.duckdb")
        runner = CliRunner()
        made = runner.invoke(cli, ["--workspace", ws, "sem", "demo", "--keywords", "2000",
                                   "--days", "35", "--products", "300", "--seed", str(seed),
                                   "--until", until.isoformat()])  # fmt: skip
        assert made.exit_code == 0, made.output
        out = Path(tmp) / "terms"
        done = runner.invoke(cli, ["--workspace", ws, "bid", "terms", "--out", str(out)])
        assert done.exit_code == 0, done.output
        payload = json.loads((out / "terms.json").read_text())
        con = duckdb.connect(ws, read_only=True)
        terms = con.execute(
            "SELECT search_term, sum(conversions) AS conv, sum(clicks) AS clicks "
            "FROM sem_search_terms GROUP BY search_term"
        ).df()
        con.close()
    junk = terms["search_term"].str.endswith(tuple(JUNK_TERM_WORDS.values()))
    negated = {r["search_term"] for r in payload["negatives"]}
    honest = terms[~junk]
    honest_negated = int(honest["search_term"].isin(negated).sum())
    bound = honest_negation_bound(honest["clicks"].to_numpy())
    must = set(terms.loc[junk & (terms["clicks"] >= 400), "search_term"])
    return {
        "seed": seed, "until": until, "negated": len(negated), "honest_negated": honest_negated,
        "bound": bound, "fails_bound": honest_negated > bound,
        "junk_400_missed": len(must - negated),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["roi", "terms", "all"], default="all")
    parser.add_argument("--seeds", default="5,11,21,31")
    parser.add_argument("--dates", default="2026-11-16,2026-12-07,2027-03-01")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    dates = [date.fromisoformat(d) for d in args.dates.split(",")]
    pd.set_option("display.width", 200)
    if args.part in ("roi", "all"):
        rows = []
        for until in dates:
            os.environ["SEARCHOPS_TODAY"] = until.isoformat()
            for seed in seeds:
                rows += roi_draw(seed, until)
                worst = min(rows[-16:], key=lambda r: -abs(r["ratio"] - 1))
                print(
                    f"roi: seed {seed}, until {until}: worst {worst}", file=sys.stderr, flush=True
                )
        frame = pd.DataFrame(rows)

        def outside(row: pd.Series, stat: str) -> bool:
            lo, hi = BOUNDS[row["bucket"]][stat]
            return not lo <= row[stat] <= hi

        frame["fails"] = frame.apply(
            lambda r: outside(r, "coverage") or outside(r, "ratio"), axis=1
        )
        cells = frame.groupby(["bucket", "forecast"], sort=False)
        summary = cells.agg(
            cover_mean=("coverage", "mean"), cover_sd=("coverage", "std"),
            cover_min=("coverage", "min"), cover_max=("coverage", "max"),
            ratio_mean=("ratio", "mean"), ratio_sd=("ratio", "std"),
            ratio_min=("ratio", "min"), ratio_max=("ratio", "max"), fail_rate=("fails", "mean"),
        )  # fmt: skip
        # The false-alarm rate a normal fit of the draws gives each cell's two assertions.
        rates = []
        for (bucket, _), row in summary.iterrows():
            rate = 0.0
            for stat, mean, sd in (("coverage", row.cover_mean, row.cover_sd),
                                   ("ratio", row.ratio_mean, row.ratio_sd)):  # fmt: skip
                lo, hi = BOUNDS[bucket][stat]
                rate += stats.norm.cdf(lo, mean, sd) + stats.norm.sf(hi, mean, sd)
            rates.append(rate)
        summary["normal_false_alarm"] = rates
        print(f"\nroi calibration test over {len(seeds)} seeds x {len(dates)} dates")
        print(f"asserted (coverage, ratio) per bucket: {BOUNDS}")
        print(summary.round(4).to_string())
        print(f"family false-alarm rate (normal fit): {summary['normal_false_alarm'].sum():.4f}")
        any_fail = frame.groupby(["seed", "until"])["fails"].any()
        print(
            f"draws failing any assertion: {any_fail.mean():.3f} ({any_fail.sum()}/{len(any_fail)})"
        )
    if args.part in ("terms", "all"):
        rows = []
        for until in dates:
            os.environ["SEARCHOPS_TODAY"] = until.isoformat()
            for seed in seeds:
                rows.append(terms_draw(seed, until))
                print(f"terms: {rows[-1]}", file=sys.stderr, flush=True)
        frame = pd.DataFrame(rows)
        print(f"\nsearch-term negatives over {len(seeds)} seeds x {len(dates)} dates")
        print(frame.to_string(index=False))
        print(
            f"false-alarm rate of the honest-negation bound: {frame['fails_bound'].mean():.3f}; "
            f"draws missing a 400+ click junk term: {(frame['junk_400_missed'] > 0).mean():.3f}"
        )


if __name__ == "__main__":
    main()
