"""Metric definitions: pure functions of the entries the in-page observer recorded.

Times are milliseconds since navigation start (the page's ``performance.now()`` origin).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# A task longer than this blocks input; the excess is "blocking time"
# (web.dev/articles/tbt, Lighthouse's BLOCKING_TIME_THRESHOLD).
BLOCKING_THRESHOLD_MS = 50.0
# CLS session windows: shifts less than 1 s apart, a window at most 5 s long
# (web.dev/articles/cls, "What is CLS?").
SESSION_GAP_MS = 1000.0
SESSION_MAX_MS = 5000.0

Entry = Mapping[str, Any]


def largest_contentful_paint(candidates: Iterable[Entry]) -> Entry | None:
    """The final LCP candidate: Chromium emits a new entry each time a larger element
    paints, so the last one recorded is the page's LCP."""
    last = None
    for entry in candidates:
        last = entry
    return last


def cumulative_layout_shift(shifts: Iterable[Entry], input_at: float | None = None) -> float:
    """The largest session-window sum of layout-shift scores, leaving out shifts that
    follow user input.

    ``input_at`` is when the measurement itself first gave input (None: never).
    Chromium also sets ``hadRecentInput`` after an emulated viewport change, which
    would silently drop real load-time shifts under mobile emulation; like Lighthouse
    (``CumulativeLayoutShift.getLayoutShiftEvents``), the flag is honoured only when
    input can actually have happened: here, from ``input_at`` on.
    """
    best = window_sum = 0.0
    window_start = last_time = None
    for shift in sorted(shifts, key=lambda s: s["time"]):
        t = float(shift["time"])
        if shift.get("input") and input_at is not None and t >= input_at:
            continue
        if (
            window_start is not None
            and last_time is not None
            and t - last_time < SESSION_GAP_MS
            and t - window_start < SESSION_MAX_MS
        ):
            window_sum += float(shift["value"])
        else:
            window_start, window_sum = t, float(shift["value"])
        last_time = t
        best = max(best, window_sum)
    return best


def total_blocking_time(long_tasks: Iterable[Entry], fcp: float | None, end: float) -> float | None:
    """Sum of the blocking part (over 50 ms) of long tasks between FCP and ``end``,
    each task clipped to that span as Lighthouse does. None when nothing painted."""
    if fcp is None:
        return None
    total = 0.0
    for task in long_tasks:
        start = max(float(task["start"]), fcp)
        stop = min(float(task["start"]) + float(task["duration"]), end)
        total += max(0.0, stop - start - BLOCKING_THRESHOLD_MS)
    return total


def interaction_to_next_paint(events: Iterable[Entry]) -> float | None:
    """The longest interaction (each interaction's longest event, pointerdown to the
    next paint). With fewer than 50 interactions INP is simply the worst one
    (web.dev/articles/inp); a scripted test interacts once or a few times."""
    longest: dict[Any, float] = {}
    for event in events:
        key = event["id"]
        longest[key] = max(longest.get(key, 0.0), float(event["duration"]))
    return max(longest.values()) if longest else None
