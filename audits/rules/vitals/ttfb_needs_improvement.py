"""Rule SEO-VITALS-012: the template's Time to First Byte is not good."""

from __future__ import annotations

from audits.rules.vitals._common import TemplateThresholdRule


class TtfbNeedsImprovement(TemplateThresholdRule):
    """A template's 75th-percentile Time to First Byte (TTFB) needs improvement.

    Judged on every successful lab load of the template's sampled pages against
    ``[vitals.thresholds.ttfb_ms]`` (or this rule's ``good`` / ``poor`` options): needs improvement (between good and poor).
    Why: TTFB is how long the server (and redirects) take before the first byte of the page arrives; every other loading metric waits for it.
    Anti-pattern: uncached server rendering of catalog pages, redirect chains, slow database queries per request.
    Fix: cache rendered pages at the edge (CDN), remove redirect hops, profile and speed up the backend.
    Source: https://web.dev/articles/ttfb
    """

    id = "SEO-VITALS-012"
    slug = "ttfb-needs-improvement"
    family = "vitals"
    severity = "warning"
    fields = ("vitals.url", "vitals.template", "vitals.ttfb_ms")
    metric = "ttfb_ms"
    boundary = "good"
