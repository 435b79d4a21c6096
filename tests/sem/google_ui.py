"""A keyword report by Day as Google Ads' UI downloads it (the layout of
tests/fixtures/exports/google-en-keywords-by-day.csv): a title, the date range, the header,
the rows, then the account's total row."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

HEADER = ["Day", "Keyword status", "Keyword", "Match type", "Campaign", "Ad group", "Max. CPC",
          "Currency code", "Clicks", "Impr.", "Cost", "Conversions", "Conv. value"]  # fmt: skip


def write_keyword_report(path: Path, rows: list[list[str]], first: date, days: int) -> Path:
    """``rows`` in :data:`HEADER`'s columns (CAD), for the ``days`` days from ``first``."""
    last = first + timedelta(days=days - 1)
    total = [sum(float(r[c]) for r in rows) for c in (8, 9, 10, 11, 12)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Search keyword report"])
        w.writerow([f"{first:%B} {first.day}, {first.year} - {last:%B} {last.day}, {last.year}"])
        w.writerow(HEADER)
        w.writerows(rows)
        w.writerow(["Total: Account", "", "", "", "", "", "", "CAD", f"{total[0]:.0f}",
                    f"{total[1]:.0f}", f"{total[2]:.2f}", f"{total[3]:.2f}",
                    f"{total[4]:.2f}"])  # fmt: skip
    return path
