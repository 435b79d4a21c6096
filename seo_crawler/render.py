"""Rendering helpers for scrapy-playwright (Debian's Chromium; see ``[render]`` settings).

scrapy-playwright closes each page after its response is read (we never ask for
``playwright_include_page``), so pages are closed before their context: the
known page/context memory leak does not apply. What Chromium may request and how much
memory it may take: :mod:`seo_crawler.browser`.
"""

from __future__ import annotations

# Resource types that cannot change the extracted DOM: never downloaded while rendering.
SKIPPED_RESOURCES = frozenset({"image", "font", "media"})
