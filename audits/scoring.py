"""Health score per audit family, 0-100, and an overall score weighted by family.

The score is built the way Lighthouse builds a category score from its audits
(developer.chrome.com/docs/lighthouse/performance/performance-scoring: each audit
scored, weighted, combined) and the way Sitebulb and other crawlers prioritise
hints (by importance and by the share of URLs affected):

* each rule that found something takes a share of its family's score away:
  ``weight(severity) x (affected / population) ** exponent``, where ``affected`` is
  the number of distinct URLs the rule flagged and ``population`` what the family
  judges (HTML pages; for vitals, the templates measured: one finding stands for a
  whole template);
* a family's score is 100 times the product of ``1 - share`` over its rules, so two
  failing rules compound, the score never goes below 0, and a family with no
  findings scores 100;
* a family that judged nothing (no HTML page, no template measured) and found nothing
  has no score at all, rather than a perfect one: a site that is down must not read
  "meta 100, content 100" beside its fetch failures;
* the overall score is the mean of the family scores weighted by
  ``[audit.family_weights]``.

The exponent (0.5 by default, ``[audit] affected_share_exponent``) makes small
shares visible: one error rule on 1% of the pages costs 6 points of its family at
the default error weight of 0.6, on 25% of them 30 points, on every page 60. A
score computed as "share of clean pages" instead barely moves when a rule breaks
a few important pages (the home page noindexed, one template slow), which is how
regressions usually start. Weights: ``[audit.severity_weights]`` in default.toml.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from searchops.settings import Settings


SCORE_COLUMNS = ["family", "score", "findings", "pages", "affected"]


def rule_share(severity_weight: float, affected: int, population: int, exponent: float) -> float:
    """The share (0-1) of its family's score one rule takes away."""
    if affected <= 0:
        return 0.0
    share = min(1.0, affected / population) if population > 0 else 1.0
    return min(1.0, severity_weight * share**exponent)


def health_scores(
    findings: pd.DataFrame,
    pages: int,
    families: list[str],
    settings: Settings,
    populations: dict[str, int] | None = None,
) -> pd.DataFrame:
    """``family, score, findings, pages, affected`` per family that ran, plus ``overall``.

    ``pages``: the HTML pages of the run; ``populations``: what a family judges
    when it is not pages (``{"vitals": templates measured}``).
    """
    per_rule = [
        {
            "family": family,
            "rule_id": rule_id,
            "severities": sorted(set(group["severity"])),
            "affected": int(group["url"].nunique()),
        }
        for (family, rule_id), group in findings.groupby(["family", "rule_id"])
    ]
    per_family = {
        str(family): (len(group), int(group["url"].nunique()))
        for family, group in findings.groupby("family")
    }
    return scores_from_counts(
        per_rule,
        per_family,
        int(findings["url"].nunique()),
        pages,
        families,
        settings,
        populations,
    )


def scores_from_counts(
    per_rule: list[dict[str, Any]],
    per_family: dict[str, tuple[int, int]],
    affected_overall: int,
    pages: int,
    families: list[str],
    settings: Settings,
    populations: dict[str, int] | None = None,
) -> pd.DataFrame:
    """:func:`health_scores` from counts (what an audit of millions of pages computes in
    DuckDB): ``per_rule`` rows ``family, rule_id, severities, affected`` (distinct URLs),
    ``per_family`` family -> (findings, affected URLs), ``affected_overall`` distinct URLs."""
    cfg = settings.audit
    weights = cfg.severity_weights
    populations = populations or {}
    rows = []
    for family in families:
        findings, affected = per_family.get(family, (0, 0))
        population = populations.get(family, pages)
        if population <= 0 and not findings:
            continue  # nothing judged, nothing found: no score
        factor = 1.0
        for rule in per_rule:
            if rule["family"] != family:
                continue
            weight = max(float(weights.get(s, 0.0)) for s in rule["severities"])
            factor *= 1.0 - rule_share(
                weight, int(rule["affected"]), population, cfg.affected_share_exponent
            )
        rows.append(
            {
                "family": family,
                "score": round(100.0 * factor, 1),
                "findings": findings,
                "pages": population,
                "affected": affected,
            }
        )
    scores = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    if len(scores):
        family_weights = scores["family"].map(cfg.family_weights).fillna(1.0)
        overall = float((scores["score"] * family_weights).sum() / family_weights.sum())
        overall_row = {
            "family": "overall",
            "score": round(overall, 1),
            "findings": int(scores["findings"].sum()),
            "pages": pages,
            "affected": affected_overall,
        }
        scores = pd.concat([scores, pd.DataFrame([overall_row])], ignore_index=True)
    return scores
