"""A visit: one URL's way through the crawl, from the frontier to its row.

It travels in ``request.meta[VISIT]`` (one key, instead of a handful of loose meta keys)
across every request made for the URL: the first fetch, each redirect hop and a render
(which carries what the raw HTML said). Frozen: a hop or a retry makes a new visit with :func:`dataclasses.replace`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VISIT = "searchops_visit"  # the request.meta key


@dataclass(frozen=True, slots=True)
class Visit:
    url: str  # as scheduled: the row's url (a redirect's hops are fetched under other URLs)
    depth: int  # clicks from a start URL
    source: str  # discovered_from: start | link | sitemap | canonical | hreflang
    referrer: str | None  # the page that led here
    # False for an alternate fetched beyond max_depth ([crawl] fetch_alternates): the page is
    # recorded, its links are not followed.
    follow: bool = True
    chain: tuple[dict[str, Any], ...] = ()  # redirect hops so far: {url, status}
    hop_links: tuple[dict[str, Any], ...] = ()  # the hops' links.parquet rows (kind=redirect)
    render: str | None = None  # why the page is rendered in Chromium (render_reason), if it is
    # A render's raw HTML facts (the raw_* columns and needs_render), from the raw fetch before it.
    raw: dict[str, Any] | None = None
