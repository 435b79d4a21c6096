"""The inline SVG chart helpers: well-formed, proportional, and escaping every label."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

from reports import svg

NS = "{http://www.w3.org/2000/svg}"
PAYLOAD = '<script>alert("x")</script>&'


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # raises on malformed XML, e.g. an unescaped label


def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    for lo, hi in ((0, 97), (3.2, 4.9), (0, 0.25), (1200, 48_000), (5, 5)):
        ticks = svg.nice_ticks(lo, hi)
        assert ticks[0] <= lo and ticks[-1] >= hi
        steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
        assert len(steps) == 1
        mantissa = f"{steps.pop():e}".split("e")[0]
        assert float(mantissa) in (1.0, 2.0, 2.5, 5.0)


def test_line_chart_escapes_labels_and_breaks_lines_at_gaps() -> None:
    chart = svg.line_chart(
        ["w1", "w2", "w3", PAYLOAD],
        [svg.Series(PAYLOAD, [1.0, None, 3.0, 4.0]), svg.Series("b", [2.0, 2.0, 2.0, 2.0])],
        title=PAYLOAD,
    )
    root = parse(chart)
    assert "<script>" not in chart and "&lt;script&gt;" in chart
    assert root.find(f"{NS}title").text == PAYLOAD
    polylines = root.findall(f"{NS}polyline")
    # series 1: w1 alone (a dot only), then w3-w4 as a line; series 2: one line
    assert len(polylines) == 2
    assert len(root.findall(f"{NS}circle")) == 3 + 4


def test_line_chart_maps_larger_values_higher() -> None:
    root = parse(svg.line_chart(["a", "b"], [svg.Series("s", [10.0, 90.0])], title="t"))
    (low, high) = [float(c.get("cy")) for c in root.findall(f"{NS}circle")]
    assert high < low  # SVG y grows downwards


def test_bar_chart_widths_are_proportional_and_labels_cut() -> None:
    root = parse(svg.bar_chart([("x" * 50, 300.0), ("half", 150.0), (PAYLOAD, 0.0)], title="bars"))
    widths = [float(r.get("width")) for r in root.iter(f"{NS}rect")]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    labels = [t.text for t in root.iter(f"{NS}text")]
    cut = next(t for t in labels if t.startswith("xxx"))
    assert "…" in cut and len(cut) <= 32 and PAYLOAD in labels
    narrow = parse(svg.bar_chart([("x" * 50, 1.0)], title="bars", width=360))
    assert len(next(t.text for t in narrow.iter(f"{NS}text") if t.text.startswith("x"))) < len(cut)


def test_bar_labels_stay_distinct_and_keep_their_full_text_in_a_title() -> None:
    # Five landing pages of one deep category: cut at the end they all read the same.
    base = "/en-ca/catalogue/camping-and-hiking/tents-and-shelters/"
    pages = [f"{base}ultralight-{name}-tent" for name in ("alpine", "bivy", "cirrus", "dome", "e")]
    # ... and two that differ only in the middle.
    pages += ["/en-ca/p/" + "a" * 30 + "/x", "/en-ca/p/" + "a" * 29 + "b/x"]
    chart = svg.bar_chart([(p, 10.0 * (i + 1)) for i, p in enumerate(pages)], title="waste")
    root = parse(chart)
    shown = [t.text for g in root.iter(f"{NS}g") for t in g.findall(f"{NS}text")][::2]
    assert len(shown) == len(pages) and len(set(shown)) == len(pages), shown
    assert all(len(text) <= 32 for text in shown)
    assert shown[0].endswith("light-alpine-tent") and shown[0].startswith("/en-ca")
    titles = [g.find(f"{NS}title").text for g in root.iter(f"{NS}g")]
    assert [t.rsplit(":", 1)[0] for t in titles] == pages  # the full label, then the value
    hostile = parse(svg.bar_chart([(PAYLOAD * 3, 1.0)], title="t"))
    assert [g.find(f"{NS}title").text for g in hostile.iter(f"{NS}g")] == [PAYLOAD * 3 + ": 1"]


def test_severity_series_take_the_badges_colours() -> None:
    series = [svg.Series(s, [1.0, 2.0], svg.SEVERITY_COLOURS[s]) for s in ("error", "notice")]
    root = parse(svg.line_chart(["a", "b"], series, title="t"))
    strokes = [p.get("stroke") for p in root.iter(f"{NS}polyline")]
    assert strokes == [svg.SEVERITY_COLOURS["error"], svg.SEVERITY_COLOURS["notice"]]
    swatches = [r.get("fill") for r in root.iter(f"{NS}rect")]
    assert swatches == strokes


def test_xy_chart_draws_the_sorted_curve_and_marks() -> None:
    chart = svg.xy_chart(
        [(300.0, 900.0), (100.0, 500.0), (200.0, 800.0)],
        title="frontier",
        marks=[("current", 150.0, 600.0), ("recommended", 250.0, 870.0)],
    )
    root = parse(chart)
    points = root.find(f"{NS}polyline").get("points").split()
    xs = [float(p.split(",")[0]) for p in points]
    assert xs == sorted(xs) and len(xs) == 3
    assert "recommended" in chart and len(root.findall(f"{NS}circle")) == 3 + 2


def test_sparkline_marks_the_last_point_and_handles_no_data() -> None:
    root = parse(svg.sparkline([1.0, 2.0, None, 4.0], title="trend"))
    assert len(root.find(f"{NS}polyline").get("points").split()) == 3
    empty = parse(svg.sparkline([None, None], title="nothing"))
    assert empty.find(f"{NS}polyline") is None


def test_charts_use_numbers_only_in_geometry() -> None:
    chart = str(
        svg.line_chart(["a", "b"], [svg.Series("s", [float("nan"), 1.0])], title="no number")
    )
    assert not re.search(r'(?:x|y|cx|cy|points|width|height)="[^"]*(?:nan|inf)', chart)
    assert len(parse(chart).findall(f"{NS}circle")) == 1


def test_a_long_legend_wraps_inside_the_chart() -> None:
    names = [f"structured_data_{i}" for i in range(9)]
    root = parse(svg.line_chart(["a", "b"], [svg.Series(n, [1.0, 2.0]) for n in names], title="t"))
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    swatches = [r for r in root.findall(f"{NS}rect")]
    rows = {float(r.get("y")) for r in swatches}
    assert len(swatches) == 9 and len(rows) > 1 and height > 220
    assert all(float(r.get("x")) < width - 60 for r in swatches)
    labels = [t for t in root.findall(f"{NS}text") if t.text in ("a", "b")]
    assert [t.get("text-anchor") for t in labels] == ["start", "end"]  # not cut at the edges


def test_axis_money_is_compact_enough_for_a_phone_chart() -> None:
    from reports.formatting import money_axis

    assert [money_axis(v) for v in (0, 950, 1500, 800_000, 1_250_000, -20_000)] == [
        "$0", "$950", "$1.5k", "$800k", "$1.2M", "-$20k",
    ]  # fmt: skip
    assert all(len(money_axis(v)) <= 7 for v in (999_999, 12_345_678, 999))
