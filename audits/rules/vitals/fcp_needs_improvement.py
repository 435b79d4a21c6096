"""Rule SEO-VITALS-010: the template's First Contentful Paint is not good."""

from __future__ import annotations

from audits.rules.vitals._common import TemplateThresholdRule


class FcpNeedsImprovement(TemplateThresholdRule):
    """A template's 75th-percentile First Contentful Paint (FCP) needs improvement.

    Judged on every successful lab load of the template's sampled pages against
    ``[vitals.thresholds.fcp_ms]`` (or this rule's ``good`` / ``poor`` options): needs improvement (between good and poor).
    Why: FCP is when the first text or image appears; until then the shopper sees a blank screen. It bounds LCP from below.
    Anti-pattern: render-blocking stylesheets and synchronous scripts in the head, web fonts that hide text, slow server response.
    Fix: inline critical CSS, defer scripts, use font-display: swap, cut server time.
    Source: https://web.dev/articles/fcp
    """

    id = "SEO-VITALS-010"
    slug = "fcp-needs-improvement"
    family = "vitals"
    severity = "warning"
    fields = ("vitals.url", "vitals.template", "vitals.fcp_ms")
    metric = "fcp_ms"
    boundary = "good"
