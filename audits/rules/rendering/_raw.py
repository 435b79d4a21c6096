"""SQL shared by the rendering rules (over one ``html_pages`` row)."""

from __future__ import annotations

# The page was rendered and its raw HTML's facts were recorded beside it (runs of schema 3+;
# raw_h1 is a list, never null, whenever the raw HTML was read).
RENDERED_WITH_RAW = "(coalesce(rendered, false) AND raw_h1 IS NOT NULL)"
# The raw HTML's <meta name=robots|googlebot> says noindex (or none).
RAW_NOINDEX = "regexp_matches(coalesce(raw_meta_robots, ''), '(^|[^a-z])(noindex|none)([^a-z]|$)')"
