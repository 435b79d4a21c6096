"""Why revenue changed: the week's change split into causes planted in a workspace, with
amounts that add up exactly to the change."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from reports.drivers import _largest_remainder, decompose
from reports.weekly import write_report
from searchops.workspace import Workspace
from tests.reports.test_weekly import summary_numbers_not_in_their_section, text_of

BEFORE, AFTER = date(2026, 11, 16), date(2026, 11, 23)


def _planted(path: Path) -> Path:
    """Week over week, per entity (clicks, revenue; bid for keywords):

    * 10 Shopping items and 10 keywords at unchanged bids: demand falls 20% (100 -> 80
      clicks at $10 a click): -$4,000 of demand;
    * 5 keywords whose bid rose 1.00 -> 1.50: 100 -> 120 clicks at $10: +$200 each, of which
      demand (-20%) is -$200 and the bid +$400: -$1,000 demand, +$2,000 bids;
    * 3 keywords at unchanged bids whose value per click halves: 100 -> 80 clicks,
      $1,000 -> $400: clicks -20 x $7.50 = -$150 demand, value -$5 x 90 = -$450 each;
    * 2 keywords of a product now out of stock: $1,000 -> $0: -$2,000;
    * 1 keyword landing on a page that now answers 404: $500 -> $100: -$400.
    """
    kw, shop = [], []

    def add(rows, entity, campaign, week, clicks, value, bid=None):
        for day in range(7):  # full weeks; the week's totals on its Monday
            first = day == 0
            row = {
                "date": pd.Timestamp(week) + pd.Timedelta(days=day),
                "source": "google-ads:1",
                "campaign_id": campaign,
                "ad_group_id": 7,
                "clicks": clicks if first else 0,
                "impressions": 10 * clicks if first else 0,
                "cost": float(clicks) if first else 0.0,
                "conversions": value / 50 if first else 0.0,
                "conversions_value": float(value) if first else 0.0,
                "conversion_completeness": 1.0,
            }
            if bid is None:
                row["item_id"] = entity
            else:
                row |= {"criterion_id": entity, "cpc_bid": bid}
            rows.append(row)

    for i in range(10):
        add(shop, f"SKU-{i}", 30, BEFORE, 100, 1000)
        add(shop, f"SKU-{i}", 30, AFTER, 80, 800)
        add(kw, 100 + i, 20, BEFORE, 100, 1000, bid=1.0)
        add(kw, 100 + i, 20, AFTER, 80, 800, bid=1.0)
    for i in range(5):
        add(kw, 200 + i, 21, BEFORE, 100, 1000, bid=1.0)
        add(kw, 200 + i, 21, AFTER, 120, 1200, bid=1.5)
    for i in range(3):
        add(kw, 300 + i, 20, BEFORE, 100, 1000, bid=1.0)
        add(kw, 300 + i, 20, AFTER, 80, 400, bid=1.0)
    for i in range(2):
        add(kw, 400 + i, 22, BEFORE, 100, 1000, bid=1.0)
    add(kw, 500, 22, BEFORE, 50, 500, bid=1.0)
    add(kw, 500, 22, AFTER, 10, 100, bid=1.0)
    with Workspace(path) as ws:
        ws.append_df("sem_keyword_daily", pd.DataFrame(kw))
        ws.append_df("sem_shopping_daily", pd.DataFrame(shop))
        ws.append_df(
            "sem_keywords",
            pd.DataFrame(
                {
                    "criterion_id": [
                        *range(100, 110),
                        *range(200, 205),
                        300,
                        301,
                        302,
                        400,
                        401,
                        500,
                    ],
                    "campaign_id": [20] * 10 + [21] * 5 + [20] * 3 + [22] * 3,
                    "campaign": ["Search | tents"] * 10
                    + ["Search | <b>skis</b>"] * 5
                    + ["Search | tents"] * 3
                    + ["Search | stoves"] * 3,
                    "item_id": [f"KW-{i}" for i in range(18)] + ["STOVE", "STOVE", "LAMP"],
                    "status": "ENABLED",
                }
            ),
        )
        ws.append_df(
            "sem_products",
            pd.DataFrame(
                {"item_id": ["STOVE", "SKU-0"], "availability": ["OUT_OF_STOCK", "IN_STOCK"]}
            ),
        )
        ws.register_run("cov", "coverage", stats={"horizon_days": 28})
        ws.append_df(
            "coverage_waste",
            pd.DataFrame(
                {
                    "run_id": "cov",
                    "channel": "keyword",
                    "reason": "not_found",
                    "criterion_id": [500],
                    "item_id": ["LAMP"],
                    "url": ["https://shop.example.ca/lamp"],
                    "keyword": ["lamp"],
                    "spend_at_stake": [10.0],
                }
            ),
        )
    return path


EXPECTED = {
    "demand": -4000.0 - 1000.0 - 450.0,
    "bids": 2000.0,
    "value_per_click": -1350.0,
    "out_of_stock": -2000.0,
    "landing_pages": -400.0,
    "paused": 0.0,
}


def test_planted_causes_are_found_and_add_up_to_the_change(tmp_path: Path) -> None:
    with Workspace(_planted(tmp_path / "ws.duckdb"), read_only=True) as ws:
        drivers = decompose(
            ws.con, BEFORE, AFTER, bid_change_tolerance=0.02, top_campaigns=2, text_limit=120
        )
    assert drivers is not None
    assert drivers.total == pytest.approx(sum(EXPECTED.values())) and drivers.total == -7200
    for key, amount in EXPECTED.items():
        assert drivers.amount(key) == pytest.approx(amount), key
    assert drivers.demand_ratio == pytest.approx(0.8)
    assert drivers.entities == {"out_of_stock": 2, "landing_pages": 1, "paused": 0, "bids": 5}
    # Exactly: the parts (Other included) add up to the total, as amounts and as shown.
    assert sum(a for _, _, a, _ in drivers.lines) == pytest.approx(drivers.total, abs=1e-6)
    assert sum(s for *_, s in drivers.lines) == drivers.total_shown == -7200
    assert sum(s for *_, s in drivers.by_campaign) == drivers.total_shown
    assert [name for name, *_ in drivers.by_campaign] == [
        "Search | tents", "Search | stoves", "2 other campaigns",
    ]  # fmt: skip


def test_the_report_says_why_in_numbers_its_section_shows(tmp_path: Path) -> None:
    html = write_report(_planted(tmp_path / "ws.duckdb"), tmp_path / "r.html").read_text()
    text = text_of(html)
    assert (
        "Why revenue fell: the -$7,200 change comes from demand (searches and clicks at "
        "unchanged bids) -$5,450, bid changes +$2,000, products out of stock -$2,000, "
        "conversion rate and order value -$1,350, landing pages broken or hidden from search "
        "-$400." in text
    )
    assert "Start with the largest cause of the $7,200 drop, demand" in text
    assert "Why revenue changed, week of Nov 23" in text and "Total -$7,200" in text
    assert "&lt;b&gt;skis&lt;/b&gt;" in html and "<b>skis" not in html  # campaign names escaped
    assert summary_numbers_not_in_their_section(html) == []


@pytest.mark.parametrize(
    "amounts",
    [[0.4, 0.4, 0.4, -1.2], [1.5, 2.5, -0.5], [1234.567, -8.9, 0.333, 1e-9], [-0.49, -0.49]],
)
def test_rounded_parts_add_up_to_the_rounded_total(amounts: list[float]) -> None:
    shown, total = _largest_remainder(amounts, sum(amounts))
    assert sum(shown) == total == round(sum(amounts) + 1e-12)
    assert all(abs(s - a) < 1 for s, a in zip(shown, amounts, strict=True))
