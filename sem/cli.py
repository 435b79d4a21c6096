"""``searchops sem``: pull, import and model SEM campaign data (``sem demo``: demo/sem_cli.py)."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import click
import pandas as pd

from searchops.console import safe_text, stderr, stdout
from searchops.errors import SearchopsError
from searchops.escaping import json_dumps, write_csv
from searchops.plugins import SEM, PluginGroup
from searchops.tls import trust_ca_file


@click.group(cls=PluginGroup, plugin_group=SEM)
def sem() -> None:
    """Pull, import and model SEM (paid search) campaign data.

    \b
    Examples:
      searchops sem demo --keywords 10000 --days 90        # synthetic account with known truth
      searchops sem pull --customer-id 1234567890 --since 2026-01-01 --until 2026-03-31
      searchops sem import keywords.csv --platform auto      # Google Ads / Microsoft export
      searchops sem roi --level campaign
    """


@sem.command()
@click.option(
    "--customer-id",
    "customer_ids",
    required=True,
    multiple=True,
    help="Google Ads customer id (123-456-7890); repeat or comma-separate for several.",
)
@click.option(
    "--all-clients",
    is_flag=True,
    help="The ids are manager accounts: pull every enabled client account under them.",
)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day.")
@click.option("--login-customer-id", help="Manager (MCC) account id, when pulling through one.")
@click.option(
    "--google-ads-config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="google-ads.yaml (default: ~/google-ads.yaml, else GOOGLE_ADS_* env variables).",
)
@click.option("--endpoint", help="API endpoint host:port (default Google's; a local server).")
@click.option(
    "--ca-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trust this root certificate (PEM) for TLS, e.g. the local server's.",
)
@click.pass_obj
def pull(
    obj: Any,
    customer_ids: tuple[str, ...],
    all_clients: bool,
    since: Any,
    until: Any,
    login_customer_id: str | None,
    google_ads_config: Path | None,
    endpoint: str | None,
    ca_file: Path | None,
) -> None:
    """Pull keywords, daily metrics with the bid of each day (from the change history),
    campaigns with budgets and lost impression share, Shopping performance and product-group
    bids, search terms, bid landscapes, products and the conversion lag curve from the Google
    Ads API (SearchStream, with retries) into the workspace.

    Credentials: google-ads.yaml or the library's GOOGLE_ADS_* variables
    (GOOGLE_ADS_DEVELOPER_TOKEN, GOOGLE_ADS_CLIENT_ID, GOOGLE_ADS_CLIENT_SECRET,
    GOOGLE_ADS_REFRESH_TOKEN, ...). For a short-lived access token instead of a refresh
    token (the local demo server), set GOOGLE_ADS_DEVELOPER_TOKEN and
    SEARCHOPS_ADS_ACCESS_TOKEN. Credentials are never logged or written anywhere.

    Each account is saved as soon as it is pulled (source google-ads:ID): when one fails,
    the accounts before it stay in the workspace and the failed one keeps its earlier data.
    A re-pull of the same account replaces its snapshot and the pulled days. Google keeps 30
    days of change history: older days get the bid an earlier pull saw, else none.

    \b
    Examples:
      searchops sem pull --customer-id 123-456-7890 --since 2026-01-01 --until 2026-03-31
      searchops sem pull --customer-id 1234567890,2345678901 --since 2026-03-01 --until 2026-03-07
      searchops sem pull --customer-id 987-654-3210 --all-clients --since 2026-03-01 \\
          --until 2026-03-07 --google-ads-config ./google-ads.yaml
    """
    from sem import ads_api

    if since > until:
        raise SearchopsError("--since must not be after --until")
    ids = [ads_api.normalize_customer_id(i) for value in customer_ids for i in value.split(",")
           if i.strip()]  # fmt: skip
    if ca_file is not None:
        trust_ca_file(ca_file)
    policy = ads_api.RetryPolicy.from_settings(obj.settings().settings)
    options = ads_api.PullOptions.from_settings(obj.settings().settings)
    targets: list[tuple[str, str | None]] = []  # (client id, login customer id)
    if all_clients:
        for manager in ids:
            via = login_customer_id or manager
            lister = ads_api.client_from_environment(google_ads_config, via, endpoint)
            found = ads_api.client_accounts(lister, manager, policy)
            stderr.print(f"manager {manager}: {len(found)} client account(s)")
            targets += [(client_id, via) for client_id in found]
    else:
        targets = [(i, login_customer_id) for i in ids]
    for n, (cid, login) in enumerate(targets, 1):
        client = ads_api.client_from_environment(google_ads_config, login, endpoint)
        try:
            frames = ads_api.pull(
                client, cid, since.date(), until.date(), policy=policy, options=options
            )
        except SearchopsError as exc:
            kept = f"; {n - 1} account(s) before it saved" if n > 1 else ""
            raise SearchopsError(f"customer {cid}: {exc}{kept}") from None
        with obj.open_workspace() as ws:
            pull_id = ads_api.save_pull(ws, frames, cid, since.date(), until.date())
        counts = ", ".join(f"{len(f):,} {name.removeprefix('sem_')}" for name, f in frames.items())
        stderr.print(f"{cid}: pulled {counts} -> {obj.workspace} ({pull_id})")


@sem.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--platform",
    type=click.Choice(["auto", "google", "microsoft"]),
    default="auto",
    show_default=True,
    help="Which console exported the file (auto: from its preamble and column names).",
)
@click.option("--source", help="Account name for the rows (default: PLATFORM-export:FILE-STEM).")
@click.option(
    "--customer-id",
    help="The account's Customer ID (123-456-7890) when the file has no Customer ID column.",
)
@click.option(
    "--currency",
    help="The account currency (ISO code: CAD, EUR...) when the file has no Currency code column.",
)
@click.option(
    "--allow",
    "allow",
    multiple=True,
    type=click.Choice(["duplicates", "negative-cost", "future-dates"]),
    help="Accept what is refused by default: exact duplicate rows (summed), negative costs or "
    "counts, days in the future. Repeat for several.",
)
@click.pass_obj
def import_(
    obj: Any,
    files: tuple[Path, ...],
    platform: str,
    source: str | None,
    customer_id: str | None,
    currency: str | None,
    allow: tuple[str, ...],
) -> None:
    """Import Google Ads / Microsoft Advertising keyword, shopping or search terms reports.

    CSV (UTF-8, or UTF-16 tab-separated as Google's "CSV for Excel") or XLSX, English or
    French headers, report preambles and totals rows, fr-CA numbers (1 234,56 $, 12,5 %)
    and micros columns. Keyword reports need Campaign, Ad group, Keyword and Match type
    (plus Day, Clicks, Impr., Cost for metrics: without the Day segment only the keywords
    are imported); shopping reports need Day, Item ID, Clicks, Impr., Cost; search terms
    reports need Search term, Day, Campaign, Ad group, Clicks, Cost (import them under the
    same --source as the keyword report, for `searchops bid terms`). Other columns
    are skipped with one warning naming them. Each file is all or nothing: a bad file
    changes nothing in the workspace. Re-importing a file replaces its rows; files of one
    --source merge (a keyword list then a daily report keeps every keyword, and the bids
    of the one that has a Max CPC column). Files of any size are streamed.

    Refused with the row named unless --allow'ed: exact duplicate rows (they would double
    the spend), negative costs or counts, days after tomorrow. The Customer ID and currency
    come from the file's columns, else --customer-id / --currency (never from --source).

    \b
    Examples:
      searchops sem import "Search keyword report.csv"
      searchops sem import keywords_fr.xlsx --platform google --source google:boreal-fr
      searchops sem import KeywordPerformance.csv --platform microsoft
      searchops sem import keywords.csv "Search terms report.csv" --source google:shop
    """
    from sem import exports

    options = exports.ImportOptions(
        customer_id=customer_id, currency=currency, allow=frozenset(allow)
    )
    with obj.open_workspace() as ws:
        for path in files:
            pull_id, counts = exports.import_file(ws, path, platform, source, options)
            rows = ", ".join(f"{n:,} {t.removeprefix('sem_')}" for t, n in counts.items())
            stderr.print(f"{safe_text(path)}: {rows} ({pull_id})")


@sem.command()
@click.option(
    "--level",
    type=click.Choice(["keyword", "ad_group", "campaign"]),
    default="campaign",
    show_default=True,
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--source", help="Which account (default: the newest pulled/imported/demo).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Fit on history from this day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Fit on history up to this day.")
@click.option("--margin", type=float, help="Gross margin (default [sem] margin).")
@click.option("--limit", default=50, show_default=True, help="Rows in the table format.")
@click.pass_obj
def roi(
    obj: Any,
    level: str,
    fmt: str,
    source: str | None,
    since: Any,
    until: Any,
    margin: float | None,
    limit: int,
) -> None:
    """Model ROI: ROAS, marginal ROAS and profit with intervals and data-sufficiency flags.

    Expected value, cost and profit are per day at the current bids. JSON output carries
    the model diagnostics (deviance, pseudo R^2, dispersion, residual checks, priors).

    \b
    Examples:
      searchops sem roi                              # campaigns, rich table
      searchops sem roi --level keyword --format csv > keywords.csv
      searchops sem roi --format json --until 2026-03-01
    """
    from sem import roi as roi_mod

    overrides = {"sem": {"margin": margin}} if margin is not None else None
    settings = obj.settings(overrides).settings
    opts = roi_mod.options_from_settings(settings)
    with obj.open_workspace(read_only=True) as ws:
        currency = _source_currency(ws, source) or settings.report.currency
        fit = roi_mod.fit_models(
            ws,
            source=source,
            since=since.date() if since else None,
            until=until.date() if until else None,
            options=opts,
        )
    summary = roi_mod.summarize(fit, level, opts)
    if level == "keyword":
        summary = _with_keyword_forecasts(summary, fit)
    summary = _with_unavailable(summary, fit, level)
    summary["currency"] = currency
    notes = unavailable_notes(fit)
    for note in notes:
        stderr.print(f"note: {note}")
    if fmt == "csv":
        click.echo(write_csv(summary), nl=False)
    elif fmt == "json":
        payload = {
            "level": level,
            "interval": opts.interval,
            "margin": opts.margin,
            "currency": currency,
            "keywords_without_bid": int((~_flag(fit, "bid_known")).sum()),
            "keywords_without_conversions": int((~_flag(fit, "conversions_known")).sum()),
            "notes": notes,
            "rows": json.loads(summary.to_json(orient="records", date_format="iso")),
            "diagnostics": _finite(fit.attrs["diagnostics"]),
        }
        click.echo(json_dumps(payload, indent=2, default=_json_default, allow_nan=False))
    else:
        _print_table(summary, level, opts.interval, limit, currency)


# Per-keyword forecasts the fit holds beside the summary's money columns: what a manager (or
# a backtest) needs from the CSV/JSON without the Python API.
KEYWORD_FORECASTS = (
    "clicks_per_day", "clicks_lo", "clicks_hi",
    "value_per_click", "value_per_click_lo", "value_per_click_hi",
    "marginal_roas", "marginal_roas_lo", "marginal_roas_hi",
)  # fmt: skip


def _with_keyword_forecasts(summary: pd.DataFrame, fit: pd.DataFrame) -> pd.DataFrame:
    extra = [c for c in KEYWORD_FORECASTS if c in fit.columns and c not in summary.columns]
    if not extra:
        return summary
    return summary.merge(fit[["criterion_id", *extra]], on="criterion_id", how="left")


def _flag(fit: pd.DataFrame, name: str) -> pd.Series:
    """A fit's bid_known / conversions_known (True for fits made before they existed)."""
    if name not in fit.columns:
        return pd.Series(True, index=fit.index)
    return fit[name].fillna(True).astype(bool)


