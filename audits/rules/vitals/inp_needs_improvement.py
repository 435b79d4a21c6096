"""Rule SEO-VITALS-006: the template's Interaction to Next Paint is not good."""

from __future__ import annotations

from audits.rules.vitals._common import TemplateThresholdRule


class InpNeedsImprovement(TemplateThresholdRule):
    """A template's 75th-percentile Interaction to Next Paint (INP) needs improvement.

    Judged on every successful lab load of the template's sampled pages against
    ``[vitals.thresholds.inp_ms]`` (or this rule's ``good`` / ``poor`` options): needs improvement (between good and poor).
    Why: INP is the Core Web Vital for responsiveness: the delay between a tap (add to cart) and the screen answering. Google uses Core Web Vitals in ranking.
    Anti-pattern: long click handlers, heavy framework re-renders on every interaction, third-party scripts hogging the main thread.
    Fix: yield to the main thread in handlers, paint feedback first and defer the rest, break up long tasks.
    Source: https://web.dev/articles/inp
    """

    id = "SEO-VITALS-006"
    slug = "inp-needs-improvement"
    family = "vitals"
    severity = "warning"
    fields = ("vitals.url", "vitals.template", "vitals.inp_ms")
    metric = "inp_ms"
    boundary = "good"
