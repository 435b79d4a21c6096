"""Rendering helpers for scrapy-playwright (Debian's Chromium; see ``[render]`` settings).

scrapy-playwright closes each page after its response is read (we never ask for
``playwright_include_page``), so pages are closed before their context: the
known page/context memory leak does not apply.
"""

from __future__ import annotations

from typing import Any

_SKIPPED = frozenset({"image", "font", "media"})


def skip_heavy_resource(request: Any) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: resources that cannot change the extracted DOM."""
    return request.resource_type in _SKIPPED
