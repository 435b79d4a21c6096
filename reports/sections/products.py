"""The products section: what shoppers and Google see of each product, and what it costs.

* Feed mismatches: the newest ``merchant check`` (``merchant_findings``, by ``checked_at``):
  findings per kind, in words, with the items and their Shopping spend at risk, and the items
  with the most spend at risk. Spend at risk counts each item once (its Shopping cost over
  the check's window), over the items with an error-severity finding: the ones Google
  disapproves (price, availability, landing page, GTIN); warnings are listed, not summed.
* Completeness: product pages customers cannot judge (rule SEO-PRODUCT-001, the page in
  its category's bottom decile for a part) in the newest audit run of the report's weeks,
  the pages whose feed items spent most on Shopping over the last 28 days first
  (``searchops products`` ranks by Search value too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from merchant.check import at_risk
from reports.config import ReportConfig
from reports.sections.common import Missing, clip, columns, latest_run_per_week, require

COMPLETENESS_RULE = "SEO-PRODUCT-001"
# kind -> (what is wrong, what to do), for a reader who does not know Merchant Center.
KIND_WORDS: dict[str, tuple[str, str]] = {
    "price_mismatch": ("Price on the page differs from the feed", "Send the page's price in the feed (supplemental feed)"),
    "availability_mismatch": ("Stock on the page differs from the feed", "Send the page's availability in the feed"),
    "landing_page_error": ("Landing page fails (404 / 5xx)", "Fix or replace the item's link"),
    "landing_page_blocked": ("Landing page blocked by robots.txt", "Allow the page or change the item's link"),
    "landing_page_noindex": ("Landing page says noindex", "Remove noindex or change the item's link"),
    "landing_page_redirects": ("Landing page redirects", "Link the item to the final URL"),
    "gtin_mismatch": ("GTIN on the page differs from the feed", "Correct the GTIN on one side"),
    "gtin_missing": ("GTIN in the feed, not on the page", "Add the GTIN to the page's markup"),
    "title_differs": ("Feed title does not describe the page's product", "Align the feed title with the page"),
    "image_differs": ("Feed image is not the page's", "Use one of the page's images in the feed"),
    "languages_disagree": ("English and French items disagree", "Make both languages' price and stock agree"),
    "page_not_crawled": ("Item's page not reached by the crawl", "Link the page or list it in a sitemap"),
    "not_in_feed": ("Product page in stock, not in the feed", "Add the product to the feed"),
}  # fmt: skip


@dataclass
class Products:
    """The newest feed check and the completeness findings of the newest audit."""

    checked_at: str
    items: int  # distinct items (offer id + language) with a finding
    findings: int
    errors: int
    items_at_risk: int  # distinct offer ids with an error finding
    spend_at_risk: float
    revenue_at_risk: float
    by_kind: list[dict[str, Any]] = field(default_factory=list)  # products (or pages) per kind
    top: list[dict[str, Any]] = field(default_factory=list)  # one row per item, its problems
    incomplete_count: int | None = None  # None: no audit with the completeness rule
    incomplete: list[dict[str, Any]] = field(default_factory=list)


def _completeness(
    con: duckdb.DuckDBPyConnection, weeks: list[date], cfg: ReportConfig
) -> tuple[int | None, list[dict[str, Any]]]:
    have = columns(con, "findings")
    if not have or not {"run_id", "rule_id", "url", "message"} <= have:
        return None, []
    by_week = latest_run_per_week(con, "findings", weeks)
    if not by_week:
        return None, []
    run_id = by_week[max(by_week)]
    value = "SELECT NULL AS url, 0.0 AS spend WHERE false"
    items, daily = columns(con, "merchant_items"), columns(con, "sem_shopping_daily")
    if items and daily and {"link", "offer_id"} <= items and {"item_id", "cost", "date"} <= daily:
        # the Shopping spend of the items the page is the landing page of, last 28 days
        value = """SELECT i.link AS url, sum(d.cost) AS spend FROM merchant_items i
            JOIN sem_shopping_daily d ON lower(d.item_id) = lower(i.offer_id)
            WHERE d.date > (SELECT max(date) FROM sem_shopping_daily) - INTERVAL 28 DAY
            GROUP BY 1"""
    # an audit against a baseline also records the findings it no longer sees (change 'fixed')
    current = "coalesce(f.change, '') <> 'fixed'" if "change" in have else "true"
    rows = con.execute(
        f"""SELECT f.url, any_value(f.message), coalesce(any_value(v.spend), 0)
            FROM findings f LEFT JOIN ({value}) v ON v.url = f.url
            WHERE f.run_id = ? AND f.rule_id = ? AND {current}
            GROUP BY f.url ORDER BY 3 DESC, f.url""",
        [run_id, COMPLETENESS_RULE],
    ).fetchall()
    shown = [
        {"url": clip(url, cfg.text_limit), "message": clip(message, cfg.text_limit),
         "spend": float(spend)}
        for url, message, spend in rows[: cfg.top_items]
    ]  # fmt: skip
    return len(rows), shown


def load_products(
    con: duckdb.DuckDBPyConnection, weeks: list[date], cfg: ReportConfig
) -> Products | Missing:
    """The section's data (module docstring), or why there is none."""
    absent = Missing(
        "No Merchant feed check in this workspace yet (run searchops merchant import or "
        "merchant pull, then merchant check --crawl RUN)."
    )
    needed = {"kind", "severity", "offer_id", "url", "language", "page_value", "markup_value",
              "feed_value", "spend_at_risk", "revenue_at_risk", "run", "checked_at"}  # fmt: skip
    if problem := require(con, "merchant_findings", needed, absent):
        return problem
    newest = "run = (SELECT run FROM merchant_findings ORDER BY checked_at DESC, run LIMIT 1)"
    head = con.execute(
        f"""SELECT strftime(max(checked_at), '%Y-%m-%d'), count(*),
                   count(*) FILTER (WHERE severity = 'error'),
                   count(DISTINCT (offer_id, language)) FILTER (WHERE offer_id IS NOT NULL)
            FROM merchant_findings WHERE {newest}"""
    ).fetchone()
    assert head is not None
    # the one definition of spend at risk, as `merchant check` and the demo print it
    risk = at_risk(
        con.execute(
            f"""SELECT severity, offer_id, spend_at_risk, revenue_at_risk
                FROM merchant_findings WHERE {newest}"""
        ).df()
    )
    kinds = con.execute(
        f"""SELECT kind, any_value(severity), count(*), count(DISTINCT offer_id),
                   sum(spend_at_risk) FROM (
                SELECT kind, severity, offer_id, max(spend_at_risk) AS spend_at_risk
                FROM merchant_findings WHERE {newest}
                GROUP BY kind, severity, offer_id, coalesce(offer_id, url))
            GROUP BY kind ORDER BY any_value(severity) = 'error' DESC, sum(spend_at_risk) DESC,
                     count(*) DESC, kind"""
    ).fetchall()
    top = con.execute(
        f"""SELECT offer_id, language, list(DISTINCT kind ORDER BY kind), bool_or(severity = 'error'),
                   min(url), max(spend_at_risk), count(*), any_value(page_value),
                   any_value(markup_value), any_value(feed_value)
            FROM merchant_findings WHERE {newest} AND offer_id IS NOT NULL
            GROUP BY offer_id, language
            ORDER BY max(spend_at_risk) DESC, bool_or(severity = 'error') DESC, offer_id, language
            LIMIT ?""",
        [cfg.top_items],
    ).fetchall()
    section = Products(
        checked_at=head[0], findings=int(head[1]), errors=int(head[2]),
        items=int(head[3]), items_at_risk=int(risk[0]), spend_at_risk=float(risk[1]),
        revenue_at_risk=float(risk[2]),
    )  # fmt: skip
    for kind, severity, n, offers, spend in kinds:
        what, do = KIND_WORDS.get(kind, (clip(kind, 40), ""))
        section.by_kind.append({"kind": kind, "what": what, "do": do, "severity": severity,
                                "count": int(n), "items": int(offers),
                                "spend": float(spend or 0.0)})  # fmt: skip
    for offer, lang, item_kinds, error, url, spend, n, page, markup, feed in top:
        shown = markup if markup is not None else page
        section.top.append({
            "offer_id": clip(offer, 40), "language": clip(lang, 8),
            "what": "; ".join(KIND_WORDS.get(k, (k, ""))[0] for k in item_kinds),
            "severity": "error" if error else "warning", "url": clip(url, cfg.text_limit),
            # the values side by side when the item has one finding; several: see the list
            "site": clip(shown, 60) if n == 1 else "", "feed": clip(feed, 60) if n == 1 else "",
            "spend": float(spend or 0.0),
        })  # fmt: skip
    section.incomplete_count, section.incomplete = _completeness(con, weeks, cfg)
    return section
