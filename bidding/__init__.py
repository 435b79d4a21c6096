"""Bid optimization, guardrails, recommendations, safe apply, and catalog coverage expansion.

Python API (small, DataFrame-returning, keyword-only arguments, defaults from the settings;
the CLI ``bidding/cli.py`` is thin over it)::

    import bidding
    run = bidding.recommend_bids(workspace=ws, budget=2500, out="review/")   # bid recommend
    run.table, run.frontier, run.summary["budget_check"], run.run_id
    cov = bidding.find_coverage(workspace=ws, crawl="latest", out="coverage/")  # coverage
    cov.opportunities, cov.waste, cov.keywords, cov.ads
    terms = bidding.mine_search_terms(workspace=ws, out="terms/")            # bid terms
    terms.new_keywords, terms.negatives, terms.terms

The building blocks, for notebooks and tests::

    from bidding.optimizer import ResponseCurves, Optimizer, optimize
    sol = optimize(curves, lower, upper, objective="profit", margin=0.3, budget=5000)
    sol.bids, sol.multiplier, sol.binding, sol.feasible        # one multiplier, KKT-exact
    Optimizer(curves, lower, upper, margin=0.3).frontier(sol.multiplier)   # spend vs value

    from bidding.data import load_models, keyword_flags, smart_bidding_flags
    models = load_models(workspace, settings)                   # sem.roi.fit_models -> KeywordModels
    oos, failed = keyword_flags(workspace, models.frame)        # latest crawl + sem_products
    smart, kinds = smart_bidding_flags(workspace, models.frame) # sem_keywords.smart_bidding

    from bidding.strategy import get_strategy, Context, Constraints
    from bidding.recommend import recommend
    rec = recommend(model=models, strategy=get_strategy("exact", settings.bidding.policy),
                    context=Context(config=settings.bidding,
                                    constraints=Constraints(margin=0.3, budget=5000),
                                    out_of_stock=oos, landing_failed=failed), seed=0,
                    smart_bidding=smart, bidding_strategy=kinds)
    rec.table      # one row per keyword: action (set_bid|pause|hold), bids, reasons, d_* (+_lo/_hi)
    rec.frontier   # the bid_frontier rows;  rec.summary: totals with intervals, binding constraint

    from bidding.tuning import build_folds, tune               # Optuna walk-forward policy search
    from bidding.apply import apply_bids                       # MutateAdGroupCriteria, journaled
    from bidding.coverage import coverage, generated_ads       # crawl products x paid coverage
    from bidding.terms import mine_terms                       # search-term mining on frames

Modules: ``optimizer`` (the exact solver and its CPC model), ``guardrails`` (the box and the
pre-send re-check), ``strategy`` (the ``BidStrategy`` base; implementations ``_exact``,
``_rule``, ``_current``), ``recommend`` (reason codes, Monte Carlo intervals), ``export``
(Google Ads Editor CSV, JSON, review table), ``apply``, ``tuning``, ``coverage``, ``site``
(reading a crawl's pages and Product structured data), ``data`` (workspace reads/writes).

Workspace tables written: ``bid_recommendations``, ``bid_frontier``, ``bid_journal``,
``bid_policy``, ``coverage_opportunities``, ``coverage_waste``, ``terms_new_keywords``,
``terms_negatives`` (columns documented in ``bidding.data``, ``bidding.apply``,
``bidding.tuning``, ``bidding.coverage`` and ``bidding.terms``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["find_coverage", "mine_search_terms", "recommend_bids"]


def __getattr__(name: str) -> Any:
    # Lazy: ``searchops.settings`` imports ``bidding.config`` at every CLI start, which must not
    # drag in the optimizer, pandas and the workspace.
    if name not in __all__:
        raise AttributeError(f"module 'bidding' has no attribute {name!r}")
    from bidding import api

    return getattr(api, name)
