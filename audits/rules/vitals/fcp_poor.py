"""Rule SEO-VITALS-009: the template's First Contentful Paint is poor."""

from __future__ import annotations

from audits.rules.vitals._common import TemplateThresholdRule


class FcpPoor(TemplateThresholdRule):
    """A template's 75th-percentile First Contentful Paint (FCP) is poor.

    Judged on every successful lab load of the template's sampled pages against
    ``[vitals.thresholds.fcp_ms]`` (or this rule's ``good`` / ``poor`` options): poor.
    Why: FCP is when the first text or image appears; until then the shopper sees a blank screen. It bounds LCP from below.
    Anti-pattern: render-blocking stylesheets and synchronous scripts in the head, web fonts that hide text, slow server response.
    Fix: inline critical CSS, defer scripts, use font-display: swap, cut server time.
    Source: https://web.dev/articles/fcp
    """

    id = "SEO-VITALS-009"
    slug = "fcp-poor"
    family = "vitals"
    severity = "error"
    fields = ("vitals.url", "vitals.template", "vitals.fcp_ms")
    metric = "fcp_ms"
    boundary = "poor"
