"""Recency weighting, day dispersion and drift of the volume model (sem/roi/drift.py), over
seeds and forecast origins: the false-alarm rates of ``tests/sem/test_drift.py``'s assertions
and the forecast quality against peers run in the same process.

Accounts: ``tests/sem/test_drift.py``'s two small accounts (600 keywords, constant bids), one
whose rates drift (log random walk, consecutive 28-day windows ~0.5 apart in log-sd) with
overdispersed days (1.7x Poisson + 0.04 x clicks/day), one stationary Poisson. Each origin fits
the 90 days before it and forecasts the next 28 days' clicks/day. Printed per account:

* the share of (seed, origin) runs where each test assertion fails (its false-alarm rate);
* clicks/day MAE over the last-28-day mean's (target <= 0.90 at the default weighting) and
  the predictive coverage of the 90% intervals (lognormal rate, Poisson counts around it;
  target 0.85-0.95) per bucket of history clicks, for: the default (half-life chosen by the
  account's own backtest among ``[sem] recency_half_lives_days``), equal weights
  (``recency_half_lives=()``: today's searchops before the change, plus day dispersion), and
  each fixed half-life alone.

Peers (``--peers``): ``default`` (the config's candidates), ``equal`` (equal weights),
``from7`` (candidates 7-112 days, the default before 3.5 days was added), ``from14``.

``--short-history``: instead, the drift variance and half-life choice on a 45-day history per
bucket (``tests/sem/test_drift.py::test_short_histories_choose_their_weighting_on_shorter_forecasts``)
over seeds.

``--yearly``: instead, the yearly season of a 430-day account (rise into the forecast
window, forecast bias with and without it) over seeds
(``tests/sem/test_drift.py::test_a_year_of_history_forecasts_the_yearly_season``).

``--misfit``: instead, the false-alarm and detection rates of ``tests/sem/test_bid_misfit.py``
(the bid-move misfit of a power curve and of a staircase of ad positions) over seeds.

``--groups``: instead, the ad-group level of the volume and CTR priors over seeds: how often
``tests/sem/test_ad_groups.py``'s assertions fail (its account with ad groups that differ,
and the one whose ad groups do not: the false-alarm rate of the collapse), and whether the
level is used on the out-of-model simulators of ``demo/auction_sim.py`` (their ad groups are
labels without a level of their own: every use is a false alarm), with the p-values of
Cochran's Q. ``--test-account-only``: the test's account alone (seeds are cheap there).

``--decompose SIM``: instead, where the clicks/day backtest error of ``sem roi`` on an
out-of-model simulator (``demo/auction_sim.py``; the backtest of ``benchmarks/sem_outofmodel.py``:
600 keywords, 90 days, origins 28 and 42 days before the end, the next 28 days' clicks at the
bid ``sem roi`` calls current) comes from: MAE / the last-28-day mean's per bucket of history
clicks, split by whether the keyword's bid changed after the origin (the forecast is then a
bid response), for the default model, the model without a bid response (elasticity 0) and
fixed half-lives.

Run: ``.venv/bin/python benchmarks/recency.py [--seeds 1,...,10] [--origins 120,150,180]``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sem import roi  # noqa: E402
from tests.sem import test_drift as accounts  # noqa: E402

BUCKETS = ((0, 0, "0"), (1, 29, "1-29"), (30, 299, "30-299"), (300, np.inf, "300+"))


def run(seed: int, drifting: bool, origin: int, **overrides: object) -> dict[str, object]:
    frames, clicks = accounts._account(seed, drifting)
    dates = pd.date_range(accounts.FIRST_DAY, periods=accounts.DAYS)
    fit = roi.fit_models(
        frames,
        since=dates[origin - accounts.HISTORY].date(),
        until=dates[origin - 1].date(),
        **overrides,
    )
    actual = clicks[:, origin : origin + 28].mean(axis=1)
    naive = clicks[:, origin - 28 : origin].mean(axis=1)
    history = clicks[:, origin - accounts.HISTORY : origin].sum(axis=1)
    rng = np.random.default_rng(seed)
    sd = fit["clicks_log_sd"].to_numpy()[:, None]
    mean = fit["clicks_per_day"].to_numpy()
    rate = mean[:, None] * np.exp(sd * rng.standard_normal((len(fit), 400)) - sd**2 / 2)
    lo, hi = np.quantile(rng.poisson(rate * 28) / 28, [0.05, 0.95], axis=1)
    return {
        "fit": fit,
        "err": np.abs(mean - actual),
        "naive_err": np.abs(naive - actual),
        "inside": (actual >= lo) & (actual <= hi),
        "history": history,
    }


def alarms(r: dict[str, object], drifting: bool) -> dict[str, bool]:
    fit = r["fit"]
    rep = fit.attrs["diagnostics"]["recency"]  # type: ignore[attr-defined]
    if drifting:
        ratio = r["err"].mean() / r["naive_err"].mean()  # type: ignore[attr-defined]
        coverage = r["inside"].mean()  # type: ignore[attr-defined]
        head = [b for b in rep["day_dispersion"] if b["below_clicks_per_day"] > 10]
        return {
            "head phi <= 1.5": not all(b["phi"] > 1.5 for b in head),
            "half-life missing (>3/day)": not all(
                b["half_life_days"] is not None
                for b in rep["buckets"]
                if b["below_clicks_per_day"] > 3
            ),
            "drift var outside 0.08-0.6": not all(
                0.08 < b["drift_log_var"] < 0.6 for b in rep["buckets"]
            ),
            "MAE ratio >= 1": ratio >= 1.0,
            "coverage outside 0.82-0.96": not 0.82 <= coverage <= 0.96,
        }
    return {
        "phi > 1": not all(b["phi"] == 1.0 for b in rep["day_dispersion"]),
        "half-life chosen": not all(b["half_life_days"] is None for b in rep["buckets"]),
        "drift var > 0": not all(b["drift_log_var"] == 0.0 for b in rep["buckets"]),
    }


PEERS: dict[str, dict[str, object]] = {
    "default": {},
    "equal": {"recency_half_lives": ()},
    "from7": {"recency_half_lives": (7.0, 14.0, 28.0, 56.0, 112.0)},
    "from14": {"recency_half_lives": (14.0, 28.0, 56.0, 112.0)},
}


def misfit(seeds: list[int]) -> None:
    """Rates at which ``tests/sem/test_bid_misfit.py``'s assertions fail over seeds."""
    from sem.roi.clicks import bid_move_misfit
    from tests.sem import test_bid_misfit as t

    fails = {"staircase kappa <= 1.0": 0, "power curve kappa >= 0.5": 0, "power kappa > 0": 0}
    kappas: dict[str, list[float]] = {"staircase": [], "power": []}
    for seed in seeds:
        for stepped, name in ((True, "staircase"), (False, "power")):
            daily, index = t.history(seed, stepped)
            ones = np.ones(t.KEYWORDS)
            kappa, _ = bid_move_misfit(daily, index, ones * t.ELASTICITY, ones)
            kappas[name].append(kappa)
        fails["staircase kappa <= 1.0"] += kappas["staircase"][-1] <= 1.0
        fails["power curve kappa >= 0.5"] += kappas["power"][-1] >= 0.5
        fails["power kappa > 0"] += kappas["power"][-1] > 0
    for name, values in kappas.items():
        q = np.quantile(values, [0, 0.5, 1])
        print(f"{name}: kappa min {q[0]:.3f} median {q[1]:.3f} max {q[2]:.3f}")
    for what, n in fails.items():
        print(f"'{what}' in {n} of {len(seeds)} seeds")


