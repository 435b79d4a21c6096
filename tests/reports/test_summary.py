"""The executive summary: which changes are called out, in which direction, with which numbers."""

from __future__ import annotations

from datetime import date

from reports.sections import Coverage, Health, Missing, Sem, Trend, Vitals
from reports.summary import summarize
from searchops.settings import load_settings

CFG = load_settings().settings.report  # notable: 2 points, 5% pass rate, 0.1 ROAS
WEEKS = [date(2026, 11, 9), date(2026, 11, 16)]


def test_only_notable_moves_are_called_out_each_in_its_direction() -> None:
    health = Health(
        WEEKS,
        [Trend("hreflang", [90.0, 81.0]), Trend("meta", [70.0, 71.5]), Trend("links", [60, 66])],
        Trend("overall", [80.0, 79.0]),
    )
    vitals = Vitals(WEEKS, [Trend("home", [0.9, 0.88]), Trend("category", [0.5, 0.75])], {}, [])
    sem = Sem(
        WEEKS,
        spend=Trend("spend", [1000.0, 1000.0]),
        revenue=Trend("revenue", [3000.0, 4000.0]),
        roas=Trend("ROAS", [3.0, 4.0]),
        conversions=Trend("conversions", [10.0, 12.0]),
        clicks=Trend("clicks", [500.0, 520.0]),
    )
    out = summarize({"health": health, "vitals": vitals, "sem": sem}, CFG)
    assert out.regressed == ["Health scores fell: hreflang 90.0 to 81.0 (-9.0)."]
    assert out.improved == [
        "Health scores rose: links 60.0 to 66.0 (+6.0).",  # meta +1.5 is noise
        # home -2 pts: noise
        "Page speed (Core Web Vitals): the share of category pages passing rose from 50% to 75%.",
        "Paid search revenue rose by $1,000 (33%) to $4,000 in the week of Nov 16, on $1,000 "
        "of spend ($0.00 week over week); each dollar of spend brought back 4.00 (was 3.00).",
    ]
    assert out.next_steps == []  # nothing regressed that has a next step


def test_missing_sections_and_unprofitable_products_say_nothing() -> None:
    coverage = Coverage([], 22, 0, 0.0, [], 0, 0.0)
    out = summarize({"health": Missing("none"), "coverage": coverage}, CFG)
    assert (out.improved, out.regressed, out.next_steps) == ([], [], [])