# Summary columns that need conversions (sem.roi.missing): unknown, never 0, without them.
_NEEDS_CONVERSIONS = (
    "conversions", "conversions_value", "value_per_day", "roas", "roas_lo", "roas_hi",
    "profit_per_day", "profit_lo", "profit_hi", "cvr", "cvr_lo", "cvr_hi", "value_per_click",
    "value_per_click_lo", "value_per_click_hi", "marginal_roas", "marginal_roas_lo",
    "marginal_roas_hi",
)  # fmt: skip


def _with_unavailable(summary: pd.DataFrame, fit: pd.DataFrame, level: str) -> pd.DataFrame:
    """Say what the files could not tell: per keyword ``bid_known`` (a keyword without a Max
    CPC shows no current bid and no marginal ROAS: its forecast has no bid response) and
    ``conversions_known`` (without conversion columns, every conversion-based figure is
    unknown, not 0); per ad group or campaign the count of such keywords
    (``keywords_without_bid``, ``keywords_without_conversions``), a group with any keyword
    without conversions having no value, ROAS or profit either."""
    from sem.roi.summary import LEVELS

    key = LEVELS[level][0]
    flags = pd.DataFrame(
        {
            key: fit[key],
            "no_bid": ~_flag(fit, "bid_known"),
            "no_conversions": ~_flag(fit, "conversions_known"),
        }
    )
    if level == "keyword":
        summary = summary.merge(flags, on=key, how="left")
        summary["bid_known"] = ~summary.pop("no_bid").fillna(False).astype(bool)
        summary["conversions_known"] = ~summary.pop("no_conversions").fillna(False).astype(bool)
        if "current_bid" in summary.columns:
            summary["current_bid"] = summary["current_bid"].where(summary["bid_known"])
        unknown = ~summary["conversions_known"]
    else:
        counts = flags.groupby(key, sort=False)[["no_bid", "no_conversions"]].sum()
        counts.columns = ["keywords_without_bid", "keywords_without_conversions"]
        summary = summary.merge(counts.reset_index(), on=key, how="left")
        unknown = summary["keywords_without_conversions"] > 0
    cols = [c for c in _NEEDS_CONVERSIONS if c in summary.columns]
    known = ~unknown.to_numpy(bool)
    for col in cols:
        summary[col] = summary[col].astype(float).where(known)
    return summary


