"""Click elasticity on accounts with drifting searches and bids that rise over time (issue 18
item 2): is the fitted bid response the true one, and does its 90% interval cover it?

The accounts come from ``tests/sem/response_sim.py``, a simulator written without the
model's assumptions: searches that grow, follow a yearly season and drift as a random walk
per keyword, overdispersed days, a manager who moves bids 10-30% now and then (up more often
than down, so bid level and time are correlated), and a known true response: ``power``
(beta 0.3-1.2), ``flat`` (0) or ``staircase`` (x1.35 at each competitor's bid passed; the
truth is the slope its own moves carry). Each account is written as a Google Ads keyword
report by Day and run through the CLI as a manager would:

    searchops sem import REPORT.csv --source sim
    searchops sem roi --source sim --level keyword --format json

Printed per (response, history days), pooled over seeds: the true mean response, the fitted
mean, the mean error (bias) and its standard error over keywords, the share of keywords whose
90% interval (elasticity +- 1.645 se) contains the truth, the share at the clip of 3 and the
median standard error. ``--code DIR`` runs another checkout's searchops on the same accounts
(e.g. main before a change: the peer in the same run).

    .venv/bin/python benchmarks/sem_elasticity.py                     # 3 seeds, ~4 min
    .venv/bin/python benchmarks/sem_elasticity.py --code /work/main --seeds 1
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("response_sim", ROOT / "tests/sem/response_sim.py")
assert _spec is not None and _spec.loader is not None
response_sim = importlib.util.module_from_spec(_spec)
sys.modules["response_sim"] = response_sim  # dataclasses resolve the module by name
_spec.loader.exec_module(response_sim)

Z90 = 1.6449


def fitted(account: Any, code: Path, work: Path) -> pd.DataFrame:
    """``sem roi``'s keyword rows for the account, by keyword name."""
    report = account.write_report(work / "report.csv")
    ws = work / "ws.duckdb"
    env = {**os.environ, "PYTHONPATH": str(code),
           "SEARCHOPS_TODAY": str(account.until + pd.Timedelta(days=1))[:10]}  # fmt: skip
    exe = [sys.executable, "-m", "searchops", "--workspace", str(ws)]
    for args in (["sem", "import", str(report), "--source", "sim"],
                 ["sem", "roi", "--source", "sim", "--level", "keyword", "--format", "json"]):  # fmt: skip
        done = subprocess.run([*exe, *args], capture_output=True, text=True, env=env,
                              check=False, cwd=code)  # fmt: skip
        if done.returncode:
            raise SystemExit(f"searchops {' '.join(args)} failed:\n{done.stderr}")
    ws.unlink()
    return pd.DataFrame(json.loads(done.stdout)["rows"]).set_index("keyword")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--keywords", type=int, default=300)
    ap.add_argument("--days", default="90,420")
    ap.add_argument("--kinds", default=",".join(response_sim.KINDS))
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose searchops runs")
    args = ap.parse_args()
    print(f"code: {args.code}  seeds: {args.seeds}  keywords: {args.keywords}")
    print(f"{'response':10} {'days':>4} {'truth':>6} {'fitted':>6} {'bias':>7} {'(se)':>6} "
          f"{'cover90':>7} {'at 3':>5} {'med se':>6}")  # fmt: skip
    for kind in args.kinds.split(","):
        for days in (int(d) for d in args.days.split(",")):
            errors, inside, clipped, ses, truths, fits = [], [], [], [], [], []
            for seed in range(args.seeds):
                account = response_sim.simulate(kind, days, seed, keywords=args.keywords)
                with tempfile.TemporaryDirectory() as tmp:
                    rows = fitted(account, args.code, Path(tmp))
                truth = account.truth.reindex(rows.index)
                ok = truth.notna().to_numpy()
                e = rows["elasticity"].to_numpy()[ok]
                se = rows["elasticity_se"].to_numpy()[ok]
                t = truth.to_numpy()[ok]
                errors.append(e - t)
                inside.append(np.abs(e - t) <= Z90 * se)
                clipped.append(rows["elasticity"].to_numpy() >= 3.0 - 1e-9)
                ses.append(se)
                truths.append(t)
                fits.append(e)
            err = np.concatenate(errors)
            print(f"{kind:10} {days:>4} {np.concatenate(truths).mean():6.2f} "
                  f"{np.concatenate(fits).mean():6.2f} {err.mean():+7.3f} "
                  f"{err.std() / np.sqrt(err.size):6.3f} {np.concatenate(inside).mean():7.2f} "
                  f"{np.concatenate(clipped).mean():5.2f} {np.median(np.concatenate(ses)):6.2f}",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
