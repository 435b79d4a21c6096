"""Rule SEO-VITALS-003: the template's Cumulative Layout Shift is poor."""

from __future__ import annotations

from audits.rules.vitals._common import TemplateThresholdRule


class ClsPoor(TemplateThresholdRule):
    """A template's 75th-percentile Cumulative Layout Shift (CLS) is poor.

    Judged on every successful lab load of the template's sampled pages against
    ``[vitals.thresholds.cls]`` (or this rule's ``good`` / ``poor`` options): poor.
    Why: CLS is the Core Web Vital for visual stability: content that jumps while the page loads makes shoppers tap the wrong thing. Google uses Core Web Vitals in ranking.
    Anti-pattern: images and ads without width/height, banners inserted above content after load, web fonts that reflow text.
    Fix: give every image and embed width and height (or aspect-ratio), reserve space for late content, use font-display: optional or matched fallback fonts.
    Source: https://web.dev/articles/cls
    """

    id = "SEO-VITALS-003"
    slug = "cls-poor"
    family = "vitals"
    severity = "error"
    fields = ("vitals.url", "vitals.template", "vitals.cls")
    metric = "cls"
    boundary = "poor"
