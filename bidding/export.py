"""Exports of a recommendation: Google Ads Editor CSV, JSON, and the terminal review table.

Google Ads Editor bulk-upload CSV (File > Import > From file), one row per keyword whose bid
changes (``action`` set_bid) or that is paused (``action`` pause):

==============  ==================================================================
Customer ID     the account (digits, no dashes)
Campaign        campaign name (Editor matches rows by names)
Ad group        ad group name
Keyword         keyword text
Criterion Type  match type as Editor spells it: Exact, Phrase, Broad
Max CPC         the new max CPC bid (account currency, two decimals); blank on a pause
Status          ``Paused`` on a pause, blank otherwise (Editor: "Leaving a field blank
                indicates that Google Ads Editor should not make any changes for that item",
                support.google.com/google-ads/editor/answer/57747)
Campaign ID     Google's ids, so ``searchops bid apply`` and Editor match exactly
Ad group ID
Keyword ID      the criterion id
Currency        the account currency the Max CPC is in (ISO code, e.g. EUR; blank when the
                source never said): Editor takes the bid in the account's own currency and
                does not import this column; it tells a reader what the amounts are in
==============  ==================================================================

Every text cell is written by :func:`searchops.escaping.write_csv`: a campaign, ad group or
keyword that starts like a formula (``=``, ``+``, ``-``, ``@``...) is prefixed with ``'`` so
that Excel shows it as text (``bid apply`` matches rows by their ids, never by names).

Only keywords whose bid changes or that are paused are exported; keywords under Smart
Bidding never are (their campaign's strategy ignores a max CPC). ``searchops bid apply``
reads this file back.

``recommendations.json`` holds the summary (totals with intervals, the target marginal ROAS,
``budget_check``: projected spend vs budget and, when it cannot be met, the guardrail limits
that stop it), every keyword's row and the frontier; ``review.txt`` is the terminal review
(the table and the budget line) for people who read the folder, not the terminal.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from bidding.recommend import Recommendation
from searchops.console import safe_text
from searchops.escaping import write_csv

EDITOR_COLUMNS = [
    "Customer ID",
    "Campaign",
    "Ad group",
    "Keyword",
    "Criterion Type",
    "Max CPC",
    "Status",
    "Campaign ID",
    "Ad group ID",
    "Keyword ID",
    "Currency",
]
_MATCH = {"EXACT": "Exact", "PHRASE": "Phrase", "BROAD": "Broad"}


def changed(table: pd.DataFrame, step: float = 0.01) -> pd.DataFrame:
    """Rows that ask something of the account: a new bid or a pause (tables written before
    the ``action`` column: the rows whose bid changes)."""
    if "action" in table.columns:
        return table[table["action"].isin(["set_bid", "pause"])]
    return table[(table["new_bid"] - table["current_bid"]).abs() > step / 2]


def _actions(rows: pd.DataFrame) -> pd.Series:
    if "action" in rows.columns:
        return rows["action"].astype(str)
    return pd.Series("set_bid", index=rows.index)


def editor_frame(
    table: pd.DataFrame, step: float = 0.01, currency: str | None = None
) -> pd.DataFrame:
    rows = changed(table, step)
    pause = _actions(rows).eq("pause")
    return pd.DataFrame(
        {
            # blank when the source never said (an export without Customer ID): never a label
            "Customer ID": rows["customer_id"].astype("string").str.replace("-", "").fillna(""),
            "Campaign": rows["campaign"],
            "Ad group": rows["ad_group"],
            "Keyword": rows["keyword"],
            "Criterion Type": rows["match_type"].map(_MATCH).fillna(rows["match_type"]),
            "Max CPC": rows["new_bid"].map(lambda b: f"{b:.2f}").where(~pause, ""),
            "Status": pause.map({True: "Paused", False: ""}),
            "Campaign ID": rows["campaign_id"],
            "Ad group ID": rows["ad_group_id"],
            "Keyword ID": rows["criterion_id"],
            "Currency": currency or "",
        },
        columns=EDITOR_COLUMNS,
    )


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_outputs(
    rec: Recommendation, out: Path, run_id: str, step: float = 0.01, top: int = 20
) -> dict[str, Path]:
    """``out/bids-editor.csv``, ``out/recommendations.json``, ``out/review.txt``; the paths."""
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "bids-editor.csv"
    write_csv(editor_frame(rec.table, step, rec.summary.get("currency")), csv_path)
    json_path = out / "recommendations.json"
    head = {
        "run_id": run_id,
        "summary": {k: _clean(v) for k, v in rec.summary.items()},
        "frontier": _records(rec.frontier),
    }
    # The recommendations are streamed, one per line, a block of rows at a time: as one
    # payload, 100,000 keywords' records took over a gigabyte of Python objects.
    with json_path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(_finite(head), default=str, allow_nan=False)[:-1])
        fh.write(', "recommendations": [')
        for start in range(0, len(rec.table), _JSON_BLOCK):
            for i, record in enumerate(_records(rec.table.iloc[start : start + _JSON_BLOCK])):
                fh.write(",\n" if start + i else "\n")
                fh.write(json.dumps(_finite(record), default=str, allow_nan=False))
        fh.write("\n]}\n")
    review_path = out / "review.txt"
    console = Console(record=True, file=io.StringIO(), width=200, highlight=False, soft_wrap=True)
    console.print(review_table(rec, top))
    for line in summary_lines(rec):
        console.print(line)
    review_path.write_text(console.export_text(), encoding="utf-8")
    return {"csv": csv_path, "json": json_path, "review": review_path}


_JSON_BLOCK = 5000  # rows per block of the streamed JSON


def _records(frame: pd.DataFrame) -> list[dict[Any, Any]]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: null them."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return _clean(value)


def summary_lines(rec: Recommendation) -> list[str]:
    """The lines under the review table: target, projected spend vs budget (and why not met)."""
    s = rec.summary
    lines = []
    unit = f" {s['currency']}" if s.get("currency") else ""
    if s.get("no_bid_change_reason"):
        lines.append(f"[yellow]{safe_text(s['no_bid_change_reason'], 2000)}[/]")
    if s.get("no_current_bid") or s.get("no_conversion_data") or s.get("stale_current_bid"):
        parts = [
            text
            for count, text in (
                (s.get("no_current_bid", 0), "without a Max CPC (forecast at today's level, "
                 "no bid response)"),
                (s.get("stale_current_bid", 0), "whose current bid was not seen lately (no "
                 "impressions; import a keyword list or pull for today's bids)"),
                (s.get("no_conversion_data", 0), "without conversion data (value unknown)"),
            )
            for text in ([f"{count:,} keywords {text}"] if count else [])
        ]  # fmt: skip
        lines.append(
            f"held, no bid change recommended: {', '.join(parts)}; their spend "
            f"{s['fixed_spend_per_day']:,.2f}{unit}/day at today's level is fixed"
        )
    target = s.get("target_marginal_roas")
    if target is not None and s.get("strategy") == "posterior":
        # no bid is set to a marginal ROAS: each moves only as far as its draws support
        lines.append(
            f"value weighed against cost at marginal ROAS {target:.2f}; each bid moved only "
            f"as far as its gain holds at the {s.get('risk_quantile', 0.2):.0%} quantile of "
            f"its posterior, and only for a mean gain of {s.get('min_move_gain', 0.0):g}{unit}"
            "/day or more (strategy posterior)"
        )
    elif target is not None:
        lines.append(f"target marginal ROAS {target:.2f} (every freely moving bid is set to it)")
    if s.get("paused"):
        lines.append(
            f"{s['paused']:,} keywords to pause (product out of stock, landing page failing "
            "or no conversions): "
            f"spend saved over {s['horizon_days']} days {s['spend_saved']:,.2f} "
            f"[{s['spend_saved_lo']:,.2f}, {s['spend_saved_hi']:,.2f}]"
        )
    if s.get("pause_capped"):
        lines.append(
            f"[yellow]{s['pause_capped']:,} more keywords would be paused, but at most "
            f"{s['pause_cap']:,} pauses per cycle (setting bidding.guardrails.max_pauses): their bids are not "
            "raised instead[/]"
        )
    if s.get("smart_bidding_skipped"):
        lines.append(
            f"{s['smart_bidding_skipped']:,} keywords under Smart Bidding skipped: their "
            "campaigns' bidding strategies set bids (no max CPC sent); their spend "
            f"{s['fixed_spend_per_day']:,.2f}/day is fixed spend, outside the optimization"
        )
    if s.get("holds"):
        counts = ", ".join(f"{code} {count:,}" for code, count in s["holds"].items())
        lines.append(f"bids kept, by reason: {counts}")
    if s.get("paused_no_conversions") or s.get("cut_bid_down"):
        lines.append(
            f"cut for spending without converting: {s.get('paused_no_conversions', 0):,} "
            f"paused, {s.get('cut_bid_down', 0):,} bid down to the step cap (pause cap reached)"
        )
    check = s.get("budget_check")
    if check:
        style = "yellow" if check["status"] in ("over", "under") else ""
        text = safe_text(check["message"], 2000)
        lines.append(f"[{style}]{text}[/]" if style else text)
    return lines


def review_table(rec: Recommendation, top: int = 20) -> Table:
    """The ``top`` changes by expected profit impact, for the terminal."""
    s = rec.summary
    extra = "".join(
        f", {s[key]:,} {label}"
        for key, label in (
            ("paused", "paused"),
            ("smart_bidding_skipped", "under Smart Bidding skipped"),
        )
        if s.get(key)
    )
    unit = f" {s['currency']}" if s.get("currency") else ""
    title = (
        f"{s['raised']} up, {s['lowered']} down, {s['held']} held{extra} of {s['keywords']} "
        "keywords; "
        f"expected profit over {s['horizon_days']} days {s['d_profit']:+,.0f}{unit} "
        f"[{s['d_profit_lo']:+,.0f}, {s['d_profit_hi']:+,.0f}]"
    )
    table = Table(title=title, title_justify="left")
    for col, justify in (
        ("Keyword", "left"),
        ("Match", "left"),
        (f"Bid ({s['currency']})" if s.get("currency") else "Bid", "right"),
        ("New", "right"),
        ("Change", "right"),
        ("Profit (interval)", "right"),
    ):
        table.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    # One reason code per line, never cut: a code split mid-word cannot be searched or copied.
    longest = max((len(c) for c in _codes(rec.table["reasons"])), default=10)
    table.add_column("Reasons", min_width=min(longest, 40), overflow="fold")
    table.add_column("Why", overflow="fold")
    rows = changed(rec.table)
    rows = rows.reindex(rows["d_profit"].abs().sort_values(ascending=False).index).head(top)
    actions = _actions(rows).tolist()
    for action, r in zip(actions, rows.itertuples(index=False), strict=True):
        paused = action == "pause"
        table.add_row(
            safe_text(r.keyword, 40),
            safe_text(r.match_type),
            f"{r.current_bid:.2f}",
            "paused" if paused else f"{r.new_bid:.2f}",
            "pause" if paused else f"{r.change:+.0%}",
            f"{r.d_profit:+,.0f} [{r.d_profit_lo:+,.0f}, {r.d_profit_hi:+,.0f}]",
            "\n".join(safe_text(code, 40) for code in _codes([r.reasons])),
            safe_text(r.reason, 300),
        )
    return table


def _codes(values: Iterable[object]) -> list[str]:
    """The ``;``-joined reason codes of each value, flattened."""
    return [c for v in values for c in str(v or "").split(";") if c]