def short_history(seeds: list[int]) -> None:
    """Drift measured on a 45-day history (``tests/sem/test_drift.py``'s short-history test):
    its range per bucket over seeds, drifting and stationary."""
    from datetime import date

    for drifting in (True, False):
        values = []
        chosen = 0  # seeds with a half-life in every bucket above 3 clicks/day (drifting) or
        # in none (stationary): what the test asserts
        for seed in seeds:
            frames, _ = accounts._account(seed, drifting)
            fit = roi.fit_models(frames, since=date(2025, 4, 1), until=date(2025, 5, 15))
            buckets = fit.attrs["diagnostics"]["recency"]["buckets"]
            values += [b["drift_log_var"] for b in buckets]
            h = [
                b["half_life_days"]
                for b in buckets
                if not drifting or b["below_clicks_per_day"] > 3
            ]
            chosen += all(x is not None for x in h) if drifting else all(x is None for x in h)
        name = "drifting" if drifting else "stationary"
        what = "a half-life in every bucket above 3/day" if drifting else "equal weights everywhere"
        print(f"{name}: drift log variance per bucket min {min(values):.3f} "
              f"max {max(values):.3f} over {len(values)} buckets x seeds; "
              f"{what} in {chosen} of {len(seeds)} seeds")  # fmt: skip


