"""Real Chromium on the demo site's /__lab/ pages, whose vitals are known by construction."""

from __future__ import annotations

import asyncio

import pandas as pd
import pytest

from demo.site.vitals_pages import LAB_PAGES, LabPage
from searchops.settings import Settings
from seo_crawler.vitals import measure_urls
from tests.conftest import free_port

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("vitals-browser")]

# How far a lab measurement may stray from the constructed value. CLS is geometry
# (exact up to sub-pixel rounding); times carry scheduling noise that only ever adds
# time, hence tight lower bounds and generous upper margins.
CLS_TOLERANCE = 0.005
TBT_TOLERANCE_MS = 40
LATE_MARGIN_MS = 700


# Nothing listens there: its loads must fail, be retried and not stop the batch.
DEAD = f"http://127.0.0.1:{free_port()}/"


@pytest.fixture(scope="module")
def lab(demo_site, vitals_settings: Settings) -> dict[str, pd.Series]:  # type: ignore[no-untyped-def]
    urls = [demo_site.url + page.path for page in LAB_PAGES]
    frame = measure_urls(
        [DEAD, *urls],
        runs=1,
        profile="none",
        concurrency=2,
        interact="#add-to-cart",
        settings=vitals_settings,
    )
    measured = frame[frame["url"] != DEAD]
    assert measured["error"].isna().all(), measured[["url", "error"]].to_string()
    rows = {
        page.path: frame[frame["url"] == demo_site.url + page.path].iloc[0] for page in LAB_PAGES
    }
    return {**rows, DEAD: frame[frame["url"] == DEAD].iloc[0]}


def _pages(predicate) -> list[LabPage]:  # type: ignore[no-untyped-def]
    return [p for p in LAB_PAGES if predicate(p)]


@pytest.mark.parametrize("page", _pages(lambda p: p.lcp_min_ms), ids=lambda p: p.path)
def test_lcp_is_the_delayed_hero_image(lab, page: LabPage) -> None:  # type: ignore[no-untyped-def]
    row = lab[page.path]
    # The hero's paint after its delay runs through the same paint pipeline as the first
    # paint: on a busy machine both slow down, so the margin grows with this load's FCP (a
    # fixed 700 ms failed at 724 ms on a loaded CI machine; an LCP taken at the wrong element
    # or at load end is still caught, as are the selector and URL below).
    assert page.lcp_min_ms <= row["lcp_ms"] <= page.lcp_min_ms + LATE_MARGIN_MS + row["fcp_ms"]
    assert row["lcp_selector"] == page.lcp_selector
    assert "/__lab/img/hero.png" in row["lcp_url"]
    assert bool(row["lcp_lazy"]) is page.lcp_lazy
    assert row["fcp_ms"] < page.lcp_min_ms  # the text painted first


@pytest.mark.parametrize("page", _pages(lambda p: p.shift_box_vh), ids=lambda p: p.path)
def test_cls_matches_the_layout_shift_formula(lab, page: LabPage, vitals_settings) -> None:  # type: ignore[no-untyped-def]
    none = vitals_settings.vitals.profiles["none"]
    expected = page.expected_cls(none.width, none.height)
    assert lab[page.path]["cls"] == pytest.approx(expected, abs=CLS_TOLERANCE)
    selectors = [s["selector"] for s in lab[page.path]["shift_sources"]]
    assert "div#box" in selectors


def test_tbt_is_the_long_task_minus_50ms(lab) -> None:  # type: ignore[no-untyped-def]
    (page,) = _pages(lambda p: p.tbt_ms)
    # A busy machine can only add blocking time (a preempted task runs longer).
    assert (
        page.tbt_ms - TBT_TOLERANCE_MS <= lab[page.path]["tbt_ms"] <= page.tbt_ms + LATE_MARGIN_MS
    )


