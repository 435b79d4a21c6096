"""The SEM workspace tables: one schema, written by every source (API pull, export import, demo).

Every table carries ``source`` (the account a row describes, e.g. ``google-ads:1234567890``,
``microsoft-export:Contoso``, ``demo:seed=0``) and ``pull_id`` (the pull/import/demo run that
wrote it, registered in ``runs`` with ``kind="sem"``). Writing is by replacement, never by
appending duplicates:

* snapshot tables (``sem_keywords``, ``sem_products``, ``sem_bid_landscape``, ``sem_campaigns``,
  ``sem_product_groups``, ``sem_conversion_lag``, ``sem_truth*``): a new pull replaces every
  row of the same ``source``;
* daily tables (``sem_keyword_daily``, ``sem_shopping_daily``, ``sem_search_terms``,
  ``sem_campaign_daily``, ``sem_bid_changes``): a new pull replaces the rows of the same
  ``source`` whose ``date`` lies in the range it pulled for that table (``sem_bid_changes``:
  the change-history window, at most the last 30 days), so weekly incremental pulls accumulate
  history and a re-pull of a week replaces that week.

Money is in account currency units (CAD for the demo), never micros: sources convert.
Ids are Google's int64 ids; exports without ids get stable 63-bit hashes of the names
(:func:`stable_id`), so the same keyword keeps its id across imports.

Columns (``TABLES`` below is the authoritative list, with types):

``sem_keywords`` one row per keyword criterion (current state):
    customer_id, campaign_id, campaign, ad_group_id, ad_group, criterion_id, keyword,
    match_type (EXACT|PHRASE|BROAD), status (ENABLED|PAUSED|REMOVED), cpc_bid (current max CPC;
    the ad group's default when the keyword has none), final_url, lang (en|fr, when known),
    item_id (merchant item id of the product the keyword sells, when known), sku, category,
    bidding_strategy_type (the campaign's: MANUAL_CPC, TARGET_ROAS, ...), smart_bidding (TRUE
    when that strategy sets bids itself and ignores the keyword's max CPC: bid changes are
    pointless; NULL when the source does not say), currency (the account's ISO code, e.g.
    CAD or EUR: what every money column of the source is in; NULL when the source does not
    say).
``sem_keyword_daily`` one row per keyword and day:
    date, customer_id, campaign_id, ad_group_id, criterion_id, cpc_bid (the max CPC in effect
    that day, time-weighted over the day when it changed; from the API it is rebuilt from the
    change history, ``sem_bid_changes``, because keyword_view reports today's bid on every
    date: NULL for days before the change history the source could give (the API keeps 30
    days; an earlier pull's value for the same day is kept)), clicks, impressions, cost,
    conversions, conversions_value (by click date, as reported), conversion_completeness,
    conversions_adjusted, conversions_value_adjusted (see below).
``sem_shopping_daily`` one row per product item and day (shopping_performance_view):
    date, customer_id, campaign_id, ad_group_id, item_id, clicks, impressions, cost,
    conversions, conversions_value, conversion_completeness, conversions_adjusted,
    conversions_value_adjusted.
``sem_campaigns`` one row per campaign (current state):
    customer_id, campaign_id, campaign, status, channel_type (SEARCH|SHOPPING|...),
    bidding_strategy_type, smart_bidding (as in ``sem_keywords``), budget_id, budget_amount
    (campaign_budget.amount_micros: the average daily budget), budget_delivery
    (STANDARD|ACCELERATED), budget_shared (a budget shared by several campaigns).
``sem_campaign_daily`` one row per campaign and day:
    date, customer_id, campaign_id, clicks, impressions, cost, conversions, conversions_value,
    conversions_by_conversion_date, conversions_value_by_conversion_date (attributed to the
    day of the conversion, not of the click), search_impression_share,
    search_budget_lost_impression_share, search_rank_lost_impression_share (0..1; Google
    reports shares under 10% as 0.0999 and lost shares over 90% as 0.9001),
    conversion_completeness, conversions_adjusted, conversions_value_adjusted.
``sem_bid_changes`` keyword max-CPC changes from the account's change history (change_event):
    date and changed_at (account time zone), customer_id, campaign_id, ad_group_id,
    criterion_id, level (keyword: the keyword's own bid; ad_group: its ad group's default bid,
    which a keyword without a bid of its own uses: one row per such keyword), operation
    (CREATE|UPDATE|REMOVE), old_bid, new_bid, client_type (where the change was made),
    change_id (the change event's resource name).
``sem_product_groups`` Shopping listing groups (ad_group_criterion listing_group): the
    biddable product-group tree of each Shopping ad group:
    customer_id, campaign_id, ad_group_id, criterion_id, parent_criterion_id (NULL at the
    root), node_type (SUBDIVISION|UNIT), dimension (item_id|brand|product_type|category|
    custom_attribute|condition|channel; NULL at the root), value (lower-case for item ids, as
    Google stores them; NULL for the "everything else" node of its dimension), negative
    (excluded), status, cpc_bid (units only).
``sem_conversion_lag`` the account's conversion lag curve, estimated from the conversion lag
    buckets of clicks old enough to have converted (``sample_since..sample_until``):
    customer_id, lag_days (d), share (of a click's eventual conversions made on day d after
    it), completeness (share made before day d: what a report shows d days after the click),
    sample_conversions.

Week- and Month-segmented exports (``period``): a row of a Week (Month) report is the total of
its Monday-to-Sunday week (calendar month), clipped to the report's date range and to
yesterday. It is written as one row per day of that span, marked ``period`` WEEK (MONTH), so
that every per-day rate (clicks/day, cost/day, exposure in days) reads it correctly: clicks
and impressions are apportioned in whole units as evenly as the days allow (the counts of
the span are exact, ``floor((i + 1) * n / d) - floor(i * n / d)`` on day ``i`` of ``d``),
cost, conversions and conversion value follow the clicks (each day's CPC, conversion rate
and value per conversion are the period's). What such rows cannot say, the day-to-day variation
and the weekday pattern within the period, they do not pretend to: within it they are even.

Conversion lag: Google reports conversions on the day of the click, so the last days are
under-counted until their late conversions arrive. ``conversion_completeness`` of a daily row is
the lag curve's completeness at the row's age on the pull day (1 for old rows);
``conversions_adjusted`` and ``conversions_value_adjusted`` are the reported values divided
by it (NULL where completeness is under ``[sem] conversion_lag_min_completeness``: too
little has arrived to scale up). The reported columns stay as Google's UI shows them.
``sem_products`` the shopping_product snapshot (Merchant Center items seen by Google Ads):
    customer_id, item_id, title, brand, category, price, currency, language, status
    (ELIGIBLE|ELIGIBLE_LIMITED|NOT_ELIGIBLE), availability (IN_STOCK|OUT_OF_STOCK|PREORDER),
    campaign_id, ad_group_id.
``sem_bid_landscape`` ad_group_criterion_simulation CPC bid points (totals over start..end):
    customer_id, ad_group_id, criterion_id, start_date, end_date, cpc_bid, clicks, impressions,
    cost, conversions, conversions_value.
``sem_search_terms`` search_term_view by day:
    date, customer_id, campaign_id, ad_group_id, criterion_id, search_term, keyword,
    match_type, status, clicks, impressions, cost, conversions, conversions_value.
``sem_truth`` (demo only) the true parameters of each keyword; expected clicks on a day with
    bid ``x`` are ``min(click_ceiling, a * x ** elasticity) * season`` (``season`` from
    ``sem_truth_season`` by weekday), cost per click is ``cpc_ratio * x``, conversions are
    ``clicks * cvr``, value is ``conversions * value_per_conversion``:
    criterion_id, ad_group_id, campaign_id, category, a, elasticity, click_ceiling,
    impression_ceiling, ctr, cpc_ratio, cvr, value_per_conversion, base_bid.
``sem_truth_season`` (demo only) dow (0 = Monday), multiplier (mean 1 over the week).
``sem_truth_conversion_lag`` (demo only) lag_days, share: the true lag curve.
``sem_truth_coverage`` (demo only) what the coverage feature must find:
    kind (uncovered: in-stock catalog product without keywords or shopping coverage;
    wasted: paid coverage pointing at a product that is out of stock, 404 or noindex),
    reason (in_stock_uncovered|out_of_stock|not_found|noindex), item_id, sku, url,
    criterion_id (wasted keywords; NULL for uncovered products and shopping items).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from searchops.errors import SearchopsError
from searchops.workspace import Workspace

_COMMON = [("source", "VARCHAR"), ("pull_id", "VARCHAR")]
_METRICS = [
    ("clicks", "BIGINT"),
    ("impressions", "BIGINT"),
    ("cost", "DOUBLE"),
    ("conversions", "DOUBLE"),
    ("conversions_value", "DOUBLE"),
]
# Conversion-lag correction of a daily row (see ``sem_conversion_lag``).
_LAG = [
    ("conversion_completeness", "DOUBLE"),
    ("conversions_adjusted", "DOUBLE"),
    ("conversions_value_adjusted", "DOUBLE"),
]
# The report segment a daily row was spread from: NULL for a day's own row, WEEK or MONTH for
# a Week- or Month-segmented export (see ``period`` above).
_PERIOD = [("period", "VARCHAR")]

TABLES: dict[str, list[tuple[str, str]]] = {
    "sem_keywords": [
        *_COMMON,
        ("customer_id", "VARCHAR"),
        ("campaign_id", "BIGINT"),
        ("campaign", "VARCHAR"),
        ("ad_group_id", "BIGINT"),
        ("ad_group", "VARCHAR"),
        ("criterion_id", "BIGINT"),
        ("keyword", "VARCHAR"),
        ("match_type", "VARCHAR"),
        ("status", "VARCHAR"),
        ("cpc_bid", "DOUBLE"),
        # the day cpc_bid was seen: a pull's day, a keyword list's last report day, else the
        # day of the keyword's last row in a daily report (no row on a day without impressions,
        # so a bid moved since is not in it); NULL when not known (older workspaces)
        ("bid_as_of", "DATE"),
        ("final_url", "VARCHAR"),
        ("lang", "VARCHAR"),
        ("item_id", "VARCHAR"),
        ("sku", "VARCHAR"),
        ("category", "VARCHAR"),
        ("bidding_strategy_type", "VARCHAR"),
        ("smart_bidding", "BOOLEAN"),
        ("currency", "VARCHAR"),
    ],
    "sem_keyword_daily": [
        *_COMMON,
        ("date", "DATE"),
        ("customer_id", "VARCHAR"),
        ("campaign_id", "BIGINT"),
        ("ad_group_id", "BIGINT"),
        ("criterion_id", "BIGINT"),
        ("cpc_bid", "DOUBLE"),
        *_METRICS,
        *_LAG,
        *_PERIOD,
    ],
    "sem_shopping_daily": [
        *_COMMON,
        ("date", "DATE"),
        ("customer_id", "VARCHAR"),
        ("campaign_id", "BIGINT"),
        ("ad_group_id", "BIGINT"),
        ("item_id", "VARCHAR"),
        *_METRICS,
        *_LAG,
        *_PERIOD,
    ],
    "sem_campaigns": [
        *_COMMON,
        ("customer_id", "VARCHAR"),
        ("campaign_id", "BIGINT"),
        ("campaign", "VARCHAR"),
        ("status", "VARCHAR"),
        ("channel_type", "VARCHAR"),
        ("bidding_strategy_type", "VARCHAR"),
        ("smart_bidding", "BOOLEAN"),
        ("budget_id", "BIGINT"),
        ("budget_amount", "DOUBLE"),
        ("budget_delivery", "VARCHAR"),
        ("budget_shared", "BOOLEAN"),
    ],
    "sem_campaign_daily": [
        *_COMMON,
        ("date", "DATE"),
        ("customer_id", "VARCHAR"),
        ("campaign_id", "BIGINT"),
        *_METRICS,
        ("conversions_by_conversion_date", "DOUBLE"),
        ("conversions_value_by_conversion_date", "DOUBLE"),
        ("search_impression_share", "DOUBLE"),
        ("search_budget_lost_impression_share", "DOUBLE"),
        ("search_rank_lost_impression_share", "DOUBLE"),
        *_LAG,
    ],
    "sem_bid_changes": [
        *_COMMON,
        ("date", "DATE"),
        ("changed_at", "TIMESTAMP"),
        ("customer_id", "VARCHAR"),
        ("campaign_id", "BIGINT"),
        ("ad_group_id", "BIGINT"),
        ("criterion_id", "BIGINT"),
        ("level", "VARCHAR"),
        ("operation", "VARCHAR"),
        ("old_bid", "DOUBLE"),
        ("new_bid", "DOUBLE"),
        ("client_type", "VARCHAR"),
        ("change_id", "VARCHAR"),
    ],
    "sem_product_groups": [
        *_COMMON,
        ("customer_id", "VARCHAR"),
        ("campaign_id", "BIGINT"),
        ("ad_group_id", "BIGINT"),
        ("criterion_id", "BIGINT"),
        ("parent_criterion_id", "BIGINT"),
        ("node_type", "VARCHAR"),
        ("dimension", "VARCHAR"),
        ("value", "VARCHAR"),
        ("negative", "BOOLEAN"),
        ("status", "VARCHAR"),
        ("cpc_bid", "DOUBLE"),
    ],
    "sem_conversion_lag": [
        *_COMMON,
        ("customer_id", "VARCHAR"),
        ("lag_days", "INTEGER"),
        ("share", "DOUBLE"),
        ("completeness", "DOUBLE"),
        ("sample_since", "DATE"),
        ("sample_until", "DATE"),
        ("sample_conversions", "DOUBLE"),
    ],
    "sem_products": [
        *_COMMON,
        ("customer_id", "VARCHAR"),
        ("item_id", "VARCHAR"),
        ("title", "VARCHAR"),
        ("brand", "VARCHAR"),
        ("category", "VARCHAR"),
        ("price", "DOUBLE"),
        ("currency", "VARCHAR"),
        ("language", "VARCHAR"),
        ("status", "VARCHAR"),
        ("availability", "VARCHAR"),
        ("campaign_id", "BIGINT"),
        ("ad_group_id", "BIGINT"),
    ],
    "sem_bid_landscape": [
        *_COMMON,
        ("customer_id", "VARCHAR"),
        ("ad_group_id", "BIGINT"),
        ("criterion_id", "BIGINT"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("cpc_bid", "DOUBLE"),
        ("clicks", "DOUBLE"),
        ("impressions", "DOUBLE"),
        ("cost", "DOUBLE"),
        ("conversions", "DOUBLE"),
        ("conversions_value", "DOUBLE"),
    ],
    "sem_search_terms": [
        *_COMMON,
        ("date", "DATE"),
        ("customer_id", "VARCHAR"),
        ("campaign_id", "BIGINT"),
        ("ad_group_id", "BIGINT"),
        ("criterion_id", "BIGINT"),
        ("search_term", "VARCHAR"),
        ("keyword", "VARCHAR"),
        ("match_type", "VARCHAR"),
        ("status", "VARCHAR"),
        *_METRICS,
        *_PERIOD,
    ],
    "sem_truth": [
        *_COMMON,
        ("criterion_id", "BIGINT"),
        ("ad_group_id", "BIGINT"),
        ("campaign_id", "BIGINT"),
        ("category", "VARCHAR"),
        ("a", "DOUBLE"),
        ("elasticity", "DOUBLE"),
        ("click_ceiling", "DOUBLE"),
        ("impression_ceiling", "DOUBLE"),
        ("ctr", "DOUBLE"),
        ("cpc_ratio", "DOUBLE"),
        ("cvr", "DOUBLE"),
        ("value_per_conversion", "DOUBLE"),
        ("base_bid", "DOUBLE"),
    ],
    "sem_truth_season": [*_COMMON, ("dow", "INTEGER"), ("multiplier", "DOUBLE")],
    "sem_truth_conversion_lag": [*_COMMON, ("lag_days", "INTEGER"), ("share", "DOUBLE")],
    "sem_truth_coverage": [
        *_COMMON,
        ("kind", "VARCHAR"),
        ("reason", "VARCHAR"),
        ("item_id", "VARCHAR"),
        ("sku", "VARCHAR"),
        ("url", "VARCHAR"),
        ("criterion_id", "BIGINT"),
    ],
}

DAILY_TABLES = frozenset(
    {
        "sem_keyword_daily",
        "sem_shopping_daily",
        "sem_search_terms",
        "sem_campaign_daily",
        "sem_bid_changes",
    }
)

_PANDAS_DTYPES: dict[str, Any] = {
    "VARCHAR": "string",
    "BIGINT": "Int64",
    "INTEGER": "Int64",
    "DOUBLE": "float64",
    "DATE": "datetime64[ns]",
    "TIMESTAMP": "datetime64[ns]",
    "BOOLEAN": "boolean",
}


def columns(table: str) -> list[str]:
    return [name for name, _ in TABLES[table]]


def stable_id(*parts: object) -> int:
    """A positive 63-bit id from names, the same on every import (for exports without ids)."""
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def conform(table: str, df: pd.DataFrame, only: Sequence[str] | None = None) -> pd.DataFrame:
    """``df`` with exactly the table's columns (or those of them in ``only``), in order, with
    its types (missing -> NULL)."""
    if table not in TABLES:
        raise SearchopsError(f"unknown SEM table {table!r}; known: {', '.join(TABLES)}")
    out = pd.DataFrame(index=df.index)
    for name, sql_type in TABLES[table]:
        if only is not None and name not in only:
            continue
        dtype = _PANDAS_DTYPES[sql_type]
        values = df[name] if name in df.columns else pd.Series(pd.NA, index=df.index)
        if sql_type in ("DATE", "TIMESTAMP"):
            out[name] = pd.to_datetime(values)
        elif dtype == "float64":
            out[name] = pd.to_numeric(values).astype("float64")
        else:
            out[name] = values.astype(dtype)
    return out.reset_index(drop=True)


def ensure_tables(workspace: Workspace, tables: Sequence[str] = tuple(TABLES)) -> None:
    """Create the tables; add the columns a workspace written by an older version lacks."""
    for table in tables:
        cols = ", ".join(f'"{name}" {sql_type}' for name, sql_type in TABLES[table])
        workspace.con.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({cols})')
        have = {
            row[0]
            for row in workspace.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                [table],
            ).fetchall()
        }
        for name, sql_type in TABLES[table]:
            if name not in have:
                workspace.con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {sql_type}')


def write(
    workspace: Workspace,
    table: str,
    df: pd.DataFrame,
    *,
    source: str,
    pull_id: str,
    since: date | None = None,
    until: date | None = None,
) -> int:
    """Replace ``source``'s rows of ``table`` (only ``since..until`` for daily tables) by ``df``.

    Call inside ``workspace.transaction()`` when several tables must change together.
    Returns the number of rows written. The rows are stored sorted (by every column, in the
    table's column order), not in the order the file or the API gave them: what is read back
    in table order (the ROI fit's rows, its sums) is then the same whatever that order was.
    """
    ensure_tables(workspace, [table])
    frame = conform(table, df.assign(source=source, pull_id=pull_id))
    if table in DAILY_TABLES and since is not None and until is not None:
        workspace.con.execute(
            f'DELETE FROM "{table}" WHERE source = ? AND date BETWEEN ? AND ?',
            [source, since, until],
        )
    else:
        workspace.con.execute(f'DELETE FROM "{table}" WHERE source = ?', [source])
    workspace.con.register("_sem_incoming", frame)
    try:
        workspace.con.execute(
            f'INSERT INTO "{table}" BY NAME SELECT * FROM _sem_incoming ORDER BY ALL'
        )
    finally:
        workspace.con.unregister("_sem_incoming")
    return len(frame)


def write_query(
    workspace: Workspace,
    table: str,
    query: str,
    *,
    source: str,
    pull_id: str,
    since: date | None = None,
    until: date | None = None,
) -> int:
    """:func:`write` for rows that never become a DataFrame: those of a SQL ``query`` (its
    columns named as the table's; others NULL), cast to the table's types inside DuckDB."""
    ensure_tables(workspace, [table])
    con = workspace.con
    have = {d[0] for d in con.execute(f"SELECT * FROM ({query}) LIMIT 0").description}
    cols = [(n, t) for n, t in TABLES[table] if n in have and n not in ("source", "pull_id")]
    if table in DAILY_TABLES and since is not None and until is not None:
        con.execute(
            f'DELETE FROM "{table}" WHERE source = ? AND date BETWEEN ? AND ?',
            [source, since, until],
        )
    else:
        con.execute(f'DELETE FROM "{table}" WHERE source = ?', [source])
    select = ", ".join(f'CAST("{n}" AS {t}) AS "{n}"' for n, t in cols)
    row = con.execute(
        f'INSERT INTO "{table}" BY NAME SELECT ? AS source, ? AS pull_id, {select} FROM ({query})'
        " ORDER BY ALL",
        [source, pull_id],
    ).fetchone()
    return int(row[0]) if row else 0


def read(
    workspace: Workspace,
    table: str,
    source: str | None = None,
    only: Sequence[str] | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """Rows of ``table`` (optionally of one ``source``) with the documented columns, or only
    those in ``only`` (a 100k-keyword daily table is gigabytes with its text columns)."""
    if not workspace.has_table(table):
        return conform(table, pd.DataFrame(columns=columns(table)), only)
    where, params = [], []
    if source is not None:
        where.append("source = ?")
        params.append(source)
    for key, value in filters.items():
        where.append(f'"{key}" = ?')
        params.append(value)
    select = "*" if only is None else ", ".join(f'"{c}"' for c in only)
    sql = f'SELECT {select} FROM "{table}"' + (" WHERE " + " AND ".join(where) if where else "")
    return conform(table, workspace.con.execute(sql, params).df(), only)


def sources(workspace: Workspace) -> list[str]:
    """The sources with keywords in the workspace, newest pull first."""
    if not workspace.has_table("sem_keywords"):
        return []
    rows = workspace.con.execute(
        "SELECT k.source FROM sem_keywords k LEFT JOIN runs r ON r.run_id = k.pull_id "
        "GROUP BY k.source ORDER BY max(r.started_at) DESC NULLS LAST, k.source"
    ).fetchall()
    return [r[0] for r in rows]


def source_currency(workspace: Workspace, source: str | None = None) -> str | None:
    """The currency (ISO code) a source's export or pull said (the newest source by default);
    None when it never said (older workspaces, exports without a Currency code column and no
    --currency)."""
    if not workspace.has_table("sem_keywords"):
        return None
    have = {
        r[0]
        for r in workspace.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'sem_keywords'"
        ).fetchall()
    }
    if "currency" not in have:
        return None
    source = source or next(iter(sources(workspace)), None)
    row = workspace.con.execute(
        "SELECT min(currency) FROM sem_keywords WHERE source = ? AND currency IS NOT NULL",
        [source],
    ).fetchone()
    return str(row[0]) if row and row[0] else None
