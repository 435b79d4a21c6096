"""Core Web Vitals rules: each template's 75th percentile against the good / poor
thresholds of ``[vitals.thresholds]``, and statistically supported regressions
against the baseline's ``vitals.parquet`` (``searchops vitals`` writes it)."""
