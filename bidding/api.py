"""The bidding stage's Python API: what ``searchops bid …`` and ``searchops coverage`` run.

Keyword-only arguments, defaults from the settings (``config/default.toml`` and the project's
overrides), DataFrames out::

    import bidding
    from searchops.workspace import Workspace
    with Workspace("searchops.duckdb") as ws:
        rec = bidding.recommend_bids(workspace=ws, budget=2500, out="review/")
        rec.table        # one row per keyword: bids, reasons (codes and sentence), expected changes
        rec.summary["budget_check"]   # projected spend vs budget and what stops it
        cov = bidding.find_coverage(workspace=ws, crawl="latest", out="coverage/")
        cov.opportunities, cov.waste
        terms = bidding.mine_search_terms(workspace=ws, out="terms/")
        terms.new_keywords, terms.negatives

Each call writes its workspace tables (and registers a run) unless ``save=False``, and the
review files when ``out`` is given. Nothing is sent to an ad account.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from bidding.coverage import Coverage
from bidding.recommend import Recommendation
from bidding.terms import TermsResult
from searchops.errors import SearchopsError
from searchops.settings import LoadedSettings, Settings, resolve_settings
from searchops.workspace import Workspace


@dataclass
class BidRun:
    """A recommendation with where it went: ``run_id``, ``paths`` (review files), ``notes``."""

    recommendation: Recommendation
    run_id: str
    paths: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def table(self) -> pd.DataFrame:
        return self.recommendation.table

    @property
    def frontier(self) -> pd.DataFrame:
        return self.recommendation.frontier

    @property
    def summary(self) -> dict[str, Any]:
        return self.recommendation.summary


def recommend_bids(
    *,
    workspace: Workspace,
    settings: Settings | LoadedSettings | None = None,
    budget: float | None = None,
    target_roas: float | None = None,
    objective: str | None = None,
    strategy: str | None = None,
    policy: str = "config",
    source: str | None = None,
    crawl: str | Path | None = None,
    seed: int = 0,
    out: str | Path | None = None,
    top: int = 20,
    save: bool = True,
    run_id: str | None = None,
) -> BidRun:
    """Recommend max CPC bids within the guardrails (``searchops bid recommend``).

    ``objective`` defaults to ``[bidding] objective``, ``strategy`` to ``[bidding] strategy``
    (posterior); ``policy`` is ``config`` or ``tuned``
    (the latest ``bid tune`` result); ``crawl`` a run folder or id (default: the latest crawl,
    for landing-page checks). ``out``: write bids-editor.csv, recommendations.json and
    review.txt there; ``run_id`` names the run (default: a new timestamped id). Raises
    :class:`SearchopsError` on bad arguments.
    """
    import numpy as np

    from bidding import unavailable
    from bidding.data import (
        account_volume_log_sd,
        bid_seen,
        keyword_flags,
        load_models,
        new_run_id,
        save_recommendation,
        smart_bidding_flags,
    )
    from bidding.export import write_outputs
    from bidding.recommend import recommend
    from bidding.site import latest_crawl, resolve_run
    from bidding.strategy import Constraints, Context, get_strategy
    from bidding.tuning import latest_policy
    from sem import tables

    if budget is not None and not budget > 0:
        raise SearchopsError("--budget must be positive")
    if target_roas is not None and not target_roas > 0:
        raise SearchopsError("--target-roas must be positive")
    s = resolve_settings(settings)
    cfg = s.bidding
    objective = objective or cfg.objective
    if objective not in ("profit", "value"):
        raise SearchopsError(f"objective must be profit or value, not {objective!r}")
    if objective == "value" and budget is None and target_roas is None:
        raise SearchopsError(
            "--objective value needs --budget or --target-roas (else bids are unbounded)"
        )
    if policy not in ("config", "tuned"):
        raise SearchopsError(f"policy must be config or tuned, not {policy!r}")
    params = cfg.policy
    if policy == "tuned":
        tuned = latest_policy(workspace)
        if tuned is None:
            raise SearchopsError("no tuned policy in the workspace: run `searchops bid tune`")
        params = tuned
    try:
        chosen = get_strategy(strategy or cfg.strategy, params)
    except ValueError as exc:
        raise SearchopsError(str(exc)) from None
    models = load_models(workspace, s, source=source)
    run = resolve_run(workspace, crawl) if crawl else latest_crawl(workspace)
    notes = []
    if run is None:
        notes.append(
            "no crawl in the workspace: landing pages are not checked "
            "(stock comes from sem_products only)"
        )
    oos, failed = keyword_flags(workspace, models.frame, run)
    context = Context(
        config=cfg,
        constraints=Constraints(
            objective=objective,  # type: ignore[arg-type]
            margin=s.sem.margin,
            budget=budget,
            target_roas=target_roas,
        ),
        out_of_stock=oos,
        landing_failed=failed,
        account_log_sd=account_volume_log_sd(workspace, source, days=cfg.horizon_days),
    )
    smart, kinds = smart_bidding_flags(workspace, models.frame)
    # Keywords without a Max CPC or without conversion data cannot be moved: held, said why
    # (bidding/unavailable.py); their spend at today's level is fixed against the budget.
    no_bid, no_conversions = unavailable.flags(models)
    # a bid last seen long before the data's end may have moved since (bidding/unavailable.py)
    seen, last_day = bid_seen(workspace, models.frame, source)
    stale = unavailable.stale(seen, last_day, cfg.stale_bid_days) & ~no_bid
    held = no_bid | no_conversions | stale
    currency = tables.source_currency(workspace, source)
    if held.any():
        movable = ~held
        stuck = models.take(np.flatnonzero(held))
        spend = float(np.nansum(stuck.curves().cost(stuck.current_bid)))
        rows = unavailable.held_rows(
            stuck, no_bid[held], no_conversions[held], margin=s.sem.margin,
            days=cfg.horizon_days, level=cfg.interval_level, draws=cfg.interval_draws,
            seed=seed, currency=currency, common_log_sd=context.account_log_sd,
            stale_bid=stale[held], seen=seen[held].reset_index(drop=True), last=last_day,
        )  # fmt: skip
        free = None
        if movable.any():
            # only the movable keywords' models from here: the account's whole frame goes
            # (660 MB at 1,000,000 keywords; issue 21)
            models = models.take(np.flatnonzero(movable))
            del stuck
            free = recommend(
                model=models,
                strategy=chosen,
                # the same context (the account-wide volume factor included) over the
                # movable keywords, the held keywords' spend taken out of the budget
                context=replace(
                    context,
                    constraints=replace(
                        context.constraints,
                        budget=None if budget is None else max(budget - spend, 0.0),
                    ),
                    out_of_stock=oos[movable],
                    landing_failed=failed[movable],
                ),
                seed=seed,
                smart_bidding=smart[movable],
                bidding_strategy=kinds[movable],
            )
        base = {
            "strategy": chosen.name,
            "policy": chosen.policy.model_dump() if chosen.policy else None,
            "objective": objective, "margin": s.sem.margin, "target_roas": target_roas,
            "horizon_days": cfg.horizon_days, "interval_level": cfg.interval_level,
            "account_log_sd": context.account_log_sd,
        }  # fmt: skip
        rec = unavailable.merged(free, rows, movable, held, spend=spend, budget=budget, base=base)
    else:
        rec = recommend(
            model=models,
            strategy=chosen,
            context=context,
            seed=seed,
            smart_bidding=smart,
            bidding_strategy=kinds,
        )
    rec.summary["currency"] = currency
    # every row's money is in it (JSON rows, the table); "string": never a NULL-typed column
    rec.table["currency"] = pd.Series(currency, index=rec.table.index, dtype="string")
    run_id = run_id or new_run_id()
    if save:
        save_recommendation(workspace, rec, run_id)
    paths = write_outputs(rec, Path(out), run_id, cfg.bid_step, top=top) if out else {}
    return BidRun(recommendation=rec, run_id=run_id, paths=paths, notes=notes)


@dataclass
class CoverageRun:
    result: Coverage
    run_id: str
    crawl: Path
    keywords: pd.DataFrame  # generated keywords of the top opportunities (Editor rows)
    ads: pd.DataFrame  # generated responsive search ads
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def opportunities(self) -> pd.DataFrame:
        return self.result.opportunities

    @property
    def waste(self) -> pd.DataFrame:
        return self.result.waste

    @property
    def products(self) -> pd.DataFrame:
        return self.result.products


def find_coverage(
    *,
    workspace: Workspace,
    crawl: str | Path = "latest",
    settings: Settings | LoadedSettings | None = None,
    top: int | None = None,
    seed: int = 0,
    out: str | Path | None = None,
    save: bool = True,
    run_id: str | None = None,
) -> CoverageRun:
    """Uncovered in-stock products and wasted paid coverage (``searchops coverage``).

    ``crawl``: a run folder, a run id or ``latest``; ``top`` defaults to ``[coverage] top_n``
    (the opportunities keywords and ads are generated for). ``out``: write the Editor CSVs
    there; ``run_id`` names the run (default: a new timestamped id).
    """
    from bidding.coverage import coverage, generated_ads, write_editor_csvs
    from bidding.coverage import save as save_coverage
    from bidding.data import new_run_id
    from bidding.site import latest_crawl, resolve_run

    s = resolve_settings(settings)
    cfg = s.coverage
    top = top or cfg.top_n
    if top < 1:
        raise SearchopsError("--top must be at least 1")
    run = latest_crawl(workspace) if str(crawl) == "latest" else resolve_run(workspace, crawl)
    if run is None:
        raise SearchopsError("no crawl in the workspace: run `searchops crawl` first")
    result = coverage(run, workspace, cfg, s.sem.margin, seed=seed)
    run_id = run_id or new_run_id("coverage")
    if save:
        save_coverage(workspace, result, run_id, run.name, cfg.horizon_days)
    keywords, ads = generated_ads(result.opportunities.head(top), cfg)
    paths = write_editor_csvs(keywords, ads, Path(out)) if out else {}
    return CoverageRun(result, run_id, run, keywords, ads, paths)


def mine_search_terms(
    *,
    workspace: Workspace,
    settings: Settings | LoadedSettings | None = None,
    source: str | None = None,
    since: date | None = None,
    until: date | None = None,
    target_roas: float | None = None,
    seed: int = 0,
    out: str | Path | None = None,
    save: bool = True,
) -> TermsResult:
    """New and negative keywords from the workspace's search terms (``searchops bid terms``).

    ``source``: the account (default: the newest with search terms); ``since``/``until``
    bound the search-term days; ``target_roas`` the ROAS new keywords' starting bids aim at
    and terms must reach to break even (default ``1 / [sem] margin``). ``out``: write
    terms-keywords-editor.csv, terms-negatives-editor.csv and terms.json there. Tables:
    ``terms_new_keywords``, ``terms_negatives`` (one ``run_id`` per call, run kind ``terms``).
    """
    from bidding.data import new_run_id
    from bidding.models import from_roi
    from bidding.terms import mine_terms, write_outputs
    from sem import tables

    if target_roas is not None and not target_roas > 0:
        raise SearchopsError("--target-roas must be positive")
    s = resolve_settings(settings)
    src = source or _newest_terms_source(workspace)
    if src is None:
        raise SearchopsError(
            "no search terms in the workspace: `searchops sem pull`, or `searchops sem import` "
            "a search terms report"
        )
    terms = tables.read(workspace, "sem_search_terms", source=src)
    if since is not None:
        terms = terms[terms["date"] >= pd.Timestamp(since)]
    if until is not None:
        terms = terms[terms["date"] <= pd.Timestamp(until)]
    if terms.empty:
        raise SearchopsError(f"no search terms of {src} in the chosen dates")
    keywords = tables.read(workspace, "sem_keywords", source=src)
    models = None
    if not keywords.empty and workspace.has_table("sem_keyword_daily"):
        from sem.roi import fit_models, options_from_settings

        try:
            fit = fit_models(workspace, source=src, options=options_from_settings(s))
        except SearchopsError:
            fit = None  # keywords without history: bids from the terms' own CPCs
        models = from_roi(fit) if fit is not None and len(fit) else None
    result = mine_terms(
        terms, keywords, models, config=s.bidding, margin=s.sem.margin,
        target_roas=target_roas, seed=seed,
    )  # fmt: skip
    run_id = new_run_id("terms")
    result.summary.update(run_id=run_id, source=src)
    if save:
        _save_terms(workspace, result, run_id)
    if out:
        result.summary["paths"] = {k: str(v) for k, v in write_outputs(result, Path(out)).items()}
    return result


def _newest_terms_source(workspace: Workspace) -> str | None:
    if not workspace.has_table("sem_search_terms"):
        return None
    row = workspace.con.execute(
        "SELECT t.source FROM sem_search_terms t LEFT JOIN runs r ON r.run_id = t.pull_id "
        "GROUP BY t.source ORDER BY max(r.started_at) DESC NULLS LAST, t.source LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def _save_terms(workspace: Workspace, result: TermsResult, run_id: str) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with workspace.transaction():
        for table, frame in (
            ("terms_new_keywords", result.new_keywords),
            ("terms_negatives", result.negatives),
        ):
            if len(frame):
                workspace.replace_rows(
                    table, frame.assign(run_id=run_id, created_at=now), "run_id", run_id
                )
        workspace.register_run(
            run_id, "terms", started_at=now, finished_at=now, label="terms", stats=result.summary
        )
