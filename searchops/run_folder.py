"""Run folders: the portable artifact of one crawl (Parquet files + ``crawl.json``).

A run folder can be audited offline, years later, without re-crawling. The
manifest records what is needed to interpret it: start URLs, settings,
library versions, the schema version of every Parquet file, stats and timings.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from searchops.errors import SearchopsError

MANIFEST = "crawl.json"
# Bump when a column of pages/links/sitemaps.parquet changes meaning or type;
# readers check it (seo_crawler.schema documents every column).
# 2: pages.needs_render.
# 3: pages.hreflang keeps the code as written (not trimmed) and alternates without href
#    (href null); files that are not HTML record their Link header canonical and hreflang.
# 4: pages.jsonld_control_chars.
# 5: pages.non_link_anchors, links.anchor_source (links.anchor of an image link is its alt).
# 6: sitemaps.namespace/structure_issues, sitemap_urls.changefreq/priority/loc_markup,
#    sitemap alternates without href or hreflang kept (null); a <loc> with markup is read whole.
# 7: robots.parquet (each origin's robots.txt as read); a URL not fetched because its
#    robots.txt gave no answer is fetch_state=error, one answering 5xx blocked_robots with
#    the reason in error.
# 8: pages' commerce facts (product_markup, price_shown, ...) and a rendered page's raw_*
#    columns (every rendered page is fetched raw first); render_reason sample.
# 9: pages.browser_blocked (what the rendering browser was not allowed to request).
# 10: pages.product (what a shopper can judge a product by: seo_crawler.facts.product_page);
#     sitemap_urls.images/image_count/videos/video_count (image and video sitemap entries).
SCHEMA_VERSION = 10

_VERSIONED = ("searchops", "scrapy", "scrapy-playwright", "extruct", "pyarrow", "duckdb")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def new_run_dir(base: Path | None = None, label: str = "run") -> Path:
    """A fresh, timestamped run folder under ``base`` (default ``./runs``)."""
    base = base or Path("runs")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = base / f"{label}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = base / f"{label}-{stamp}-{n}"
    path.mkdir(parents=True)
    return path


def write_manifest(run: Path, manifest: dict[str, Any]) -> Path:
    """Write ``crawl.json`` atomically (a crash never leaves half a manifest)."""
    data = {"schema_version": SCHEMA_VERSION, "versions": library_versions(), **manifest}
    run.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=run, prefix=".crawl.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True, default=str)
    target = run / MANIFEST
    os.replace(tmp, target)
    return target


def read_manifest(run: Path) -> dict[str, Any]:
    path = Path(run) / MANIFEST
    if not path.is_file():
        from seo_crawler import layout

        if _crawler_alive(Path(run) / layout.PID):
            raise SearchopsError(f"{run}: a crawl is still running here (no {MANIFEST} yet)")
        if (Path(run) / layout.SPEC).is_file() or (Path(run) / layout.FRONTIER).is_file():
            raise SearchopsError(
                f"{run}: an interrupted crawl (no {MANIFEST} yet); finish it with: "
                f"searchops crawl --out {run} --resume"
            )
        raise SearchopsError(f"{run}: not a run folder (no {MANIFEST})")
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SearchopsError(f"{path}: unreadable manifest: {exc}") from None
    if data.get("schema_version", 0) > SCHEMA_VERSION:
        raise SearchopsError(
            f"{path}: schema version {data['schema_version']} is newer than this "
            f"searchops understands ({SCHEMA_VERSION}); upgrade searchops"
        )
    return data


def parquet_path(run: Path, name: str) -> Path:
    """``RUN/<name>.parquet`` or, for part-file runs, the glob DuckDB/pyarrow read."""
    single = Path(run) / f"{name}.parquet"
    if single.exists():
        return single
    return Path(run) / name  # a directory of part files (pages/part-0000.parquet, ...)


def _crawler_alive(pid_file: Path) -> bool:
    """Whether the crawler process named in ``pid_file`` still runs (a kill -9 leaves the file)."""
    try:
        os.kill(int(pid_file.read_text().strip()), 0)
    except (OSError, ValueError):
        return False
    return True
