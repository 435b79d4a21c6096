"""Time to fit every keyword's ROI models on the demo account, 10,000 and 100,000 keywords.

Targets (issue 5): under 30 s for 10,000 and under 180 s for 100,000 keywords on 2 cores.
Absolute times mislead on a shared machine, so each size also times a peer in the same run:
a plain numpy least-squares pass over the same daily rows (per-keyword log-log OLS of clicks
on bid, vectorized with bincount) -- the cheapest thing that could be called a click model.
The ratio says what the pooling, intervals and bootstrap cost on top of it.

    .venv/bin/python benchmarks/sem.py [--sizes 10000,100000] [--days 90]

Memory (issue 13: under 1.5 GB at 100,000 keywords): ``--rss`` writes each size's demo account
to a workspace and runs the user-facing commands, ``searchops sem roi --level keyword`` and
``searchops bid recommend``, as child processes whose peak RSS is sampled with psutil every
50 ms. The peer, in the same run: a process that only reads the workspace's daily table the
plain way (``sem.tables.read``, every column to pandas), i.e. what holding the data costs.

    .venv/bin/python benchmarks/sem.py --rss [--sizes 100000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

# Run as a script, this file's folder comes first on sys.path and "sem" would import this
# very file instead of the package: drop that entry before importing it.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
from demo import ads_account as demo  # noqa: E402
from sem import roi  # noqa: E402


def numpy_loglog_ols(daily: pd.DataFrame) -> np.ndarray:
    """Per-keyword OLS slope of log(clicks) on log(bid) over days with clicks (the peer)."""
    d = daily[daily["clicks"] > 0]
    codes, _ = pd.factorize(d["criterion_id"])
    x = np.log(d["cpc_bid"].to_numpy(float))
    y = np.log(d["clicks"].to_numpy(float))
    n = np.bincount(codes)
    sx, sy = np.bincount(codes, x), np.bincount(codes, y)
    sxx, sxy = np.bincount(codes, x * x), np.bincount(codes, x * y)
    var = sxx - sx * sx / np.maximum(n, 1)
    return np.where(
        var > 1e-12, (sxy - sx * sy / np.maximum(n, 1)) / np.maximum(var, 1e-12), np.nan
    )


def run(size: int, days: int) -> dict[str, float]:
    t0 = time.perf_counter()
    account = demo.generate(keywords=size, days=days, seed=1)
    generate_s = time.perf_counter() - t0
    daily = account.frames["sem_keyword_daily"]

    t0 = time.perf_counter()
    numpy_loglog_ols(daily)
    peer_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    fit = roi.fit_models(account)
    fit_s = time.perf_counter() - t0

    truth = account.frames["sem_truth"].set_index("criterion_id").loc[fit["criterion_id"]]
    mae = float(np.median(np.abs(fit["elasticity"].to_numpy() - truth["elasticity"].to_numpy())))
    clicked = fit["clicks"].to_numpy() >= 1
    t = truth["cvr"].to_numpy()
    cover = float(
        ((fit["cvr_lo"].to_numpy() <= t) & (t <= fit["cvr_hi"].to_numpy()))[clicked].mean()
    )
    return {"keywords": size, "daily_rows": len(daily), "generate_s": generate_s, "peer_s": peer_s,
            "fit_s": fit_s, "ratio": fit_s / peer_s, "elasticity_mae": mae, "cvr_coverage": cover}  # fmt: skip


def peak_rss(argv: list[str]) -> tuple[float, int]:
    """Peak RSS in MB of a child process (and its children), sampled every 50 ms; exit code."""
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    proc, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        try:
            rss = proc.memory_info().rss
            rss += sum(c.memory_info().rss for c in proc.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    if child.returncode:
        print(child.stderr.read().decode()[-400:], file=sys.stderr)
    return peak / 2**20, child.returncode


def rss_run(size: int, days: int, folder: Path) -> None:
    searchops = str(Path(sys.executable).with_name("searchops"))
    ws = str(folder / f"ws-{size}.duckdb")
    subprocess.run([searchops, "--workspace", ws, "sem", "demo", "--keywords", str(size),
                    "--days", str(days), "--seed", "1"], check=True, capture_output=True)  # fmt: skip
    read_all = (
        "import sys; from searchops.workspace import Workspace; from sem import tables; "
        "ws = Workspace(sys.argv[1], read_only=True); tables.read(ws, 'sem_keyword_daily')"
    )
    peer, _ = peak_rss([sys.executable, "-c", read_all, ws])
    roi, rc_roi = peak_rss([searchops, "--workspace", ws, "sem", "roi", "--level", "keyword",
                            "--format", "csv"])  # fmt: skip
    bid, rc_bid = peak_rss([searchops, "--workspace", ws, "bid", "recommend",
                            "--out", str(folder / f"bids-{size}")])  # fmt: skip
    print(f"{size:>9,} {peer:>10.0f} {roi:>10.0f} {roi / peer:>9.2f} {bid:>10.0f} "
          f"{bid / peer:>9.2f} {'1500':>9} {'ok' if rc_roi == rc_bid == 0 else 'FAILED':>6}",
          flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--rss", action="store_true", help="peak RSS of sem roi / bid recommend")
    args = parser.parse_args()
    if args.rss:
        print(f"{'keywords':>9} {'peer MB':>10} {'roi MB':>10} {'roi/peer':>9} {'bid MB':>10} "
              f"{'bid/peer':>9} {'target MB':>9} {'exit':>6}")  # fmt: skip
        with tempfile.TemporaryDirectory() as folder:
            for size in (int(s) for s in args.sizes.split(",")):
                rss_run(size, args.days, Path(folder))
        return
    targets = {10_000: 30.0, 100_000: 180.0}
    print(f"{'keywords':>9} {'daily rows':>11} {'fit s':>7} {'peer s':>7} {'fit/peer':>9} "
          f"{'target s':>9} {'elast. MAE':>10} {'CVR 90% cover':>13}")  # fmt: skip
    for size in (int(s) for s in args.sizes.split(",")):
        r = run(size, args.days)
        target = targets.get(size)
        print(f"{size:>9,} {r['daily_rows']:>11,} {r['fit_s']:>7.1f} {r['peer_s']:>7.2f} "
              f"{r['ratio']:>9.1f} {target or float('nan'):>9.0f} {r['elasticity_mae']:>10.3f} "
              f"{r['cvr_coverage']:>13.3f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
