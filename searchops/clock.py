"""The one clock that decides data: "today" for the demo account, a pull's day, a week.

``SEARCHOPS_TODAY=YYYY-MM-DD`` pins it, so a demo, a test or a backtest gives the same numbers
on any calendar day (the test suite pins it in tests/conftest.py; benchmarks loop over dates).
Timestamps that only record when something ran (``started_at``) keep the wall clock.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, tzinfo

ENV = "SEARCHOPS_TODAY"


def pinned_today() -> date | None:
    """The date ``SEARCHOPS_TODAY`` pins, or None when unset; a malformed value is an error."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        from searchops.errors import SearchopsError

        raise SearchopsError(f"{ENV}={value!r} is not a date (YYYY-MM-DD)") from None


def today(zone: tzinfo = UTC) -> date:
    """Today in ``zone`` (UTC by default), or the pinned date."""
    return pinned_today() or datetime.now(zone).date()


def now(zone: tzinfo = UTC) -> datetime:
    """Now in ``zone``, naive; when the date is pinned, noon of the pinned day (a fixed instant:
    the same pull twice sees the same day and the same hour)."""
    pinned = pinned_today()
    if pinned is not None:
        return datetime.combine(pinned, time(12))
    return datetime.now(zone).replace(tzinfo=None)
