"""Rule SEO-VITALS-008: the template's Total Blocking Time is not good."""

from __future__ import annotations

from audits.rules.vitals._common import TemplateThresholdRule


class TbtNeedsImprovement(TemplateThresholdRule):
    """A template's 75th-percentile Total Blocking Time (TBT) needs improvement.

    Judged on every successful lab load of the template's sampled pages against
    ``[vitals.thresholds.tbt_ms]`` (or this rule's ``good`` / ``poor`` options): needs improvement (between good and poor).
    Why: TBT, the lab proxy for responsiveness, sums how long the main thread was blocked between first paint and quiet; a page that blocks cannot answer taps (poor INP in the field).
    Anti-pattern: large JavaScript bundles evaluated at load, synchronous third-party tags, hydration of the whole page at once.
    Fix: split and defer JavaScript, remove unused code and tags, break long tasks into chunks under 50 ms.
    Source: https://developer.chrome.com/docs/lighthouse/performance/lighthouse-total-blocking-time
    """

    id = "SEO-VITALS-008"
    slug = "tbt-needs-improvement"
    family = "vitals"
    severity = "warning"
    fields = ("vitals.url", "vitals.template", "vitals.tbt_ms")
    metric = "tbt_ms"
    boundary = "good"
