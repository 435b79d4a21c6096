"""Shared machinery of the vitals rules (not a rule: the registry skips ``_`` modules).

Lab vitals are judged per template (home, category, product, ...), on the 75th
percentile of every successful load of the template's sampled pages, as the
Core Web Vitals assessment judges field data (web.dev/articles/defining-core-web-vitals-thresholds).
Thresholds default to ``[vitals.thresholds]``, shared with ``searchops vitals``'s
ratings, so a rule and the table a user sees agree unless told otherwise: each threshold
rule's ``good`` / ``poor`` options can be set in ``[audit.rules."ID"]`` (a stricter
budget for the audit than the public Core Web Vitals boundaries, say).
"""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd

from audits.context import RuleContext
from audits.rule import Rule
from searchops.errors import SearchopsError

FINDING_COLUMNS = ["url", "message", "evidence", "key"]
LABELS = {
    "lcp_ms": "LCP",
    "cls": "CLS",
    "inp_ms": "INP",
    "fcp_ms": "FCP",
    "ttfb_ms": "TTFB",
    "tbt_ms": "TBT",
}
# Optional columns that make evidence more useful; rules work without them.
_EVIDENCE_COLUMNS = ("error", "lcp_selector", "lcp_url", "lcp_lazy", "shift_sources")


def fmt(metric: str, value: float) -> str:
    return f"{value:.3f}" if metric == "cls" else f"{value:,.0f} ms"


def successful_loads(ctx: RuleContext, view: str, metric: str) -> pd.DataFrame:
    """``url, template, value`` (+ evidence columns present) of the loads that measured
    ``metric``: failed loads (``error`` set) and loads without the metric are left out."""
    present = ctx.columns(view)
    extra = [c for c in _EVIDENCE_COLUMNS if c in present]
    select = ", ".join(["url", "template", f"{metric} AS value", *extra])
    where = f"{metric} IS NOT NULL" + (" AND error IS NULL" if "error" in present else "")
    frame = ctx.con.execute(f"SELECT {select} FROM {view} WHERE {where}").df()
    frame["value"] = frame["value"].astype(float)
    return frame


def _lcp_evidence(loads: pd.DataFrame) -> list[str]:
    parts = []
    if "lcp_selector" in loads:
        elements = loads["lcp_selector"].dropna()
        if not elements.empty:
            top = str(elements.value_counts().index[0])
            images = (
                sorted(set(loads.loc[loads["lcp_selector"] == top, "lcp_url"].dropna()))
                if "lcp_url" in loads
                else []
            )
            parts.append(f"LCP element {top}" + (f" ({images[0]})" if images else ""))
    if "lcp_lazy" in loads:
        lazy = loads[loads["lcp_lazy"].fillna(False).astype(bool)]
        if not lazy.empty:
            lazy_images = sorted(set(lazy["lcp_url"].dropna()))[:3] if "lcp_url" in lazy else []
            parts.append(
                f"lazy-loaded LCP image on {lazy['url'].nunique()} page(s)"
                + (f": {', '.join(lazy_images)}" if lazy_images else "")
            )
    return parts


def _cls_evidence(loads: pd.DataFrame) -> list[str]:
    if "shift_sources" not in loads:
        return []
    selectors: dict[str, int] = {}
    unsized: set[str] = set()
    for sources in loads["shift_sources"].dropna():
        for source in sources:
            if source.get("selector"):
                selectors[source["selector"]] = selectors.get(source["selector"], 0) + 1
            if source.get("unsized_image"):
                unsized.add(source["unsized_image"])
    parts = []
    if selectors:
        top = sorted(selectors, key=lambda s: (-selectors[s], s))[:3]
        parts.append("shifted elements: " + ", ".join(top))
    if unsized:
        parts.append("images without width/height behind shifts: " + ", ".join(sorted(unsized)[:3]))
    return parts


class TemplateThresholdRule(Rule):
    """Flags templates whose p75 of ``metric`` is worse than ``boundary`` (good or poor)
    and, for the needs-improvement rule, not past the poor boundary (that is the
    poor rule's finding)."""

    metric: ClassVar[str]
    boundary: ClassVar[str]  # "poor": p75 > poor; "good": good < p75 <= poor
    scope = "site"
    needs: ClassVar[tuple[str, ...]] = ("vitals",)
    options: ClassVar[tuple[str, ...]] = ("good", "poor")

    @classmethod
    def inherited_options(cls, settings: Any) -> dict[str, Any]:
        threshold = settings.vitals.thresholds[cls.metric]
        return {"good": threshold.good, "poor": threshold.poor}

    def check(self, ctx: RuleContext) -> pd.DataFrame:
        good, poor = float(self.opt("good")), float(self.opt("poor"))
        if good > poor:
            raise SearchopsError(f"audit.rules.{self.id}: good ({good:g}) is above poor ({poor:g})")
        loads = successful_loads(ctx, "vitals", self.metric)
        rows = []
        for template, group in loads.groupby("template", sort=True):
            p75 = float(group["value"].quantile(0.75))
            floor = poor if self.boundary == "poor" else good
            if p75 <= floor or (self.boundary == "good" and p75 > poor):
                continue
            rows.append(self._finding(str(template), group, p75, good, poor))
        return pd.DataFrame(rows, columns=FINDING_COLUMNS)

    def _finding(
        self, template: str, loads: pd.DataFrame, p75: float, good: float, poor: float
    ) -> dict[str, str]:
        label, m = LABELS[self.metric], self.metric
        rating = "poor" if p75 > poor else "needs improvement"
        medians = loads.groupby("url")["value"].median()
        slowest = str(medians.idxmax())
        evidence = [
            f"p75 {fmt(m, p75)} over {len(loads)} loads of {len(medians)} page(s) "
            f"(good <= {fmt(m, good)}, poor > {fmt(m, poor)})",
            f"worst page {slowest} (median {fmt(m, float(medians.max()))})",
        ]
        if m == "lcp_ms":
            evidence += _lcp_evidence(loads)
        elif m == "cls":
            evidence += _cls_evidence(loads)
        return {
            # The template's first sampled page stands for it: stable between runs,
            # so the finding's fingerprint is too.
            "url": str(min(medians.index)),
            "message": f"Template '{template}': {label} p75 {fmt(m, p75)} is {rating}",
            "evidence": "; ".join(evidence),
            "key": template,
        }