def unavailable_notes(fit: pd.DataFrame) -> list[str]:
    """One line per thing the source's files did not say (sem roi, bid recommend)."""
    notes = []
    no_bid = int((~_flag(fit, "bid_known")).sum())
    if no_bid:
        notes.append(
            f"{no_bid} of {len(fit)} keyword(s) have no Max CPC (the source's files have no "
            "Max CPC column and no keyword list or pull gave one): their clicks and cost are "
            "forecast at today's level, at their history's cost per click, with no response "
            "to bids (no marginal ROAS, no bid change); import a keyword list with Max CPC "
            "under the same --source"
        )
    no_conv = int((~_flag(fit, "conversions_known")).sum())
    if no_conv:
        notes.append(
            f"{no_conv} of {len(fit)} keyword(s) have no conversion data (the source's files "
            "have no 'Conversions' / 'Conv. value' columns): conversion rate, value, ROAS and "
            "profit are unavailable (n/a), not zero; import a report with those columns"
        )
    return notes


def _source_currency(ws: Any, source: str | None) -> str | None:
    from sem import tables

    return tables.source_currency(ws, source)


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: null them (a diagnostic that could not be computed)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_default(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else str(value)


def _print_table(
    summary: pd.DataFrame, level: str, interval: float, limit: int, currency: str
) -> None:
    """Money per day at the current bids, all in one currency; history only as context.

    (Totals over the history beside per-day values read as one scale: they are not.)
    """
    from rich import box
    from rich.table import Table

    pct = f"{interval:.0%}"
    symbols = {"CAD": "$", "USD": "$", "AUD": "$", "NZD": "$", "EUR": "€", "GBP": "£"}
    symbol = symbols.get(currency, "")

    def money(value: Any) -> str:
        amount = float(value)
        if not math.isfinite(amount):
            return "n/a"
        return f"{'-' if amount < 0 else ''}{symbol}{abs(amount):,.2f}"

    def ratio(value: Any) -> str:
        return f"{float(value):.2f}" if math.isfinite(float(value)) else "n/a"

    name_col = {"keyword": "keyword", "ad_group": "ad_group", "campaign": "campaign"}[level]
    table = Table(
        title=f"SEM ROI by {level}: expected per day at current bids, {currency}",
        title_justify="left",
        # Short: a caption is not wrapped (see searchops.console), so it must fit 100 columns.
        caption=f"profit/day [{pct} interval]; clicks: in the fitted history; more: --format csv",
        caption_justify="left",
        box=box.SIMPLE,
    )
    table.add_column(name_col, overflow="fold", min_width=16)
    for col in ("cost/day", "value/day", "ROAS", "profit/day", "clicks", "data"):
        table.add_column(col, justify="right", no_wrap=True)
    rows = summary.sort_values("cost_per_day", ascending=False).head(limit)
    # per row: keywords without a bid / without conversions (a keyword row: 0 or 1)
    if level == "keyword":
        no_bid = [0 if k else 1 for k in rows.get("bid_known", pd.Series(True, rows.index))]
        no_conv = [
            0 if k else 1 for k in rows.get("conversions_known", pd.Series(True, rows.index))
        ]
    else:
        no_bid = rows.get("keywords_without_bid", pd.Series(0, rows.index)).fillna(0).tolist()
        no_conv = (
            rows.get("keywords_without_conversions", pd.Series(0, rows.index)).fillna(0).tolist()
        )
    for r, nb, nc in zip(rows.itertuples(index=False), no_bid, no_conv, strict=True):
        flag = (
            ("ok" if r.sufficient else "thin")
            if level == "keyword"
            else f"{r.sufficient_share:.0%} ok"
        )
        # what the files did not say, in the row itself (the notes on stderr say why)
        if level == "keyword":
            flag += ", no bid" * bool(nb) + ", no conv." * bool(nc)
        else:
            flag += f", {int(nb)} no bid" * bool(nb) + f", {int(nc)} no conv." * bool(nc)
        profit = (
            "n/a"  # the data column says why: no conv.
            if nc
            else f"{money(r.profit_per_day)} [{r.profit_lo:,.2f}, {r.profit_hi:,.2f}]"
        )
        table.add_row(
            safe_text(getattr(r, name_col), 60),
            money(r.cost_per_day),
            money(r.value_per_day),
            ratio(r.roas),
            profit,
            f"{r.clicks:,.0f}",
            flag,
        )
    stdout.print(table)
    if len(summary) > limit:
        stderr.print(f"{len(summary) - limit} more rows: --limit N or --format csv")