def yearly(seeds: list[int]) -> None:
    """``tests/sem/test_drift.py::test_a_year_of_history_forecasts_the_yearly_season`` over
    seeds: the season's rise into the forecast window and the forecast's mean log bias against
    the true rates, with the yearly season and without it (the peer: the model before it)."""
    from unittest import mock

    from sem.roi import drift

    def off(weeks: object, span: int) -> tuple[None, dict[str, object]]:
        return None, {"fitted": False}

    for amplitude in (0.3, 0.0):
        rises, biases, peers = [], [], []
        for seed in seeds:
            frames, lam = accounts._yearly_account(seed, amplitude)
            origin = (accounts.YEAR_UNTIL - accounts.YEAR_FIRST_DAY).days + 1
            truth = lam[:, origin : origin + 28].mean(axis=1)
            for peer in ("yearly", "without"):
                patch = mock.patch.object(drift, "_yearly_season", off)
                with patch if peer == "without" else contextlib.nullcontext():
                    fit = roi.fit_models(
                        frames, since=accounts.YEAR_FIRST_DAY, until=accounts.YEAR_UNTIL
                    )
                bias = float(np.mean(np.log(fit["clicks_per_day"].to_numpy() / truth)))
                if peer == "yearly":
                    season = fit.attrs["diagnostics"]["recency"]["yearly_season"]
                    rises.append(season["next_window_log_season"]
                                 - season["latest_4_weeks_log_season"])  # fmt: skip
                    biases.append(bias)
                else:
                    peers.append(bias)
        print(f"amplitude {amplitude}: rise {min(rises):.3f}-{max(rises):.3f}; forecast log "
              f"bias {min(biases):.3f}-{max(biases):.3f} (without the season "
              f"{min(peers):.3f}-{max(peers):.3f}) over {len(seeds)} seeds")  # fmt: skip


# tests/sem/test_ad_groups.py's tolerance for the null account's forecasts
_NULL_RTOL = 1e-2


def groups(seeds: list[int], simulators: bool = True) -> None:
    """``tests/sem/test_ad_groups.py`` over seeds, and the ad-group level on the simulators."""
    import tempfile
    from datetime import timedelta

    from searchops.workspace import Workspace
    from tests.sem import test_ad_groups as t

    # The null account's test asserts two things, counted apart: the ad-group level stays off
    # (Cochran's Q does not reject at [sem] group_level_alpha: its false-alarm rate), and the
    # forecasts then equal the one-group file's within the test's rtol (the same rows under
    # other keyword ids: the priors' optimizers stop elsewhere, ~1e-3 on a sparse keyword).
    fails = {"sparse keyword does not move toward its ad group": 0,
             "null level used (Cochran's Q rejects)": 0,
             f"null forecasts off by more than rtol {_NULL_RTOL:g}": 0}  # fmt: skip
    worst = 0.0
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for log_sd in (1.2, 0.0):
                fits = [
                    t._forecasts(
                        folder,
                        t._report(folder / f"{name}{log_sd}.csv", seed, log_sd, one_group=one),
                    )
                    for name, one in (("grouped", False), ("flat", True))
                ]
                grouped, flat = fits
                if log_sd > 0:
                    sparse = grouped[grouped["sparse"]]
                    busy = (sparse["group"] % 2 == 0).to_numpy()
                    moved = (sparse["clicks_per_day"].to_numpy()
                             / flat.loc[flat["sparse"], "clicks_per_day"].to_numpy())  # fmt: skip
                    fails["sparse keyword does not move toward its ad group"] += not (
                        np.all(moved[busy] > 1.2) and np.all(moved[~busy] < 1 / 1.5)
                    )
                else:
                    fails["null level used (Cochran's Q rejects)"] += any(
                        grouped.attrs["ad_groups_used"]
                    )
                    off = max(
                        float(np.max(np.abs(grouped[c] / flat[c] - 1)))
                        for c in ("clicks_per_day", "clicks_lo", "clicks_hi")
                    )
                    worst = max(worst, off)
                    fails[f"null forecasts off by more than rtol {_NULL_RTOL:g}"] += (
                        off > _NULL_RTOL
                    )
    for what, n in fails.items():
        print(f"test account: '{what}' in {n} of {len(seeds)} seeds")
    print(f"test account: null forecasts' largest relative difference {worst:.2e}")
    if not simulators:
        return

    from demo import auction_sim

    for name in auction_sim.SIMULATORS:
        used, p_values = 0, []
        for seed in seeds:
            sim = auction_sim.make(name, keywords=600, days=90, seed=seed)
            with tempfile.TemporaryDirectory() as tmp:
                ws = _imported(sim, Path(tmp))
                until = sim.dates[sim.config.days - 28] - timedelta(days=1)
                with Workspace(ws) as w:
                    fit = roi.fit_models(w, source="sim", until=until.date())
            prior = fit.attrs["diagnostics"]["volume_prior"]
            for level in (prior["impressions"]["ad_groups"], prior["ctr"]["ad_groups"]):
                used += bool(level["used"])
                p_values.append(level.get("p_value", float("nan")))
        print(f"{name}: ad-group level used in {used} of {2 * len(seeds)} fits (volume and CTR "
              f"x seeds); Cochran's Q p-value min {np.nanmin(p_values):.4f}")  # fmt: skip


