"""The columns of ``RUN/vitals.parquet`` (one row per measurement) and of the workspace
tables ``vitals_pages`` / ``vitals_templates``. A contract, like ``seo_crawler.schema``:
the vitals audit rules and the weekly report read these columns."""

from __future__ import annotations

import pyarrow as pa

VITALS_FILE = "vitals.parquet"
VITALS_MANIFEST = "vitals.json"
# Bump when a column changes meaning or type; recorded in vitals.json.
VITALS_SCHEMA_VERSION = 2  # 2: browser_blocked

SHIFT_SOURCE = pa.struct(
    [
        ("selector", pa.string()),  # CSS selector of an element that moved
        ("unsized_image", pa.string()),  # URL of the image without width/height above it, if any
    ]
)

# fmt: off
VITALS = pa.schema([
    ("url", pa.string()),               # the URL measured
    ("template", pa.string()),          # home | category | product | other (config regexes) or as given
    ("run_index", pa.int32()),          # 0..runs-1: which repetition of this URL
    ("profile", pa.string()),           # emulation profile (mobile | desktop | none | custom)
    ("status", pa.int32()),             # HTTP status of the document; null if navigation failed
    ("lcp_ms", pa.float64()),           # Largest Contentful Paint, ms since navigation start
    ("lcp_selector", pa.string()),      # CSS selector of the LCP element
    ("lcp_url", pa.string()),           # resource URL of the LCP element (image), null for text
    ("lcp_lazy", pa.bool_()),           # the LCP element is an <img loading=lazy>
    ("cls", pa.float64()),              # Cumulative Layout Shift (largest session window)
    ("shift_sources", pa.list_(SHIFT_SOURCE)),  # elements that moved, largest shift first
    ("fcp_ms", pa.float64()),           # First Contentful Paint
    ("ttfb_ms", pa.float64()),          # time to the document's first response byte (incl. redirects)
    ("tbt_ms", pa.float64()),           # Total Blocking Time, FCP to quiet
    ("inp_ms", pa.float64()),           # Interaction to Next Paint of the scripted --interact click
    ("total_bytes", pa.int64()),        # bytes transferred (encoded), all requests
    ("requests", pa.int32()),           # requests sent (each redirect hop counts)
    ("attempts", pa.int32()),           # 1, or 2+ when earlier attempts failed
    ("error", pa.string()),             # why the last attempt failed (metrics null); null if measured
    # requests the browser did not send (outside the crawl's scope and safety policy,
    # seo_crawler.browser): "<reason>: <METHOD> <url>", at most 20; null if none
    ("browser_blocked", pa.list_(pa.string())),
    ("measured_at", pa.timestamp("ms", tz="UTC")),
])
# fmt: on

# Metrics summarized into the workspace tables (vitals_pages, vitals_templates):
# run_id, template, [url,] metric, p50, p75, iqr, n, rating (good | ni | poor | null), profile.
SUMMARY_METRICS = (
    "lcp_ms",
    "cls",
    "inp_ms",
    "fcp_ms",
    "ttfb_ms",
    "tbt_ms",
    "total_bytes",
    "requests",
)
