"""``searchops bid recommend|apply|tune`` and ``searchops coverage``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from searchops.console import safe_text, stderr, stdout
from searchops.errors import SearchopsError


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
    type=click.Choice(["exact", "target-roas-rule", "current"]),
    default="exact",
    show_default=True,
    help="Bidding strategy (exact = searchops' optimizer).",
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
    strategy: str,
    policy: str,
    source: str | None,
    crawl_run: str | None,
    out: Path | None,
    top: int,
    seed: int,
) -> None:
    """Recommend max CPC bids within the guardrails, with reasons and expected changes.

    Writes a review table (terminal), OUT/recommendations.json, OUT/bids-editor.csv (Google
    Ads Editor bulk upload, columns in bidding/export.py) and the workspace tables
    bid_recommendations and bid_frontier. Nothing is sent to an ad account: review, then
    `searchops bid apply OUT/bids-editor.csv`.

    \b
    Examples:
      searchops bid recommend
      searchops bid recommend --budget 2500              # per day, across the keywords
      searchops bid recommend --target-roas 5 --objective value --out review/
    """
    from bidding.data import keyword_flags, load_models, new_run_id, save_recommendation
    from bidding.export import review_table, write_outputs
    from bidding.recommend import recommend as run_recommend
    from bidding.site import latest_crawl, resolve_run
    from bidding.strategy import Constraints, Context, get_strategy
    from bidding.tuning import latest_policy

    if budget is not None and budget <= 0:
        raise SearchopsError("--budget must be positive")
    if target_roas is not None and target_roas <= 0:
        raise SearchopsError("--target-roas must be positive")
    settings = obj.settings().settings
    cfg = settings.bidding
    if (objective or cfg.objective) == "value" and budget is None and target_roas is None:
        raise SearchopsError(
            "--objective value needs --budget or --target-roas (else bids are unbounded)"
        )
    with obj.open_workspace() as ws:
        params = cfg.policy
        if policy == "tuned":
            tuned = latest_policy(ws)
            if tuned is None:
                raise SearchopsError("no tuned policy in the workspace: run `searchops bid tune`")
            params = tuned
        models = load_models(ws, settings, source=source)
        run = resolve_run(ws, crawl_run) if crawl_run else latest_crawl(ws)
        if run is None:
            stderr.print(
                "note: no crawl in the workspace: landing pages are not checked "
                "(stock comes from sem_products only)"
            )
        oos, failed = keyword_flags(ws, models.frame, run)
        context = Context(
            config=cfg,
            constraints=Constraints(
                objective=objective or cfg.objective,  # type: ignore[arg-type]
                margin=settings.sem.margin,
                budget=budget,
                target_roas=target_roas,
            ),
            out_of_stock=oos,
            landing_failed=failed,
        )
        rec = run_recommend(
            model=models, strategy=get_strategy(strategy, params), context=context, seed=seed
        )
        run_id = new_run_id()
        save_recommendation(ws, rec, run_id)
    paths = write_outputs(rec, out or Path("bids") / run_id, run_id, cfg.bid_step)
    stdout.print(review_table(rec, top))
    s = rec.summary
    if not s["feasible"]:
        stderr.print(
            "[yellow]warning:[/] the constraints cannot all be met within the guardrails; closest bids given"
        )
    stderr.print(
        f"run {run_id}: binding constraint {s['binding']}; "
        f"{safe_text(paths['csv'])} ({s['raised'] + s['lowered']} changes), {safe_text(paths['json'])}"
    )


@bid.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--customer-id", required=True, help="Google Ads customer id (digits, dashes ok).")
@click.option("--execute", is_flag=True, help="Apply the bids. Without it: validate_only.")
@click.option(
    "--google-ads-config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="google-ads.yaml (default: ~/google-ads.yaml or GOOGLE_ADS_* variables).",
)
@click.option("--login-customer-id", help="Manager account id, when going through one.")
@click.option("--endpoint", help="API endpoint host:port (default Google's; a local server).")
@click.option("--batch-size", default=1000, show_default=True, help="Operations per request.")
@click.pass_obj
def apply(
    obj: Any,
    file: Path,
    customer_id: str,
    execute: bool,
    google_ads_config: Path | None,
    login_customer_id: str | None,
    endpoint: str | None,
    batch_size: int,
) -> int:
    """Send the bids of FILE (from `bid recommend`) to Google Ads.

    Validate-only unless --execute. Skips keywords already at their bid or already applied
    from this file (re-running applies nothing twice), re-checks every bid against the
    guardrails (step cap from the account's live bid, floor, ceiling, stock, landing pages),
    journals every operation in the workspace table bid_journal, and reports partial failures
    per keyword. Interrupted? Run the same command again: it resumes.

    \b
    Examples:
      searchops bid apply bids/bid-.../bids-editor.csv --customer-id 123-456-7890
      searchops bid apply bids/bid-.../bids-editor.csv --customer-id 1234567890 --execute
    """
    from rich.table import Table

    from bidding.apply import apply_bids
    from sem.ads_api import RetryPolicy, client_from_environment, normalize_customer_id

    settings = obj.settings().settings
    client = client_from_environment(google_ads_config, login_customer_id, endpoint)
    retry = RetryPolicy(
        attempts=settings.sem.api_retries,
        backoff_s=settings.sem.api_backoff_s,
        backoff_max_s=settings.sem.api_backoff_max_s,
    )
    with obj.open_workspace() as ws:
        report = apply_bids(
            file,
            client=client,
            customer_id=normalize_customer_id(customer_id),
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
                f"{r.new_bid:.2f}",
                str(r.result),
                safe_text(r.error, 80),
            )
        stdout.print(table)
    counts = ", ".join(f"{n} {k}" for k, n in sorted(report.counts().items()))
    what = "applied" if execute else "validated only (add --execute to apply)"
    stderr.print(f"plan {report.plan_id}: {counts}; {what}; journal: bid_journal")
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
@click.pass_obj
def coverage(obj: Any, crawl_run: str, top: int | None, out: Path | None, seed: int) -> None:
    """Find catalog products worth adding to paid search, and wasted paid coverage.

    Products come from the crawl's Product structured data; paid coverage from the workspace's
    SEM tables (keyword final URLs, item ids, Shopping items). In-stock products without paid
    coverage are ranked by expected incremental profit (with intervals), and for the top N
    keywords (advertools.kw_generate) and responsive search ads (advertools.ad_create, 30/90
    character limits) are written as Google Ads Editor CSVs. Keywords and Shopping items that
    land on 404 or noindex pages or out-of-stock products are listed with the spend at stake.
    Tables: coverage_opportunities, coverage_waste.

    \b
    Examples:
      searchops coverage --crawl latest
      searchops coverage --crawl runs/crawl-20260301T020000Z --top 50 --out coverage/
    """
    from rich.table import Table

    from bidding.coverage import coverage as run_coverage
    from bidding.coverage import generated_ads, save, write_editor_csvs
    from bidding.data import new_run_id
    from bidding.site import latest_crawl, resolve_run

    settings = obj.settings().settings
    cfg = settings.coverage
    top = top or cfg.top_n
    with obj.open_workspace() as ws:
        run = latest_crawl(ws) if crawl_run == "latest" else resolve_run(ws, crawl_run)
        if run is None:
            raise SearchopsError("no crawl in the workspace: run `searchops crawl` first")
        result = run_coverage(run, ws, cfg, settings.sem.margin, seed=seed)
        run_id = new_run_id("coverage")
        save(ws, result, run_id, run.name)
    opp = result.opportunities
    keywords, ads = generated_ads(opp.head(top), cfg)
    paths = write_editor_csvs(keywords, ads, out or Path("coverage") / run_id)
    table = Table(
        title=f"Top uncovered in-stock products ({len(opp)} of {len(result.products)} crawled products)"
    )
    for col in ("#", "Product", "Category", "Price", f"Profit {cfg.horizon_days}d (interval)"):
        table.add_column(col)
    for r in opp.head(min(top, 20)).itertuples(index=False):
        table.add_row(
            str(r.rank),
            safe_text(r.name, 40),
            safe_text(r.category, 20),
            f"{r.price:,.2f}",
            f"{r.profit:+,.0f} [{r.profit_lo:+,.0f}, {r.profit_hi:+,.0f}]",
        )
    stdout.print(table)
    w = result.waste
    if not w.empty:
        by = w.groupby(["channel", "reason"])["spend_at_stake"].agg(["size", "sum"])
        waste_table = Table(
            title=f"Wasted paid coverage (spend at stake over {cfg.horizon_days} days)"
        )
        for col in ("Channel", "Reason", "Items", "Spend"):
            waste_table.add_column(col)
        for r in by.reset_index().itertuples(index=False):
            waste_table.add_row(str(r[0]), str(r[1]), str(r[2]), f"{r[3]:,.2f}")
        stdout.print(waste_table)
    stderr.print(f"run {run_id}: {safe_text(paths['keywords'])}, {safe_text(paths['ads'])}")
