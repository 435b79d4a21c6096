"""Products customers cannot judge: SEO-PRODUCT-001's pages, ranked by what they are worth.

The rule (``audits/rules/products/product_page_incomplete.py``) finds product pages in their
category's bottom decile for a part a shopper judges by (description, images, image size,
alt text, reviews, specifications, visible price and availability, brand, GTIN/MPN, video).
This ranks them by value from the workspace, so the pages worth most are completed first:

* ``paid_spend`` / ``paid_revenue``: cost and conversion value of the Search keywords whose
  final URL is the page (``sem_keywords`` x ``sem_keyword_daily``);
* ``shopping_spend`` / ``shopping_revenue``: of the Shopping items whose feed ``link`` is the
  page (``merchant_items`` x ``sem_shopping_daily``, item ids compared case-insensitively);

both over the last ``[merchant] spend_window_days`` days of each table. URLs are compared
without query string, fragment or trailing slash (ads add tracking parameters). Organic
value is not ranked: the workspace holds no organic traffic source (Search Console) yet.
A page with no value in the workspace still appears, after the valued ones, with the most
missing parts first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pandas as pd

from searchops.errors import SearchopsError

if TYPE_CHECKING:
    from searchops.settings import Settings
    from searchops.workspace import Workspace

RULE_ID = "SEO-PRODUCT-001"
COLUMNS = [
    "url", "category", "product_type", "missing", "evidence", "paid_spend", "paid_revenue", "shopping_spend",
    "shopping_revenue", "offer_ids",
]  # fmt: skip
_MONEY = ["paid_spend", "paid_revenue", "shopping_spend", "shopping_revenue"]
# A URL as ads and feeds write it and as the crawl recorded it: no query, fragment or
# trailing slash, one loopback name (tests serve sites on 127.0.0.1 that name localhost).
_KEY = (
    "regexp_replace(regexp_replace(regexp_replace(lower({u}), '[?#].*$', ''), '/$', ''), "
    "'^(https?://)(localhost|127\\.0\\.0\\.1|\\[::1\\])([:/]|$)', '\\1127.0.0.1\\3')"
)


def _key(column: str) -> str:
    return _KEY.replace("{u}", column)


def cannot_judge(
    run: Path, settings: Settings, workspace: Workspace | None = None, *, window_days: int = 28
) -> pd.DataFrame:
    """One row per product page customers cannot judge (``COLUMNS``), most valuable first.

    ``missing``: the parts named, comma-separated; ``evidence``: each with the page's value
    and its category's median; ``category``: the population it was judged in (BreadcrumbList
    path or URL folder); ``product_type``: the feed's product_type of the page's items."""
    from audits.engine import run_audit

    result = run_audit(run, baseline=None, rules=[RULE_ID], skip_rules=None, settings=settings)
    failed = result.rules[result.rules["status"] != "ran"]
    if not failed.empty:
        raise SearchopsError(f"{RULE_ID} did not run on {run}: {failed['reason'].iloc[0]}")
    found = result.findings
    frame = pd.DataFrame(
        {
            "url": found["url"],
            "category": found["message"].str.rsplit(" of ", n=1).str[-1],
            "missing": found["evidence"].map(
                lambda e: ", ".join(p.split("=")[0] for p in str(e).split("; "))
            ),
            "evidence": found["evidence"],
        }
    )
    values = _values(workspace, frame["url"].tolist(), window_days)
    frame = frame.merge(values, on="url", how="left")
    frame[_MONEY] = frame[_MONEY].fillna(0.0)
    frame[["offer_ids", "product_type"]] = frame[["offer_ids", "product_type"]].fillna("")
    frame["_revenue"] = frame["paid_revenue"] + frame["shopping_revenue"]
    frame["_spend"] = frame["paid_spend"] + frame["shopping_spend"]
    frame["_parts"] = frame["missing"].str.count(",") + 1
    frame = frame.sort_values(
        ["_revenue", "_spend", "_parts", "url"], ascending=[False, False, False, True]
    )
    return frame[COLUMNS].reset_index(drop=True)


def _values(workspace: Workspace | None, urls: list[str], window_days: int) -> pd.DataFrame:
    empty = pd.DataFrame(
        {"url": pd.Series([], dtype=str), **{c: pd.Series([], dtype=float) for c in _MONEY},
         "offer_ids": pd.Series([], dtype=str), "product_type": pd.Series([], dtype=str)}
    )  # fmt: skip
    if workspace is None or not urls:
        return empty
    con = workspace.con
    pages = pd.DataFrame({"url": urls})
    con.register("_cannot_judge_pages", pages)
    try:
        frame = con.execute(f"SELECT url, {_key('url')} AS k FROM _cannot_judge_pages").df()
        days = int(window_days)
        if workspace.has_table("sem_keywords") and workspace.has_table("sem_keyword_daily"):
            paid = con.execute(
                f"""
                WITH d AS (SELECT * FROM sem_keyword_daily WHERE date >
                           (SELECT max(date) FROM sem_keyword_daily) - INTERVAL {days} DAY)
                SELECT {_key("k.final_url")} AS k, sum(d.cost) AS paid_spend,
                       sum(coalesce(d.conversions_value_adjusted, d.conversions_value)) AS paid_revenue
                FROM sem_keywords k JOIN d USING (customer_id, campaign_id, ad_group_id, criterion_id)
                WHERE k.final_url IS NOT NULL GROUP BY 1
                """
            ).df()
            frame = frame.merge(paid, on="k", how="left")
        if workspace.has_table("merchant_items") and workspace.has_table("sem_shopping_daily"):
            shopping = con.execute(
                f"""
                WITH d AS (SELECT lower(item_id) AS item, sum(cost) AS spend,
                                  sum(coalesce(conversions_value_adjusted, conversions_value)) AS revenue
                           FROM sem_shopping_daily WHERE date >
                                (SELECT max(date) FROM sem_shopping_daily) - INTERVAL {days} DAY
                           GROUP BY 1),
                     items AS (SELECT DISTINCT {_key("link")} AS k, offer_id, product_type
                               FROM merchant_items
                               WHERE link IS NOT NULL AND offer_id IS NOT NULL)
                SELECT items.k, sum(coalesce(d.spend, 0)) AS shopping_spend,
                       sum(coalesce(d.revenue, 0)) AS shopping_revenue,
                       string_agg(DISTINCT items.offer_id, ' ' ORDER BY items.offer_id) AS offer_ids,
                       string_agg(DISTINCT nullif(trim(items.product_type), ''), '; ') AS product_type
                FROM items LEFT JOIN d ON d.item = lower(items.offer_id)
                WHERE items.k IN (SELECT {_key("url")} FROM _cannot_judge_pages)
                GROUP BY 1
                """
            ).df()
            frame = frame.merge(shopping, on="k", how="left")
    finally:
        con.unregister("_cannot_judge_pages")
    for column in [*_MONEY, "offer_ids", "product_type"]:
        if column not in frame:
            frame[column] = None
    return frame.drop(columns="k")


@click.command("products")
@click.option(
    "--crawl",
    "run",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Run folder of a finished crawl.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@click.option(
    "--limit", type=click.IntRange(min=1), help="Only the N most valuable pages (table: 200)."
)
@click.pass_obj
def products(obj: Any, run: Path, fmt: str, out: Path | None, limit: int | None) -> None:
    """Products customers cannot judge, the most valuable first.

    Product pages in their category's bottom decile for a part shoppers judge by
    (SEO-PRODUCT-001: description, images, image size, alt text, reviews, specifications,
    visible price and availability, brand, GTIN or MPN, video), with the parts named and
    what the page earns: paid_spend / paid_revenue of the Search keywords landing on it and
    shopping_spend / shopping_revenue of its feed items, over the last [merchant]
    spend_window_days (28) in the workspace. Organic value is not ranked (no organic data
    source yet).

    \b
    Examples:
      searchops products --crawl runs/crawl-20261116T050000Z
      searchops products --crawl runs/latest --format csv --out complete-these.csv
    """
    from searchops.console import safe_text, stderr
    from searchops.escaping import json_dumps, terminal_document, write_csv

    if not (run / "pages.parquet").is_file() and not (run / "pages").is_dir():
        raise SearchopsError(f"{safe_text(run)}: not a finished crawl (no pages.parquet)")
    loaded = obj.settings().settings
    window = loaded.merchant.spend_window_days
    if obj.workspace.is_file():
        with obj.open_workspace(read_only=True) as ws:
            ranked = cannot_judge(run, loaded, ws, window_days=window)
    else:
        ranked = cannot_judge(run, loaded, None, window_days=window)
    shown = ranked.head(limit or (200 if fmt == "table" else len(ranked)))
    if fmt == "csv":
        text = write_csv(shown) or ""
    elif fmt == "json":
        text = json_dumps(shown.to_dict("records"), indent=1, default=str) + "\n"
    else:
        text = terminal_document(shown.to_string(index=False)) + "\n" if len(shown) else ""
    if out:
        out.write_text(text, encoding="utf-8")
    elif text:
        click.echo(text, nl=False)
    valued = ranked[(ranked[_MONEY].sum(axis=1)) > 0]
    stderr.print(
        f"{len(ranked):,} products customers cannot judge; {len(valued):,} with spend or revenue "
        f"(spend {valued[['paid_spend', 'shopping_spend']].sum().sum():,.2f}, revenue "
        f"{valued[['paid_revenue', 'shopping_revenue']].sum().sum():,.2f} over {window} days)"
    )
