"""``searchops bid recommend|apply|tune|terms`` and ``searchops coverage``: thin over the
Python API of :mod:`bidding.api` (``apply`` over :mod:`bidding.apply`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from searchops.console import safe_text, stderr, stdout


@click.group()
def bid() -> None:
    """Recommend keyword bids, review them, and apply them safely.

    \b
    Examples:
      searchops bid recommend                              # max profit, guardrails from config
      searchops bid recommend --budget 5000 --target-roas 4 --out bids/
      searchops bid apply bids/bids-editor.csv --customer-id 1234567890   # validate only
      searchops bid apply bids/bids-editor.csv --customer-id 1234567890 --execute
      searchops bid tune --trials 30                       # Optuna policy search (backtest)
      searchops bid terms --out terms/                     # new and negative keywords
    """


@bid.command()
@click.option("--budget", type=float, help="Daily budget over the keywords (account currency).")
@click.option("--target-roas", type=float, help="Minimum conversion value / cost, e.g. 4.")
@click.option(
    "--objective",
    type=click.Choice(["profit", "value"]),
    help="Maximize profit (margin x value - cost) or conversion value (default from config).",
)
@click.option(
    "--strategy",
    type=click.Choice(["posterior", "exact", "target-roas-rule", "current"]),
    help="Bidding strategy (default [bidding] strategy, posterior): posterior = bids chosen "
    "over the posterior draws, moving as far as the evidence supports, pausing keywords that "
    "spend without converting, --budget as a chance constraint; exact = the point-estimate "
    "optimizer behind a data hold; target-roas-rule; current = keep today's bids.",
)
@click.option(
    "--policy",
    type=click.Choice(["config", "tuned"]),
    default="config",
    show_default=True,
    help="Policy parameters from config, or the latest `bid tune` result in the workspace.",
)
@click.option("--source", help="SEM source in the workspace (default: the newest).")
@click.option(
    "--crawl", "crawl_run", help="Crawl run (folder or id) for landing pages (default: latest)."
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--top", default=20, show_default=True, help="Rows of the review table.")
@click.option("--seed", default=0, show_default=True, help="Seed of the interval draws.")
@click.pass_obj
def recommend(
    obj: Any,
    budget: float | None,
    target_roas: float | None,
    objective: str | None,
    strategy: str | None,
    policy: str,
    source: str | None,
    crawl_run: str | None,
    out: Path | None,
    top: int,
    seed: int,
) -> None:
    """Recommend max CPC bids within the guardrails, with reasons and expected changes.

    Each keyword's reason states its marginal ROAS at today's bid (with its interval) against
    the target, the move and the forecast clicks and cost. With --budget, the projected spend
    is shown against it, and a budget the guardrails cannot meet says what stops it (step
    cap, held keywords, floors, ceilings, saturated clicks). Keywords whose product is out of
    stock or whose landing page fails in the latest crawl are paused (a status change, with the
    spend saved; at most [bidding.guardrails] max_pauses / max_pause_share per cycle, most
    spend first); keywords under Smart Bidding are skipped (their campaign's strategy sets
    bids: nothing exported, their spend counted as fixed against --budget). Writes a review table (terminal
    and OUT/review.txt), OUT/recommendations.json, OUT/bids-editor.csv (Google Ads Editor bulk
    upload, columns in bidding/export.py) and the workspace tables bid_recommendations and
    bid_frontier. Nothing is sent to an ad account: review, then
    `searchops bid apply OUT/bids-editor.csv`.

    \b
    Examples:
      searchops bid recommend
      searchops bid recommend --budget 2500              # per day, across the keywords
      searchops bid recommend --target-roas 5 --objective value --out review/
    """
    import bidding
    from bidding.data import new_run_id
    from bidding.export import review_table, summary_lines

    run_id = new_run_id()
    with obj.open_workspace() as ws:
        run = bidding.recommend_bids(
            workspace=ws,
            settings=obj.settings().settings,
            budget=budget,
            target_roas=target_roas,
            objective=objective,
            strategy=strategy,
            policy=policy,
            source=source,
            crawl=crawl_run,
            seed=seed,
            out=out or Path("bids") / run_id,
            top=top,
            run_id=run_id,
        )
    for note in run.notes:
        stderr.print(f"note: {safe_text(note, 400)}")
    stdout.print(review_table(run.recommendation, top))
    for line in summary_lines(run.recommendation):
        stdout.print(line)
    s = run.summary
    if not s["feasible"]:
        stderr.print(
            "[yellow]warning:[/] the constraints cannot all be met within the guardrails; closest bids given"
        )
    paths = run.paths
    stderr.print(
        f"run {run.run_id}: binding constraint {s['binding']}; "
        f"{safe_text(paths['csv'])} ({s['raised'] + s['lowered']} bid changes, "
        f"{s.get('paused', 0)} pauses), {safe_text(paths['json'])}"
    )
    if s.get("no_bid_change_reason"):
        from searchops.errors import SearchopsError

        # the files cannot support any recommendation: a job must not take it for "all fine"
        raise SearchopsError(safe_text(s["no_bid_change_reason"], 2000))


@bid.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--customer-id", required=True, help="Google Ads customer id (digits, dashes ok).")
@click.option("--execute", is_flag=True, help="Apply the bids. Without it: validate_only.")
@click.option(
    "--offline",
    is_flag=True,
    help="No API, no account: check the bids against the guardrails and the bids the "
    "workspace last pulled. Sends nothing.",
)
@click.option(
    "--google-ads-config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="google-ads.yaml (default: GOOGLE_ADS_CONFIGURATION_FILE_PATH, ~/google-ads.yaml, "
    "else GOOGLE_ADS_* variables).",
)
@click.option("--login-customer-id", help="Manager account id, when going through one.")
@click.option("--endpoint", help="API endpoint host:port (default Google's; a local server).")
@click.option(
    "--ca-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CA bundle (PEM) to trust for TLS to the endpoint: a corporate proxy's CA, or the "
    "local server's certificate.",
)
@click.option("--batch-size", default=1000, show_default=True, help="Operations per request.")
@click.pass_obj
def apply(
    obj: Any,
    file: Path,
    customer_id: str,
    execute: bool,
    offline: bool,
    google_ads_config: Path | None,
    login_customer_id: str | None,
    endpoint: str | None,
    ca_file: Path | None,
    batch_size: int,
) -> int:
    """Send the bids of FILE (from `bid recommend`) to Google Ads.

    Validate-only unless --execute. A row with Status Paused is sent as a status change
    (PAUSED), never a bid, only while the workspace still sees its product out of stock or
    its landing page failing, or the latest recommendation pauses it for spending without
    converting (PAUSE_NO_CONVERSIONS), and at most [bidding.guardrails] max_pauses / max_pause_share
    per file; a bid for a keyword under Smart Bidding is refused (its campaign's strategy
    ignores max CPC). Skips keywords already at their bid (or paused) or already applied
    from this file (re-running applies nothing twice), re-checks every bid against the
    guardrails (step cap from the account's live bid, floor, ceiling, stock, landing pages),
    journals every operation in the workspace table bid_journal, and reports partial failures
    per keyword. Interrupted? Run the same command again: it resumes.

    Credentials: google-ads.yaml or GOOGLE_ADS_DEVELOPER_TOKEN with GOOGLE_ADS_CLIENT_ID,
    GOOGLE_ADS_CLIENT_SECRET and GOOGLE_ADS_REFRESH_TOKEN (or GOOGLE_ADS_JSON_KEY_FILE_PATH).
    Without an account: --offline checks the guardrails locally, and `searchops sem demo
    --serve` runs a local Google Ads API to validate against (it prints the --endpoint,
    --ca-file and tokens to use).

    \b
    Examples:
      searchops bid apply bids/bid-.../bids-editor.csv --customer-id 123-456-7890
      searchops bid apply bids/bid-.../bids-editor.csv --customer-id 1234567890 --execute
      searchops bid apply bids/bid-.../bids-editor.csv --customer-id 1234567890 --offline
    """
    from rich.table import Table

    from bidding.apply import apply_bids, check_offline
    from searchops.errors import SearchopsError
    from searchops.tls import trust_ca_file
    from sem.ads_api import (
        MissingCredentials,
        RetryPolicy,
        client_from_environment,
        normalize_customer_id,
    )

    if offline and execute:
        raise SearchopsError("--offline checks only: it cannot --execute")
    settings = obj.settings().settings
    cid = normalize_customer_id(customer_id)
    if offline:
        with obj.open_workspace(read_only=True) as ws:
            report = check_offline(file, customer_id=cid, workspace=ws, config=settings.bidding)
    else:
        if ca_file is not None:
            trust_ca_file(ca_file)
        try:
            client = client_from_environment(google_ads_config, login_customer_id, endpoint)
        except MissingCredentials as exc:
            raise SearchopsError(
                f"{exc}. Without an account: check the file with --offline, or validate it "
                "against the local API of `searchops sem demo --serve`"
            ) from None
        retry = RetryPolicy.from_settings(settings)
        with obj.open_workspace() as ws:
            report = apply_bids(
                file,
                client=client,
                customer_id=cid,
                workspace=ws,
                config=settings.bidding,
                execute=execute,
                batch_size=batch_size,
                retry=retry,
            )
    problems = report.results[report.results["result"].isin(["failed", "rejected"])]
    if not problems.empty:
        table = Table(title=f"{len(problems)} keyword(s) not changed")
        for col in ("Keyword ID", "Keyword", "Bid", "New", "Result", "Why"):
            table.add_column(col)
        for r in problems.head(50).itertuples(index=False):
            table.add_row(
                str(r.criterion_id),
                safe_text(r.keyword, 40),
                f"{r.old_bid:.2f}",
                "pause" if r.action == "pause" else f"{r.new_bid:.2f}",
                str(r.result),
                safe_text(r.error, 80),
            )
        stdout.print(table)
    counts = ", ".join(f"{n} {k}" for k, n in sorted(report.counts().items()))
    pauses = report.results.loc[report.results["action"] == "pause", "result"].value_counts()
    if len(pauses):  # status changes, told apart from bids
        counts += " (pauses: " + ", ".join(f"{n} {k}" for k, n in sorted(pauses.items())) + ")"
    if offline:
        what = "checked offline against the workspace's last pulled bids; nothing sent"
    else:
        what = "applied" if execute else "validated only (add --execute to apply)"
    journaled = "" if offline else "; journal: bid_journal"
    stderr.print(f"plan {report.plan_id}: {counts}; {what}{journaled}")
    return 1 if not problems.empty else 0


@bid.command()
@click.option("--trials", type=int, help="Complete trials to reach (default from config).")
@click.option("--folds", type=int, help="Backtest weeks (default from config).")
@click.option("--seed", type=int, help="Sampler seed (default from config).")
@click.option("--budget", type=float, help="Daily budget the policy must respect in every fold.")
@click.option("--target-roas", type=float, help="Target ROAS the policy must reach in every fold.")
@click.option("--source", help="SEM source in the workspace (default: the newest).")
@click.option(
    "--storage",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("bid-tuning.sqlite3"),
    show_default=True,
    help="SQLite file of the Optuna study (re-run to resume).",
)
@click.option("--study", "study_name", default="bid-policy", show_default=True, help="Study name.")
@click.pass_obj
def tune(
    obj: Any,
    trials: int | None,
    folds: int | None,
    seed: int | None,
    budget: float | None,
    target_roas: float | None,
    source: str | None,
    storage: Path,
    study_name: str,
) -> None:
    """Tune the policy's outer parameters with Optuna by walk-forward backtests.

    Fits on the weeks before each of the last FOLDS weeks, bids with the trial's parameters,
    scores the realized week (the true curves on the demo account, a hindsight refit on real
    ones). Resumable: re-run with the same --storage and --study. The best parameters and
    their backtest score go to the workspace (table bid_policy); use them with
    `searchops bid recommend --policy tuned`.

    \b
    Examples:
      searchops bid tune --trials 30
      searchops bid tune --trials 60 --storage tuning.sqlite3   # continue to 60 trials
    """
    from bidding.data import new_run_id
    from bidding.strategy import Constraints
    from bidding.tuning import build_folds, save_policy
    from bidding.tuning import tune as run_tune
    from sem import tables
    from sem.roi import load_frames

    settings = obj.settings().settings
    cfg = settings.bidding
    with obj.open_workspace() as ws:
        frames = load_frames(ws, source)
        src = source or tables.sources(ws)[0]
        truth = tables.read(ws, "sem_truth", source=src)
        season = tables.read(ws, "sem_truth_season", source=src)
        scorer = "truth" if not truth.empty else "hindsight"
        fold_list = build_folds(
            frames, settings, folds=folds or cfg.tuning.folds, truth=truth, season=season
        )
        constraints = Constraints(
            objective=cfg.objective,
            margin=settings.sem.margin,
            budget=budget,
            target_roas=target_roas,
        )
        result = run_tune(
            fold_list,
            cfg,
            constraints,
            storage=storage,
            study_name=study_name,
            trials=trials,
            seed=seed,
            scorer=scorer,
        )
        save_policy(ws, result, new_run_id("tune"))
    params = ", ".join(f"{k}={v:.3g}" for k, v in result.params.model_dump().items())
    stdout.print(
        f"best policy ({result.trials} trials, {result.folds} folds, {scorer} scorer): {params}"
    )
    stdout.print(
        f"backtest: mean weekly {constraints.objective} gain {result.score:+,.0f} "
        f"(config policy {result.baseline_score:+,.0f})"
    )


@bid.command()
@click.option("--source", help="SEM source in the workspace (default: the newest with terms).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First search-term day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last search-term day.")
@click.option(
    "--target-roas",
    type=float,
    help="ROAS new keywords' bids aim at and terms must reach (default: 1 / [sem] margin).",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--top", default=20, show_default=True, help="Rows of each review table.")
@click.option("--seed", default=0, show_default=True, help="Seed of the interval draws.")
@click.pass_obj
def terms(
    obj: Any,
    source: str | None,
    since: Any,
    until: Any,
    target_roas: float | None,
    out: Path | None,
    top: int,
    seed: int,
) -> None:
    """Mine search terms for new keywords and negative keywords.

    New keywords: converting search terms that are not yet keywords in the account, in the
    ad group where they earned the most, with a starting max CPC from the ad group's click
    and conversion models. Negatives: terms that spent without converting, flagged only when
    zero conversions in their clicks would be unlikely (beta-binomial test, [bidding.terms]
    negative_max_p) had they converted at the rate needed, so a term with 3 clicks is never
    negated. Each comes with its expected impact over [bidding] horizon_days (value gained,
    spend saved) with intervals. Writes OUT/terms-keywords-editor.csv and
    OUT/terms-negatives-editor.csv (Google Ads Editor: File > Import), OUT/terms.json and the
    workspace tables terms_new_keywords and terms_negatives. Nothing is sent to an ad account.

    \b
    Examples:
      searchops bid terms
      searchops bid terms --since 2026-10-01 --out terms/
      searchops sem import "Search terms report.csv" && searchops bid terms --target-roas 4
    """
    import bidding
    from bidding.data import new_run_id

    out = out or Path("terms") / new_run_id("terms")
    with obj.open_workspace() as ws:
        result = bidding.mine_search_terms(
            workspace=ws,
            settings=obj.settings().settings,
            source=source,
            since=since.date() if since else None,
            until=until.date() if until else None,
            target_roas=target_roas,
            seed=seed,
            out=out,
        )
    stdout.print(_terms_tables(result, top))
    s = result.summary
    unnamed = sum(
        int(f["ad_group"].isna().sum()) for f in (result.new_keywords, result.negatives) if len(f)
    )
    if unnamed:
        stderr.print(
            f"[yellow]warning:[/] {unnamed} row(s) without campaign / ad group names (Google Ads "
            "Editor matches by name): import the account's keyword report under the same --source"
        )
    paths = s.get("paths", {})
    stderr.print(
        f"run {s['run_id']}: {s['terms']:,} search terms over {s['days']} days, "
        f"{s['tested_for_negative']:,} spent without converting; "
        f"{safe_text(paths.get('keywords'))}, {safe_text(paths.get('negatives'))}"
    )


def _terms_tables(result: Any, top: int) -> Any:
    from rich.console import Group

    s = result.summary
    h = s["horizon_days"]
    new = _table(
        f"{s['new_keywords']} new keyword(s): converting search terms not yet keywords; "
        f"value gained over {h} days (interval)",
        ("Search term", "Ad group", "Match", "Max CPC", "Conv.", "Value gained", "Cost change"),
        [
            (*_term_labels(r), f"{r.bid:.2f}", f"{r.conversions:,.1f}",
             _interval(r, "value_gained", "+,.2f"), _interval(r, "cost_change", "+,.2f"))
            for r in result.new_keywords.head(top).itertuples(index=False)
        ],
    )  # fmt: skip
    neg = _table(
        f"{s['negatives']} negative keyword(s) of {s['tested_for_negative']} terms that "
        f"spent without converting; spend saved over {h} days (interval)",
        ("Search term", "Ad group", "Match", "Clicks", "P(0 conv.)", "Spend saved", "Value lost"),
        [
            (*_term_labels(r), f"{r.clicks:,.0f}", f"{r.p_value:.3f}",
             _interval(r, "spend_saved", ",.2f"), _interval(r, "value_lost", ",.2f"))
            for r in result.negatives.head(top).itertuples(index=False)
        ],
    )  # fmt: skip
    return Group(new, neg)


def _term_labels(row: Any) -> tuple[str, str, str]:
    """Search terms are what people typed: untrusted text."""
    return safe_text(row.search_term, 60), safe_text(row.ad_group, 40), safe_text(row.match_type)


def _interval(row: Any, name: str, fmt: str) -> str:
    lo, mid, hi = (getattr(row, f"{name}{s}") for s in ("_lo", "", "_hi"))
    return f"{mid:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]"


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


@click.command()
@click.option(
    "--crawl",
    "crawl_run",
    required=True,
    help="Crawl run folder or run id ('latest' for the newest).",
)
@click.option(
    "--top", type=int, help="Opportunities to list and write ads for (default [coverage] top_n)."
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Folder for the Editor CSVs."
)
@click.option("--seed", default=0, show_default=True, help="Seed of the interval draws.")
@click.option(
    "--group-by",
    type=click.Choice([f"custom_label_{k}" for k in range(5)]),
    help="Feed custom label to count products without ads by (default: the first one the "
    "feed uses). Every label in use is written to coverage-groups.csv.",
)
@click.pass_obj
def coverage(
    obj: Any, crawl_run: str, top: int | None, out: Path | None, seed: int, group_by: str | None
) -> None:
    """Find catalog products worth adding to paid search, and wasted paid coverage.

    The catalog is the Merchant Center feed when the workspace has one (searchops merchant
    import / pull: the catalog of record), else the crawl's Product structured data; the
    crawl judges the landing pages either way. A feed's custom_label_0..4 travel with the
    products, and products without ads are counted per label value (--group-by).
    Paid coverage from the workspace's SEM tables (keyword final URLs, item ids, Shopping items). In-stock products without paid
    coverage are ranked by expected incremental profit (with intervals), and for the top N
    keywords (advertools.kw_generate) and responsive search ads (advertools.ad_create, 30/90
    character limits) are written as Google Ads Editor CSVs. Keywords and Shopping items that
    land on 404 or noindex pages or out-of-stock products are listed with the spend at stake.
    Tables: coverage_opportunities, coverage_waste.

    \b
    Examples:
      searchops coverage --crawl latest
      searchops coverage --crawl runs/crawl-20260301T020000Z --top 50 --out coverage/
      searchops merchant import products_en.txt && searchops coverage --crawl latest \\
          --group-by custom_label_1
    """
    from rich.table import Table

    import bidding
    from bidding.data import new_run_id
    from searchops.escaping import write_csv

    settings = obj.settings().settings
    cfg = settings.coverage
    top = top or cfg.top_n
    run_id = new_run_id("coverage")
    with obj.open_workspace() as ws:
        found = bidding.find_coverage(
            workspace=ws,
            crawl=crawl_run,
            settings=settings,
            top=top,
            seed=seed,
            out=out or Path("coverage") / run_id,
            run_id=run_id,
        )
    result, paths = found.result, found.paths
    opp = result.opportunities
    catalog = "feed products" if result.source == "feed" else "crawled products"
    table = Table(
        title=f"Top uncovered in-stock products ({len(opp)} of {len(result.products)} {catalog})"
    )
    for col in ("#", "Product", "Category", "Price", f"Profit {cfg.horizon_days}d (interval)"):
        table.add_column(col)
    for r in opp.head(min(top, 20)).itertuples(index=False):
        table.add_row(
            str(r.rank),
            safe_text(r.name, 40),
            safe_text(r.category if isinstance(r.category, str) and r.category else "-", 20),
            f"{r.price:,.2f}",
            f"{r.profit:+,.0f} [{r.profit_lo:+,.0f}, {r.profit_hi:+,.0f}]",
        )
    stdout.print(table)
    groups = result.groups
    if not groups.empty:
        label = group_by or str(groups["label"].iloc[0])
        shown = groups[groups["label"] == label]
        if shown.empty:
            stderr.print(f"the feed sets no {label}; labels in use: "
                         f"{', '.join(groups['label'].unique())}")  # fmt: skip
        else:
            by_label = Table(title=f"Products without ads by {label}")
            for col in ("Value", "Products", "Without ads", "In stock without ads",
                        f"Paying opportunities (profit {cfg.horizon_days}d)"):  # fmt: skip
                by_label.add_column(col)
            for g in shown.itertuples(index=False):
                by_label.add_row(safe_text(g.value, 30), f"{g.products:,}", f"{g.without_ads:,}",
                                 f"{g.in_stock_without_ads:,}",
                                 f"{g.paying_opportunities:,} ({g.profit:+,.0f})")  # fmt: skip
            stdout.print(by_label)
        paths["groups"] = Path(out or Path("coverage") / run_id) / "coverage-groups.csv"
        write_csv(groups, paths["groups"])
    w = result.waste
    if not w.empty:
        by = w.groupby(["channel", "reason"])["spend_at_stake"].agg(["size", "sum", "count"])
        waste_table = Table(
            title=f"Wasted paid coverage (spend at stake over {cfg.horizon_days} days)"
        )
        for col in ("Channel", "Reason", "Items", "Spend"):
            waste_table.add_column(col)
        for channel, why, size, total, known in by.reset_index().itertuples(index=False):
            # items without cost rows in the window are "no data", not a spend of 0.00
            spend = "no spend data" if known == 0 else f"{total:,.2f}"
            if 0 < known < size:
                spend += f" ({size - known} without spend data)"
            waste_table.add_row(safe_text(channel), safe_text(why), str(size), spend)
        stdout.print(waste_table)
    stderr.print(f"run {run_id} ({catalog}): " + ", ".join(safe_text(p) for p in paths.values()))
