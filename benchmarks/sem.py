"""Time to fit every keyword's ROI models on the demo account, 10,000 and 100,000 keywords.

Targets (issue 5): under 30 s for 10,000 and under 180 s for 100,000 keywords on 2 cores.
Absolute times mislead on a shared machine, so each size also times a peer in the same run:
a plain numpy least-squares pass over the same daily rows (per-keyword log-log OLS of clicks
on bid, vectorized with bincount) -- the cheapest thing that could be called a click model.
The ratio says what the pooling, intervals and bootstrap cost on top of it.

    .venv/bin/python benchmarks/sem.py [--sizes 10000,100000] [--days 90]

Memory (issue 13: under 1.5 GB at 100,000 keywords; issue 21: 1,000,000 keywords x 90 days
within 4 GB): ``--rss`` writes each size's demo account to a workspace and runs the
user-facing commands, ``searchops sem roi --level keyword`` and ``searchops bid recommend``,
as child processes whose peak RSS is sampled with psutil every 50 ms, and times them. Peers,
in the same run: a process that only reads the workspace's daily table the plain way
(``sem.tables.read``, every column to pandas: what holding the data costs; skipped above
100,000 keywords, where it would take gigabytes), and a DuckDB scan of the same daily table
(one GROUP BY per keyword over every daily row: the least any command reading it costs).

Above 100,000 keywords the account is generated in parts of 100,000 (demo accounts of seeds
1, 2, ... with their ids offset, appended to the workspace), so generating 90 million daily
rows holds one part at a time; up to 100,000 it is ``searchops sem demo --seed 1``.
``--keep DIR`` keeps (and reuses) the workspaces there.

    .venv/bin/python benchmarks/sem.py --rss [--sizes 100000,1000000] [--keep DIR] [--commands bid]

Columns ``roi/scan`` and ``bid/scan`` are time ratios to the DuckDB scan, ``roi MB/sc`` and
``bid MB/sc`` peak-RSS ratios to it. ``--commands roi`` or ``bid`` measures one of the two
(a 1,000,000-keyword run of each takes over half an hour on a busy 2-core machine); the
other's columns then read nan.
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
from searchops.workspace import Workspace  # noqa: E402
from sem import roi, tables  # noqa: E402

# Keywords per generated part of a large benchmark account (the demo's own 100k account).
PART_KEYWORDS = 100_000
# Tables a part adds to the account (what sem roi and bid recommend read per keyword).
PART_TABLES = ("sem_keywords", "sem_keyword_daily", "sem_bid_landscape")


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
    # stderr to a file: progress lines would fill a pipe nobody reads and stall the child.
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors)
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
            errors.seek(0)
            print(errors.read().decode(errors="replace")[-400:], file=sys.stderr)
    return peak / 2**20, child.returncode


def build_workspace(ws: Path, size: int, days: int) -> None:
    """``size`` keywords x ``days`` days in ``ws``, one part of PART_KEYWORDS at a time."""
    searchops = str(Path(sys.executable).with_name("searchops"))
    if size <= PART_KEYWORDS:
        subprocess.run([searchops, "--workspace", str(ws), "sem", "demo", "--keywords",
                        str(size), "--days", str(days), "--seed", "1"], check=True,
                       capture_output=True)  # fmt: skip
        return
    with Workspace(ws) as workspace:
        pull_id = ""
        for part, start in enumerate(range(0, size, PART_KEYWORDS)):
            account = demo.generate(keywords=min(PART_KEYWORDS, size - start), days=days,
                                    seed=1 + part)  # fmt: skip
            if part == 0:
                pull_id = demo.save(workspace, account)
            else:
                offset = part * 10**9  # demo ids stay below 10^9: no part's collide
                for name in PART_TABLES:
                    frame = account.frames[name]
                    frame = frame.assign(criterion_id=frame["criterion_id"] + offset)
                    if "ad_group_id" in frame.columns:
                        frame["ad_group_id"] = frame["ad_group_id"] + offset
                    rows = tables.conform(name, frame.assign(source=account.source,
                                                             pull_id=pull_id))  # fmt: skip
                    workspace.con.register("_bench_part", rows)
                    workspace.con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM _bench_part')
                    workspace.con.unregister("_bench_part")
                    del frame, rows
            del account
            print(f"  generated {min(start + PART_KEYWORDS, size):,} of {size:,} keywords",
                  file=sys.stderr, flush=True)  # fmt: skip


def timed_rss(argv: list[str]) -> tuple[float, float, int]:
    """(peak RSS in MB, seconds, exit code) of a child process."""
    t0 = time.perf_counter()
    peak, rc = peak_rss(argv)
    return peak, time.perf_counter() - t0, rc


def rss_run(size: int, days: int, folder: Path, commands: tuple[str, ...] = ("roi", "bid")) -> None:
    searchops = str(Path(sys.executable).with_name("searchops"))
    ws = folder / f"ws-{size}-{days}.duckdb"
    if not ws.exists():
        build_workspace(ws, size, days)
    read_all = (
        "import sys; from searchops.workspace import Workspace; from sem import tables; "
        "ws = Workspace(sys.argv[1], read_only=True); tables.read(ws, 'sem_keyword_daily')"
    )
    scan = (
        "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); "
        "con.execute('SELECT criterion_id, count(*), sum(clicks), sum(impressions), sum(cost), "
        "sum(conversions), sum(conversions_value), avg(cpc_bid) FROM sem_keyword_daily "
        "GROUP BY criterion_id').fetchall()"
    )
    rows = duckdb_rows(ws)
    peer = float("nan")
    if size <= PART_KEYWORDS:
        peer, _ = peak_rss([sys.executable, "-c", read_all, str(ws)])
    scan_mb, scan_s, _ = timed_rss([sys.executable, "-c", scan, str(ws)])
    print(f"  {size:,}: DuckDB scan {scan_mb:.0f} MB {scan_s:.1f} s", file=sys.stderr, flush=True)
    nan = float("nan")
    roi_mb, roi_s, rc_roi = nan, nan, 0
    if "roi" in commands:
        roi_mb, roi_s, rc_roi = timed_rss([searchops, "--workspace", str(ws), "sem", "roi",
                                           "--level", "keyword", "--format", "csv"])  # fmt: skip
        print(f"  {size:,}: sem roi {roi_mb:.0f} MB {roi_s:.0f} s exit {rc_roi}", file=sys.stderr,
              flush=True)  # fmt: skip
    bid_mb, bid_s, rc_bid = nan, nan, 0
    if "bid" in commands:
        bid_mb, bid_s, rc_bid = timed_rss([searchops, "--workspace", str(ws), "bid", "recommend",
                                           "--out", str(folder / f"bids-{size}")])  # fmt: skip
        print(f"  {size:,}: bid recommend {bid_mb:.0f} MB {bid_s:.0f} s exit {rc_bid}",
              file=sys.stderr, flush=True)  # fmt: skip
    target = 1500 if size <= PART_KEYWORDS else 4096
    print(f"{size:>9,} {rows:>11,} {peer:>8.0f} {scan_mb:>8.0f} {scan_s:>7.1f} {roi_mb:>7.0f} "
          f"{roi_s:>7.0f} {roi_s / scan_s:>9.0f} {roi_mb / scan_mb:>9.2f} {bid_mb:>7.0f} "
          f"{bid_s:>7.0f} {bid_s / scan_s:>9.0f} {bid_mb / scan_mb:>9.2f} {target:>7} "
          f"{'ok' if rc_roi == rc_bid == 0 else 'FAILED':>6}", flush=True)  # fmt: skip


def duckdb_rows(ws: Path) -> int:
    with Workspace(ws, read_only=True) as workspace:
        (rows,) = workspace.con.execute("SELECT count(*) FROM sem_keyword_daily").fetchall()[0]
        return int(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--rss", action="store_true", help="peak RSS of sem roi / bid recommend")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the workspaces here")
    parser.add_argument("--commands", default="roi,bid",
                        help="with --rss: which commands to measure (roi, bid or both)")  # fmt: skip
    args = parser.parse_args()
    if args.rss:
        print(f"{'keywords':>9} {'daily rows':>11} {'read MB':>8} {'scan MB':>8} {'scan s':>7} "
              f"{'roi MB':>7} {'roi s':>7} {'roi/scan':>9} {'roi MB/sc':>9} {'bid MB':>7} "
              f"{'bid s':>7} {'bid/scan':>9} {'bid MB/sc':>9} {'max MB':>7} {'exit':>6}")  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            folder = args.keep or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            for size in (int(s) for s in args.sizes.split(",")):
                rss_run(size, args.days, folder, tuple(args.commands.split(",")))
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