def test_inp_covers_the_blocking_click_handler(lab) -> None:  # type: ignore[no-untyped-def]
    (page,) = _pages(lambda p: p.inp_min_ms)
    row = lab[page.path]
    assert page.inp_min_ms <= row["inp_ms"] <= page.inp_min_ms + LATE_MARGIN_MS
    # the click's own long task is not load-time blocking
    assert row["tbt_ms"] < TBT_TOLERANCE_MS
    # pages without the selector have no INP
    assert pd.isna(lab[LAB_PAGES[0].path]["inp_ms"])


def test_unsized_image_is_named_behind_the_shift(lab) -> None:  # type: ignore[no-untyped-def]
    (page,) = _pages(lambda p: p.unsized_image)
    row = lab[page.path]
    assert row["cls"] > 0
    culprits = {s["unsized_image"] for s in row["shift_sources"]}
    assert any(c and "/__lab/img/photo.png" in c for c in culprits)


def test_bytes_and_requests_are_counted(lab) -> None:  # type: ignore[no-untyped-def]
    hero = lab[LAB_PAGES[0].path]
    assert hero["requests"] >= 2  # the document and the hero image
    assert hero["total_bytes"] > 30_000  # the hero PNG alone is ~38 KB


def test_mobile_profile_throttles_and_keeps_load_time_shifts(demo_site, vitals_settings) -> None:  # type: ignore[no-untyped-def]
    # One move: its score is geometry only, however slowly the throttled page runs.
    shift = _pages(lambda p: p.shift_box_vh and len(p.shift_moves_vh) == 1)[0]
    frame = measure_urls(
        [demo_site.url + shift.path], runs=1, profile="mobile", settings=vitals_settings
    )
    row = frame.iloc[0]
    mobile = vitals_settings.vitals.profiles["mobile"]
    # Emulated latency: 150 ms RTT x 3.75 (Lighthouse's DevTools adjustment) per request.
    assert row["ttfb_ms"] >= 150 * 3.75
    # Chromium flags shifts after an emulated viewport change as "recent input";
    # they are load-time shifts all the same and must count.
    assert row["cls"] == pytest.approx(
        shift.expected_cls(mobile.width, mobile.height), abs=CLS_TOLERANCE
    )


def test_failures_are_recorded_retried_and_do_not_stop_the_batch(lab, vitals_settings) -> None:  # type: ignore[no-untyped-def]
    failed = lab[DEAD]
    assert "ERR_CONNECTION_REFUSED" in failed["error"]
    assert failed["attempts"] == vitals_settings.vitals.retries + 1
    assert pd.isna(failed["lcp_ms"])
    assert all(pd.isna(lab[p.path]["error"]) for p in LAB_PAGES)  # the rest was measured


def test_a_navigation_timeout_is_recorded_as_such(demo_site, vitals_settings) -> None:  # type: ignore[no-untyped-def]
    impatient = vitals_settings.model_copy(
        update={"vitals": vitals_settings.vitals.model_copy(update={"navigation_timeout_ms": 500})}
    )
    slow = demo_site.url + "/__lab/img/hero.png?delay=3000"  # answers after 3 s
    frame = measure_urls([slow], runs=1, profile="none", settings=impatient)
    row = frame.iloc[0]
    assert row["error"].startswith("timeout:")
    assert row["attempts"] == 2


def test_an_interaction_that_navigates_keeps_the_load_metrics(demo_site, vitals_settings) -> None:  # type: ignore[no-untyped-def]
    index = demo_site.url + "/__lab/"  # its links lead to the other lab pages
    frame = measure_urls([index], runs=1, profile="none", interact="a", settings=vitals_settings)
    row = frame.iloc[0]
    assert pd.isna(row["error"]) and row["lcp_ms"] > 0
    assert pd.isna(row["inp_ms"])  # the click left the page before its entries were read
    assert row["cls"] == 0  # nothing of the next page leaks into this one


def test_measure_urls_works_inside_a_running_event_loop(vitals_settings) -> None:  # type: ignore[no-untyped-def]
    async def notebook_cell() -> pd.DataFrame:  # Jupyter runs cells in an event loop
        return measure_urls([DEAD], runs=1, profile="none", settings=vitals_settings)

    frame = asyncio.run(notebook_cell())
    assert "ERR_CONNECTION_REFUSED" in frame.iloc[0]["error"]
