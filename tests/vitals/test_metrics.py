"""Metric definitions on recorded entries (no browser)."""

from __future__ import annotations

import pytest

from demo.site.vitals_pages import expected_cls
from seo_crawler.vitals import metrics


def shift(time: float, value: float, input: bool = False) -> dict[str, object]:
    return {"time": time, "value": value, "input": input, "sources": []}


def test_cls_sums_shifts_less_than_a_second_apart() -> None:
    assert metrics.cumulative_layout_shift([shift(100, 0.1), shift(900, 0.05)]) == pytest.approx(
        0.15
    )


def test_cls_is_the_largest_session_window() -> None:
    # a 1 s gap starts a new window: windows 0.1 and 0.04 + 0.03
    shifts = [shift(100, 0.1), shift(1100, 0.04), shift(1500, 0.03)]
    assert metrics.cumulative_layout_shift(shifts) == pytest.approx(0.1)
    shifts.append(shift(2000, 0.05))
    assert metrics.cumulative_layout_shift(shifts) == pytest.approx(0.12)


def test_cls_window_closes_after_five_seconds() -> None:
    steady = [shift(t, 0.01) for t in range(0, 7000, 500)]  # every 0.5 s for 7 s
    # a window holds the shifts of its first 5 s: 0, 500, ..., 4500 -> 10 shifts
    assert metrics.cumulative_layout_shift(steady) == pytest.approx(0.10)


def test_cls_ignores_shifts_after_the_measurement_gave_input() -> None:
    shifts = [shift(100, 0.05, input=True), shift(3000, 0.2, input=True)]
    # before our click (input_at=2000) the flag can only come from emulation: counted
    assert metrics.cumulative_layout_shift(shifts, input_at=2000) == pytest.approx(0.05)
    assert metrics.cumulative_layout_shift(shifts, input_at=None) == pytest.approx(0.2)


def test_tbt_counts_the_part_over_50ms_after_fcp_and_before_the_end() -> None:
    tasks = [
        {"start": 0, "duration": 300},  # ends before FCP: not counted
        {"start": 450, "duration": 150},  # straddles FCP (500): 100 ms after, 50 blocking
        {"start": 1000, "duration": 40},  # short: 0
        {"start": 2000, "duration": 250},  # 200 blocking
        {"start": 4900, "duration": 300},  # clipped at end=5000: 100 ms, 50 blocking
    ]
    assert metrics.total_blocking_time(tasks, fcp=500, end=5000) == pytest.approx(300)
    assert metrics.total_blocking_time(tasks, fcp=None, end=5000) is None


def test_inp_is_the_longest_interaction() -> None:
    events = [
        {"id": 1, "name": "pointerdown", "duration": 24},
        {"id": 1, "name": "click", "duration": 312},
        {"id": 2, "name": "keydown", "duration": 80},
    ]
    assert metrics.interaction_to_next_paint(events) == 312
    assert metrics.interaction_to_next_paint([]) is None


def test_lcp_is_the_last_candidate() -> None:
    candidates = [{"time": 100, "size": 10}, {"time": 900, "size": 500}]
    assert metrics.largest_contentful_paint(candidates) == candidates[-1]
    assert metrics.largest_contentful_paint([]) is None


def test_expected_cls_of_the_lab_page_follows_the_layout_shift_formula() -> None:
    # box 25 vh moved 20 vh in a portrait viewport: impact (25+20)/100, distance 20/100
    assert expected_cls(25, (20,), 0, 412, 823) == pytest.approx(0.45 * 0.2)
    # landscape: the distance is over the width (the largest dimension)
    assert expected_cls(25, (20,), 0, 1350, 940) == pytest.approx(0.45 * 0.2 * 940 / 1350)
    # two moves in one window add up; a 1.5 s gap makes two windows
    one = expected_cls(30, (10, 15), 300, 412, 823)
    two = expected_cls(30, (10, 15), 1500, 412, 823)
    assert one == pytest.approx(0.4 * 0.1 + 0.45 * 0.15)
    assert two == pytest.approx(0.45 * 0.15)
