"""Lab Core Web Vitals: Playwright driving Chromium, template sampling, summaries.

Public Python API (returns paths and DataFrames)::

    from seo_crawler.vitals import measure_run, measure_urls, load_vitals

    path = measure_run("runs/crawl-...", per_template=3, runs=3, profile="mobile",
                       concurrency=2, workspace="searchops.duckdb")   # RUN/vitals.parquet
    df = measure_urls(["http://127.0.0.1:8000/__lab/hero?delay=800"], runs=3,
                      profile="none", interact="#add-to-cart")         # one row per load
    df = load_vitals("runs/crawl-...")

* ``measure_urls(urls, *, runs, profile, concurrency, interact, templates, settings)``
  -> DataFrame, one row per measurement, columns :data:`schema.VITALS` (url, template,
  run_index, lcp_ms, lcp_selector, lcp_url, lcp_lazy, cls, shift_sources, fcp_ms,
  ttfb_ms, tbt_ms, inp_ms, total_bytes, requests, attempts, error, ...);
* ``measure_run(run, *, per_template, runs, profile, concurrency, workspace, interact,
  settings, out)`` -> Path of ``vitals.parquet``: samples the crawl's 200 HTML pages
  per template (``[vitals.templates]``), measures them and, with a workspace, writes
  ``vitals_pages`` and ``vitals_templates`` (run_id, template, [url,] metric, p50, p75,
  iqr, n, rating good|ni|poor);
* ``summary.summarize(df, thresholds, by=...)`` the same statistics for any grouping.

Arguments left ``None`` take their ``[vitals]`` setting (config/default.toml).

How a page is measured (``measure``): a fresh browser context per load, throttled
per the profile through the DevTools protocol (``profiles``); buffered
PerformanceObservers injected before the page's scripts record raw entries
(``observer``); the load ends when the page is quiet (no long task, no request in
flight for ``quiet_ms``); metrics are pure functions of those entries (``metrics``).
"""

from seo_crawler.vitals.api import load_vitals, measure_run, measure_urls

__all__ = ["load_vitals", "measure_run", "measure_urls"]
