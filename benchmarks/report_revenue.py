"""Coverage of the weekly report's lag-adjusted paid search revenue range, on the demo account.

For each seed and pull day (1, 2 or 4 days after the last full week: the later, the more of
its conversions have arrived), a demo account (``demo.ads_account``) is served by the local
Google Ads API server with its clock at the Monday after the last full week, pulled with
the production client, and the weekly report's Paid search section is built. The demo
account knows each week's eventual revenue (``demo.truth.eventual_revenue``). Printed:

* ``cover week``: share of draws whose 90% range (``[report] revenue_interval_level``) of
  the last week's revenue holds the truth; ``cover change``: the same for the change from
  the week before. Target: at least 0.90 (the ranges are built on the cautious side).
* ``error``: mean |estimate - truth| / truth of the lag-adjusted estimate, against its peer
  in the same run, the revenue as reported on Monday (what the headline used to say).

The demo's API server reports every click day's expected arrived share (no arrival noise),
so the coverage here checks the lag curve's estimate and the ranges' width, not the
conversion randomness term.

    .venv/bin/python benchmarks/report_revenue.py [--seeds 1,2,...] [--pulled-after 1,2,4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
from demo.truth import eventual_revenue  # noqa: E402
from reports.weekly import build_report  # noqa: E402
from searchops.workspace import Workspace  # noqa: E402
from tests.reports.pulled import pulled_workspace, week_of  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="1,2,3,4,5,6,7,8")
    parser.add_argument("--pulled-after", default="1,2,4", help="days after the week's Sunday")
    parser.add_argument("--keywords", type=int, default=400)
    args = parser.parse_args()
    rows = []
    started = time.monotonic()
    for seed in (int(s) for s in args.seeds.split(",")):
        for after in (int(d) for d in args.pulled_after.split(",")):
            until = date(2026, 11, 29)
            pulled_at = datetime.combine(until + timedelta(days=after), datetime.min.time())
            with tempfile.TemporaryDirectory() as tmp:
                path, account = pulled_workspace(
                    Path(tmp) / "ws.duckdb",
                    until=until,
                    pulled_at=pulled_at.replace(hour=8),
                    seed=seed,
                    keywords=args.keywords,
                )
                with Workspace(path, read_only=True) as ws:
                    sem = build_report(ws).sections["sem"]
            truth = eventual_revenue(account, *week_of(until))
            change = truth - eventual_revenue(account, *week_of(until, back=1))
            lo, hi = sem.revenue_range
            c_lo, c_hi = sem.change_range
            rows.append(
                (
                    lo <= truth <= hi,
                    c_lo <= change <= c_hi,
                    abs(sem.revenue.current - truth) / truth,
                    abs(sem.revenue_reported.current - truth) / truth,
                    (hi - lo) / truth,
                )
            )
            print(
                f"seed {seed} pulled {pulled_at:%a %b %d}: truth {truth:,.0f} estimate "
                f"{sem.revenue.current:,.0f} range {lo:,.0f}..{hi:,.0f} reported "
                f"{sem.revenue_reported.current:,.0f}; change {change:+,.0f} in "
                f"{c_lo:+,.0f}..{c_hi:+,.0f}",
                flush=True,
            )
    n = len(rows)
    est = sum(r[2] for r in rows) / n
    raw = sum(r[3] for r in rows) / n
    print(f"\n{n} draws in {time.monotonic() - started:.0f} s")
    print(f"cover week   {sum(r[0] for r in rows) / n:.2f}  (target >= 0.90)")
    print(f"cover change {sum(r[1] for r in rows) / n:.2f}  (target >= 0.90)")
    print(f"range width  {sum(r[4] for r in rows) / n:.1%} of the week's revenue")
    print(f"error: lag-adjusted {est:.1%}, reported on Monday {raw:.1%} (ratio {est / raw:.2f})")


if __name__ == "__main__":
    main()
