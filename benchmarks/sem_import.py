"""Peak memory of `searchops sem import` on a big export (issue 19: a 1 GB import passed 4 GB
of RSS in 8 s; target <= 1.5 GB).

Writes a Google Ads keyword report by Day of about ``--size-mb`` MB (UTF-8 with BOM, title and
date-range lines, ``[exact]`` / ``"phrase"`` notation, thousands separators, a Total row:
the shape of ``tests/fixtures/exports``), then runs ``searchops sem import`` on it as a child
process whose peak RSS (with its children) is sampled every 50 ms with psutil. The peer, in
the same run: DuckDB's own CSV reader loading the same file as text columns into a table
(``read_csv(all_varchar)``: what reading the file costs without any conversion), and the
size of the file itself.

    .venv/bin/python benchmarks/sem_import.py                  # 1 GB, a few minutes
    .venv/bin/python benchmarks/sem_import.py --size-mb 200
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["Day", "Keyword status", "Keyword", "Match type", "Campaign", "Ad group", "Max. CPC",
          "Currency code", "Clicks", "Impr.", "Cost", "Conversions", "Conv. value"]  # fmt: skip


def write_report(path: Path, size_mb: int, seed: int = 0) -> int:
    """About ``size_mb`` MB of daily keyword rows (90 days per keyword); the row count."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2026-09-01", periods=90, freq="D").strftime("%Y-%m-%d")
    rows = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        fh.write('Search keyword report\n"September 1, 2026 - November 29, 2026"\n')
        fh.write(",".join(HEADER) + "\n")
        keyword = 0
        while fh.tell() < size_mb * 2**20:
            n = 500  # keywords per block
            ids = np.arange(keyword, keyword + n)
            keyword += n
            match = rng.choice(["Exact match", "Phrase match", "Broad match"], n)
            text = [
                f"[trail tent {i}]" if m == "Exact match" else f'"tent sale {i}"'
                if m == "Phrase match" else f"camping tent {i}"
                for i, m in zip(ids, match, strict=True)
            ]  # fmt: skip
            block = pd.DataFrame(
                {
                    "Day": np.tile(days, n),
                    "Keyword status": "Enabled",
                    "Keyword": np.repeat(text, len(days)),
                    "Match type": np.repeat(match, len(days)),
                    "Campaign": np.repeat([f"Search | tents {i % 40}" for i in ids], len(days)),
                    "Ad group": np.repeat([f"Summit tent {i % 700}" for i in ids], len(days)),
                    "Max. CPC": np.repeat(np.round(rng.uniform(0.2, 3, n), 2), len(days)),
                    "Currency code": "CAD",
                }
            )
            clicks = rng.poisson(3, len(block))
            block["Clicks"] = clicks
            block["Impr."] = [f"{v:,}" for v in clicks * 40 + rng.integers(1, 2000, len(block))]
            block["Cost"] = [f"{v:,.2f}" for v in clicks * rng.uniform(0.1, 3, len(block))]
            conv = rng.binomial(clicks, 0.04)
            block["Conversions"] = [f"{v:.2f}" for v in conv]
            block["Conv. value"] = [f"{v:,.2f}" for v in conv * rng.uniform(20, 900, len(block))]
            block.to_csv(fh, header=False, index=False, lineterminator="\n")
            rows += len(block)
        fh.write("Total: Account,--,--,--,--,--,--,CAD,--,--,--,--,--\n")
    return rows


def peak_rss(argv: list[str]) -> tuple[float, float, int]:
    """Peak RSS in MB of a child process and its children (sampled every 50 ms), seconds,
    exit code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
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
        assert child.stderr is not None
        print(child.stderr.read().decode()[-600:], file=sys.stderr)
    return peak / 2**20, time.perf_counter() - started, child.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--keep", type=Path, help="write the report and workspace here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sem-import-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        report = folder / "Search keyword report.csv"
        t0 = time.perf_counter()
        rows = write_report(report, args.size_mb)
        size = report.stat().st_size / 2**20
        print(
            f"report: {size:,.0f} MB, {rows:,} rows (written in {time.perf_counter() - t0:.0f} s)"
        )
        ws = folder / "ws.duckdb"
        ws.unlink(missing_ok=True)
        ours = peak_rss([sys.executable, "-m", "searchops", "--workspace", str(ws), "-q",
                         "sem", "import", str(report), "--source", "bench"])  # fmt: skip
        peer_script = (
            "import duckdb,sys; con=duckdb.connect(sys.argv[1]); "
            'con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar=true, '
            'skip=2, header=true)", [sys.argv[2]])'
        )
        peer_ws = folder / "peer.duckdb"
        peer_ws.unlink(missing_ok=True)
        peer = peak_rss([sys.executable, "-c", peer_script, str(peer_ws), str(report)])
    print(f"{'':<44} {'peak RSS MB':>11} {'seconds':>8} {'exit':>5}")
    print(f"{'searchops sem import':<44} {ours[0]:>11,.0f} {ours[1]:>8.0f} {ours[2]:>5}")
    print(f"{'peer: duckdb read_csv(all_varchar) -> table':<44} {peer[0]:>11,.0f} "
          f"{peer[1]:>8.0f} {peer[2]:>5}")  # fmt: skip
    print(f"ratio import / peer RSS: {ours[0] / max(peer[0], 1):.2f}; target <= 1,536 MB")


if __name__ == "__main__":
    main()
