"""Rule SEO-VITALS-013: a template's lab vitals got worse than in the baseline."""

from __future__ import annotations

import pandas as pd

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.vitals._common import FINDING_COLUMNS, LABELS, fmt, successful_loads
from audits.rules.vitals._regression import compare_runs


class TemplateRegressed(Rule):
    """A template's lab Core Web Vitals regressed against the baseline run, beyond noise.

    Compares every successful load of each template with the baseline's (LCP, CLS,
    INP, TBT, FCP, TTFB; the metrics of ``[vitals.regression.min_effect]``) and flags
    a template only when the change is statistically supported: a one-sided
    Mann-Whitney U test (Holm-corrected) and a bootstrap interval of the median
    difference whose lower bound clears the minimum effect (see ``_regression``).
    Two runs of an unchanged site produce no finding.
    Why: a deploy that slows one template (a new hero image, a blocking tag) costs
    rankings and conversions on thousands of pages at once; catching it in CI, before
    field data shows it four weeks later, is the point of lab measurement.
    Anti-pattern: alerting on any week-over-week change of a lab median, which is noise
    half the time, until nobody reads the alerts.
    Fix: look at what the template's pages changed since the baseline (the evidence
    gives the size of the change); fix it or accept it by moving the baseline.
    Source: https://github.com/GoogleChrome/lighthouse/blob/main/docs/variability.md
    """

    id = "SEO-VITALS-013"
    slug = "template-regressed"
    family = "vitals"
    severity = "error"
    scope = "site"
    needs = ("vitals", "baseline")
    fields = ("vitals.url", "vitals.template")

    def check(self, ctx: RuleContext) -> pd.DataFrame:
        if "baseline_vitals" not in {r[0] for r in ctx.con.execute("SHOW TABLES").fetchall()}:
            return pd.DataFrame(columns=FINDING_COLUMNS)  # the baseline was never measured
        regression = ctx.settings.vitals.regression
        present = ctx.columns("vitals") & ctx.columns("baseline_vitals")
        metrics = [m for m in regression.min_effect if m in present]
        current = _long(ctx, "vitals", metrics)
        baseline = _long(ctx, "baseline_vitals", metrics)
        first_page = current.groupby("template")["url"].min()
        rows = []
        for c in compare_runs(current, baseline, regression):
            if not c.regressed:
                continue
            change = c.current_median - c.baseline_median
            relative = f", {change / c.baseline_median:+.0%}" if c.baseline_median else ""
            m = c.metric
            rows.append(
                {
                    "url": first_page[c.template],
                    "message": (
                        f"Template '{c.template}': {LABELS[m]} median {fmt(m, c.baseline_median)}"
                        f" -> {fmt(m, c.current_median)} ({'+' if change >= 0 else ''}"
                        f"{fmt(m, change)}{relative}) since the baseline"
                    ),
                    "evidence": (
                        f"{c.n_current} loads vs {c.n_baseline}; Mann-Whitney U p = "
                        f"{c.p_adjusted:.2g} (Holm); {regression.confidence:.0%} bootstrap interval "
                        f"of the median change {fmt(m, c.ci_low)} .. {fmt(m, c.ci_high)}; "
                        f"minimum effect {fmt(m, c.min_effect)}"
                    ),
                    "key": f"{c.template} {m}",
                }
            )
        return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def _long(ctx: RuleContext, view: str, metrics: list[str]) -> pd.DataFrame:
    frames = [
        successful_loads(ctx, view, m)[["url", "template", "value"]].assign(metric=m)
        for m in metrics
    ]
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["url", "template", "value", "metric"])
    )
