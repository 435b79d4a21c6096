"""Rule SEO-VITALS-007: the template's Total Blocking Time is poor."""

from __future__ import annotations

from audits.rules.vitals._common import TemplateThresholdRule


class TbtPoor(TemplateThresholdRule):
    """A template's 75th-percentile Total Blocking Time (TBT) is poor.

    Judged on every successful lab load of the template's sampled pages against
    ``[vitals.thresholds.tbt_ms]`` (or this rule's ``good`` / ``poor`` options): poor.
    Why: TBT, the lab proxy for responsiveness, sums how long the main thread was blocked between first paint and quiet; a page that blocks cannot answer taps (poor INP in the field).
    Anti-pattern: large JavaScript bundles evaluated at load, synchronous third-party tags, hydration of the whole page at once.
    Fix: split and defer JavaScript, remove unused code and tags, break long tasks into chunks under 50 ms.
    Source: https://developer.chrome.com/docs/lighthouse/performance/lighthouse-total-blocking-time
    """

    id = "SEO-VITALS-007"
    slug = "tbt-poor"
    family = "vitals"
    severity = "error"
    fields = ("vitals.url", "vitals.template", "vitals.tbt_ms")
    metric = "tbt_ms"
    boundary = "poor"
