"""Rule SEO-VITALS-002: the template's Largest Contentful Paint is not good."""

from __future__ import annotations

from audits.rules.vitals._common import TemplateThresholdRule


class LcpNeedsImprovement(TemplateThresholdRule):
    """A template's 75th-percentile Largest Contentful Paint (LCP) needs improvement.

    Judged on every successful lab load of the template's sampled pages against
    ``[vitals.thresholds.lcp_ms]`` (or this rule's ``good`` / ``poor`` options): needs improvement (between good and poor).
    Why: LCP is the Core Web Vital for loading: how long until the main content (usually the hero or product image) is painted. Google uses Core Web Vitals in ranking, and slow LCP loses shoppers before they see the product.
    Anti-pattern: a lazy-loaded or JavaScript-inserted hero image, render-blocking CSS and scripts, an unoptimized multi-megabyte product photo, a slow server response.
    Fix: serve the LCP image early (no loading=lazy, fetchpriority=high, preload), compress and size it responsively, cut render-blocking resources and server time.
    Source: https://web.dev/articles/lcp
    """

    id = "SEO-VITALS-002"
    slug = "lcp-needs-improvement"
    family = "vitals"
    severity = "warning"
    fields = ("vitals.url", "vitals.template", "vitals.lcp_ms")
    metric = "lcp_ms"
    boundary = "good"
