"""Rule SEO-VITALS-005: the template's Interaction to Next Paint is poor."""

from __future__ import annotations

from audits.rules.vitals._common import TemplateThresholdRule


class InpPoor(TemplateThresholdRule):
    """A template's 75th-percentile Interaction to Next Paint (INP) is poor.

    Judged on every successful lab load of the template's sampled pages against
    ``[vitals.thresholds.inp_ms]`` (or this rule's ``good`` / ``poor`` options): poor.
    Why: INP is the Core Web Vital for responsiveness: the delay between a tap (add to cart) and the screen answering. Google uses Core Web Vitals in ranking.
    Anti-pattern: long click handlers, heavy framework re-renders on every interaction, third-party scripts hogging the main thread.
    Fix: yield to the main thread in handlers, paint feedback first and defer the rest, break up long tasks.
    Source: https://web.dev/articles/inp
    """

    id = "SEO-VITALS-005"
    slug = "inp-poor"
    family = "vitals"
    severity = "error"
    fields = ("vitals.url", "vitals.template", "vitals.inp_ms")
    metric = "inp_ms"
    boundary = "poor"
