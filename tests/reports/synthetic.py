"""A synthetic workspace with every table the weekly report reads, at any size.

The columns follow the stages' table contracts (audits, vitals, sem, bidding);
the numbers are arbitrary but deterministic, and week 2 differs from week 1 in
known ways (fixed and new findings, a slower product template) so the tests can
assert on the deltas.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from searchops.workspace import Workspace

FAMILIES = ("meta", "indexability", "hreflang", "structured_data", "links", "content")
TEMPLATES = ("home", "category", "product")


def week_start(i: int) -> date:
    return date(2026, 11, 9) + timedelta(weeks=i)


RULES = (
    # rule_id, family, severity, message, every n-th page, first and last week present
    ("SEO-META-001", "meta", "error", "Title is missing", 8, (1, 1)),
    ("SEO-META-001", "meta", "error", "Title is missing", 16, (2, 99)),
    ("SEO-HREFLANG-003", "hreflang", "warning", "No return link", 40, (1, 99)),
    ("SEO-SD-002", "structured_data", "error", "Offer price is 0", 24, (2, 99)),
    ("SEO-CONTENT-004", "content", "notice", "Images without alt", 2, (1, 99)),
)


def _findings(run_id: str, pages: int, week: int) -> pd.DataFrame:
    """Findings every n-th page per rule; week 2 fixes half the missing titles, adds price-0."""
    parts = []
    for rule_id, family, severity, message, every, (first, last) in RULES:
        if not first <= week <= last:
            continue
        idx = np.arange(0, pages, every)
        urls = pd.Series(idx).map(lambda p: f"https://shop.example.ca/en-ca/p/{p}")
        parts.append(
            pd.DataFrame(
                {
                    "rule_id": rule_id,
                    "family": family,
                    "severity": severity,
                    "url": urls,
                    "message": message,
                }
            )
        )
    df = pd.concat(parts, ignore_index=True).drop_duplicates(["rule_id", "url"])
    df.insert(0, "run_id", run_id)
    df["evidence"] = ""
    df["fingerprint"] = df["rule_id"] + "|" + df["url"]
    df["change"] = pd.Series(pd.NA, index=df.index, dtype="string")  # no baseline
    return df


PASSING = {"home": 20, "category": 18, "product": 19}  # of 20 sampled pages, in week 1


def _vitals(run_id: str, *, slow: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """vitals_pages / vitals_templates in the vitals stage's long format; 20 pages a template.

    Week 2 on: the product template is slower, only 6 of its 20 pages pass (95% -> 30%).
    """
    rows = []
    for template in TEMPLATES:
        passing = 6 if slow and template == "product" else PASSING[template]
        for i in range(20):
            lcp = 1800.0 if i < passing else 4200.0
            url = f"https://shop.example.ca/{template}/{i}"
            rows += [
                (template, url, "lcp_ms", lcp, "good" if lcp <= 2500 else "poor"),
                (template, url, "cls", 0.02, "good"),
                (template, url, "tbt_ms", 80.0, "good"),
                (template, url, "ttfb_ms", 300.0, "good"),
            ]
    pages = pd.DataFrame(rows, columns=["template", "url", "metric", "p75", "rating"])
    pages = pages.assign(run_id=run_id, p50=pages["p75"], iqr=0.0, n=3, profile="mobile")
    templates = (
        pages.groupby(["template", "metric"], as_index=False)["p75"]
        .quantile(0.75)
        .assign(run_id=run_id, p50=0.0, iqr=0.0, n=60)
    )
    templates["rating"] = [
        ("good" if v <= 2500 else "poor") if m == "lcp_ms" else "good"
        for m, v in zip(templates["metric"], templates["p75"], strict=True)
    ]
    return pages, templates


def build(path: Path, *, pages: int = 400, weeks: int = 2, keywords: int = 50) -> Path:
    rng = np.random.default_rng(0)
    with Workspace(path) as ws:
        for w in range(1, weeks + 1):
            run_id = f"crawl-w{w}"
            monday = week_start(w - 1)
            ws.register_run(
                run_id,
                "crawl",
                started_at=datetime.combine(monday, datetime.min.time()) + timedelta(hours=3),
                week=datetime.combine(monday, datetime.min.time()),
            )
            ws.replace_rows("findings", _findings(run_id, pages, w), "run_id", run_id)
            scores = pd.DataFrame(
                {
                    "run_id": run_id,
                    "family": [*FAMILIES, "overall"],  # audits add the weighted whole
                    "score": [*(70.0 + 5 * w + i for i in range(6)), 60.0 + 5 * w],
                }
            )
            ws.replace_rows("health_scores", scores, "run_id", run_id)
            per_page, per_template = _vitals(run_id, slow=w >= 2)
            ws.replace_rows("vitals_pages", per_page, "run_id", run_id)
            ws.replace_rows("vitals_templates", per_template, "run_id", run_id)
        days = pd.date_range(
            week_start(0) - timedelta(weeks=4), week_start(weeks) - timedelta(days=1)
        )
        kw = np.arange(keywords)
        daily = pd.DataFrame(
            [(d.date(), k) for d in days for k in kw], columns=["date", "keyword_id"]
        )
        daily["clicks"] = rng.poisson(5, len(daily))
        daily["impressions"] = daily["clicks"] * 20
        daily["cost"] = daily["clicks"] * 0.8
        daily["conversions"] = rng.poisson(0.3, len(daily)).astype(float)
        daily["conversions_value"] = daily["conversions"] * 60.0
        ws.append_df("sem_keyword_daily", daily)
        bid_run = "bid-20261123"
        ws.register_run(
            bid_run,
            "bid",
            label="recommend",
            # registered the day it ran, a week after the last crawl: not a week of the report
            week=datetime.combine(week_start(weeks), datetime.min.time()),
            stats={
                "horizon_days": 7,
                "interval_level": 0.9,
                "d_profit_lo": 20.0,
                "d_profit_hi": 90.0,
            },
        )
        recs = pd.DataFrame(
            {
                "run_id": bid_run,
                "created_at": datetime(2026, 11, 23, 4),
                "keyword": [f"red shoes {k}" for k in kw],
                "current_bid": 1.0,
                "new_bid": np.where(kw % 3 == 0, 1.2, np.where(kw % 3 == 1, 0.8, 1.0)),
                "reasons": np.where(
                    kw % 3 == 0, "RAISE_MARGINAL_RETURN;STEP_CAP", "LOWER_MARGINAL_RETURN"
                ),
                "d_clicks": np.where(kw % 3 == 0, 4.0, -2.0),
                "d_cost": np.where(kw % 3 == 0, 5.0, -3.0),
                "d_value": np.where(kw % 3 == 0, 12.0, -1.0),
                "d_profit": np.where(kw % 3 == 0, 3.0, 1.0),
            }
        )
        ws.append_df("bid_recommendations", recs)
        spend = np.linspace(0, 5000, 25)
        frontier = pd.DataFrame(
            {"run_id": bid_run, "point": np.arange(25), "cost": spend, "value": 4 * spend**0.8}
        )
        frontier["chosen"] = frontier["point"] == 12
        ws.append_df("bid_frontier", frontier)
        ws.register_run(
            "coverage-20261123",
            "coverage",
            week=datetime.combine(week_start(weeks), datetime.min.time()),
            stats={"horizon_days": 28},  # the window of spend_at_stake and profit
        )
        profit = np.linspace(100, 5, 30)
        ws.append_df(
            "coverage_opportunities",
            pd.DataFrame(
                {
                    "run_id": "coverage-20261123",
                    "name": [f"Product {i}" for i in range(30)],
                    "url": [f"https://shop.example.ca/en-ca/p/{i}" for i in range(30)],
                    "category": "Camping",
                    "price": 49.99,
                    "profit": profit,
                    "profit_lo": profit / 2,
                    "profit_hi": profit * 2,
                }
            ),
        )
        ws.append_df(
            "coverage_waste",
            pd.DataFrame(
                {
                    "run_id": "coverage-20261123",
                    "url": [f"https://shop.example.ca/en-ca/p/gone-{i}" for i in range(12)],
                    "reason": ["out_of_stock", "not_found", "noindex"] * 4,
                    "channel": "keyword",
                    "keyword": [f"gone {i}" for i in range(12)],
                    "spend_at_stake": np.linspace(300, 10, 12),
                }
            ),
        )
        ws.append_df("ai_access", _ai_access())
        ws.append_df("merchant_findings", merchant_findings())
    return path


def merchant_findings(run: str = "/runs/crawl-w2", checked_at: str = "2026-11-23") -> pd.DataFrame:
    """A `merchant check`: two price mismatches and a 404 (errors; PRICE-1 in two languages,
    counted once), a redirect (warning) and a product missing from the feed."""
    rows = [
        # kind, severity, offer_id, language, page_value, markup_value, feed_value, spend
        ("price_mismatch", "error", "PRICE-1", "en", None, "59.99 CAD", "49.99 CAD", 400.0),
        ("price_mismatch", "error", "PRICE-1", "fr", None, "59.99 CAD", "49.99 CAD", 400.0),
        ("landing_page_error", "error", "GONE-1", "en", "404", None, None, 150.0),
        ("landing_page_redirects", "warning", "MOVED-1", "en", "https://shop.example.ca/x", None, None, 90.0),
        ("not_in_feed", "warning", None, None, "in_stock", None, None, 0.0),
    ]  # fmt: skip
    return pd.DataFrame({
        "kind": [r[0] for r in rows], "severity": [r[1] for r in rows],
        "offer_id": [r[2] for r in rows],
        "url": [f"https://shop.example.ca/{r[3] or 'en'}/p/{(r[2] or 'new').lower()}" for r in rows],
        "language": [r[3] for r in rows], "page_value": [r[4] for r in rows],
        "markup_value": [r[5] for r in rows], "feed_value": [r[6] for r in rows],
        "spend_at_risk": [r[7] for r in rows], "revenue_at_risk": [r[7] * 3 for r in rows],
        "message": "", "run": run, "checked_at": pd.Timestamp(checked_at),
    })  # fmt: skip


def _ai_access() -> pd.DataFrame:
    """A `searchops ai-access` check: a CDN refusing OAI-SearchBot, llms.txt absent."""
    crawlers = [("Googlebot", "search", "ok"), ("OAI-SearchBot", "search", "fail"),
                ("GPTBot", "training", "info"), ("llms.txt", "info", "info")]  # fmt: skip
    return pd.DataFrame(
        {
            "checked_at": pd.Timestamp("2026-11-23 06:00", tz="UTC"),
            "site": "https://shop.example.ca",
            "crawler": [c for c, _, _ in crawlers],
            "purpose": [p for _, p, _ in crawlers],
            "verdict": [v for _, _, v in crawlers],
            "severity": [None, "warning", None, None],
            "message": [
                "",
                "OAI-SearchBot (search) should reach the site but the server "
                "refused: 403 (a browser gets 200)",
                "",
                "/llms.txt absent (404)",
            ],
            "server": [
                "answers 200",
                "refused: 403 (a browser gets 200)",
                "answers 200",
                "absent (404)",
            ],
        }
    )