def _imported(sim: Any, folder: Path) -> Path:
    """A workspace in ``folder`` holding ``sim``'s keyword report, imported through the CLI."""
    import subprocess

    ws = folder / "ws.duckdb"
    report = sim.write_export(folder / "report.csv")
    subprocess.run([sys.executable, "-m", "searchops", "--workspace", str(ws), "-q",
                    "sem", "import", str(report), "--source", "sim"],
                   check=True, capture_output=True)  # fmt: skip
    return ws


DECOMPOSE_VARIANTS: dict[str, dict[str, object]] = {
    "default": {},
    "no bid response": {},
    "half-life 3.5": {"recency_half_lives": (3.5,)},
    "half-life 14": {"recency_half_lives": (14.0,)},
    "equal weights": {"recency_half_lives": ()},
}


def decompose(name: str, seeds: list[int]) -> None:
    """MAE / the last-28-day mean's of ``sem roi``'s clicks/day forecasts on a simulator, by
    bucket and by whether the bid changed after the origin, per model variant."""
    import tempfile
    from datetime import timedelta
    from unittest import mock

    import sem.roi.clicks as clicks_module
    from demo import auction_sim
    from searchops.workspace import Workspace

    keys = ["campaign", "ad_group", "keyword", "match_type"]

    def flat(shrink: Any) -> Any:
        """``shrink`` (the elasticity's shrinkage) returning elasticity 0, no uncertainty."""

        def zero(*args: object, **kwargs: object) -> tuple[np.ndarray, np.ndarray, object]:
            b, _, report = shrink(*args, **kwargs)
            return np.zeros_like(b), np.zeros_like(b), report

        return zero

    rows = []
    for seed in seeds:
        sim = auction_sim.make(name, keywords=600, days=90, seed=seed)
        truth = sim.daily.pivot(index="row", columns="date", values="clicks").to_numpy()
        with tempfile.TemporaryDirectory() as tmp:
            ws = _imported(sim, Path(tmp))
            for back in (28, 42):
                origin = truth.shape[1] - back
                until = (sim.dates[origin] - timedelta(days=1)).date()
                for variant, overrides in DECOMPOSE_VARIANTS.items():
                    patches = contextlib.ExitStack()
                    if variant == "no bid response":  # both of the click model's shrinkages
                        for attr in ("shrink_normal", "shrink_elasticity"):
                            original = getattr(clicks_module, attr)
                            patches.enter_context(
                                mock.patch.object(clicks_module, attr, flat(original))
                            )
                    with Workspace(ws) as w, patches:
                        fit = roi.fit_models(w, source="sim", until=until, **overrides)  # type: ignore[arg-type]
                    index = pd.MultiIndex.from_frame(sim.keywords[keys])
                    at = index.get_indexer(pd.MultiIndex.from_frame(fit[keys]))
                    fit, at = fit[at >= 0], at[at >= 0]
                    bids = sim.current_bids()
                    bids[at] = fit["current_bid"].to_numpy(float)
                    actual = sim.frozen_clicks(origin, 28, seed, bids)[at].mean(1)
                    naive = truth[at, origin - 28 : origin].mean(1)
                    moved = ~np.isclose(sim._arrays["bids"][at, origin - 1], bids[at])
                    rows.append(pd.DataFrame({
                        "variant": variant, "moved": moved,
                        "history": truth[at, :origin].sum(1),
                        "err": np.abs(fit["clicks_per_day"].to_numpy(float) - actual),
                        "naive": np.abs(naive - actual),
                    }))  # fmt: skip
        print(f"{name}: seed {seed} done", file=sys.stderr)
    df = pd.concat(rows)
    df["bucket"] = pd.cut(df["history"], [-1, 0, 9, 99, 999, np.inf],
                          labels=["0", "1-9", "10-99", "100-999", "1000+"])  # fmt: skip
    df["bid after origin"] = np.where(df["moved"], "changed", "same")
    sums = df.groupby(["bid after origin", "variant", "bucket"], observed=True, sort=False)[
        ["err", "naive"]
    ].sum()
    ratio = (sums["err"] / sums["naive"]).unstack("bucket")
    ratio = ratio[[b for b in df["bucket"].cat.categories if b in ratio.columns]].round(3)
    total = df.groupby(["bid after origin", "variant"], sort=False)[["err", "naive"]].sum()
    ratio["all"] = (total["err"] / total["naive"]).round(3)
    share = df[df["variant"] == "default"].groupby("bid after origin")["naive"].sum()
    print(f"\n== {name}: MAE / last-28-day mean's (seeds {seeds}, origins 28 and 42 days back); "
          f"share of the naive error on keywords whose bid changed after the origin: "
          f"{share.get('changed', 0) / share.sum():.2f}")  # fmt: skip
    print(ratio.to_string())
    overall = df.groupby("variant", sort=False)[["err", "naive"]].sum()
    print("  all keywords:", (overall["err"] / overall["naive"]).round(3).to_dict())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3,4,5,6,7,8,9,10")
    parser.add_argument("--origins", default="120,150,180")
    parser.add_argument("--peers", default="default,equal", help=", ".join(PEERS))
    parser.add_argument("--misfit", action="store_true")
    parser.add_argument("--short-history", action="store_true")
    parser.add_argument("--yearly", action="store_true")
    parser.add_argument("--groups", action="store_true")
    parser.add_argument(
        "--test-account-only", action="store_true", help="--groups without the simulators"
    )
    parser.add_argument("--decompose", metavar="SIM", help="auction, volatile or longtail")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.yearly:
        yearly(seeds)
        return
    if args.groups:
        groups(seeds, simulators=not args.test_account_only)
        return
    if args.decompose:
        decompose(args.decompose, seeds)
        return
    if args.misfit:
        misfit(seeds)
        return
    if args.short_history:
        short_history(seeds)
        return
    origins = [int(o) for o in args.origins.split(",")]
    peers = {name: PEERS[name] for name in args.peers.split(",")}
    for drifting in (True, False):
        name = "drifting, overdispersed" if drifting else "stationary Poisson"
        counts: dict[str, int] = {}
        rows = []
        runs = 0
        for seed in seeds:
            for origin in origins:
                for peer, overrides in peers.items():
                    r = run(seed, drifting, origin, **overrides)
                    if peer == next(iter(peers)):
                        runs += 1
                        for alarm, hit in alarms(r, drifting).items():
                            counts[alarm] = counts.get(alarm, 0) + int(hit)
                    for lo, hi, label in BUCKETS:
                        sel = (r["history"] >= lo) & (r["history"] <= hi)  # type: ignore[operator]
                        rows.append({"peer": peer, "bucket": label, "n": int(sel.sum()),
                                     "err": float(r["err"][sel].sum()),  # type: ignore[index]
                                     "naive": float(r["naive_err"][sel].sum()),  # type: ignore[index]
                                     "inside": float(r["inside"][sel].sum())})  # type: ignore[index]  # fmt: skip
            print(f"{name}: seed {seed} done", file=sys.stderr)
        df = pd.DataFrame(rows)
        print(f"\n== {name}: {runs} runs (seeds {args.seeds} x origins {args.origins})")
        for alarm, hits in counts.items():
            print(f"  test assertion '{alarm}' fails in {hits} of {runs}")
        table = df.groupby(["peer", "bucket"], sort=False)[["n", "err", "naive", "inside"]].sum()
        table["MAE / last-28-day mean"] = table["err"] / table["naive"]
        table["90% predictive coverage"] = table["inside"] / table["n"]
        print(table[["n", "MAE / last-28-day mean", "90% predictive coverage"]].round(3))
        overall = df.groupby("peer", sort=False)[["err", "naive"]].sum()
        print("  all keywords, MAE / last-28-day mean:",
              (overall["err"] / overall["naive"]).round(3).to_dict())  # fmt: skip


if __name__ == "__main__":
    main()
