"""Image files of a crawl, sampled: what the server sends for the images pages declare.

After a crawl, a bounded sample of its images is requested: per URL template
(:func:`seo_crawler.urls.template_of`) the first ``image_sample_pages`` pages (by URL) that
answered 200, the first ``image_sample_per_page`` images of each in document order (the
first is usually the product image, the LCP), each distinct image once, at most
``image_sample_max`` in all, from the first ``image_sample_max`` templates by name at most
(so that the memory it takes is bounded whatever the number of templates). Each is one ranged GET (``Range: bytes=0-N``, N =
``image_sample_bytes``): enough for the image's header, which gives its served size and
format (read by Pillow without decoding pixels), and its total size from Content-Range or
Content-Length. Only images on hosts of the crawl's scope are requested, never a link-local
or cloud-metadata address, and only what the host's robots.txt (as the crawl read it,
robots.parquet) allows the crawler's token; redirects are not followed (recorded as such).

The rows are ``images.parquet`` (:data:`seo_crawler.schema.IMAGE_FILES`); the media rules
compare declared and served sizes, the format and the bytes. Google's image guidance:
developers.google.com/search/docs/appearance/google-images (supported formats, size).
"""

from __future__ import annotations

import asyncio
import bisect
import io
import re
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from searchops.run_folder import parquet_path
from seo_crawler import schema
from seo_crawler.config import CrawlConfig
from seo_crawler.memory import row_groups
from seo_crawler.robots import RobotsTxt, product_token
from seo_crawler.urls import Scope, host_of, template_of, unsafe_address

_CONTENT_RANGE = re.compile(r"bytes\s+\d+-\d+/(\d+)")
_DIGITS = re.compile(r"^\s*(\d+)\s*$")


def _int(value: Any) -> int | None:
    match = _DIGITS.match(str(value)) if value is not None else None
    return int(match.group(1)) if match else None


def _dataset(run: Path, name: str) -> ds.Dataset | None:
    """One artifact of the run folder (a file or a folder of part files), None if absent."""
    path = parquet_path(run, name)
    if not path.exists():
        return None
    return ds.dataset(path, format="parquet")


def choose(run: Path, config: CrawlConfig) -> list[dict[str, Any]]:
    """The sample: one row per distinct image (page, template, src, declared size)."""
    pages = _dataset(run, "pages")
    if pages is None or "images" not in pages.schema.names or config.image_sample_max == 0:
        return []
    per_template: dict[str, list[tuple[str, list[dict[str, Any]]]]] = {}
    names: list[str] = []  # the templates kept, sorted
    # File by file, a row group at a time, not the dataset scanner (its read-ahead held ~90 MB
    # more at 100,000 pages) nor iter_batches (+150 MB over a million pages): this is the peak
    # of the crawl's finalization, whose budget is 400 MB (see seo_crawler.memory)
    batches = (
        batch for path in pages.files for batch in row_groups(path, ["url", "status", "images"])
    )
    for batch in batches:
        for url, status, images in zip(
            *(batch.column(i).to_pylist() for i in range(3)), strict=True
        ):
            if status != 200 or not images:
                continue
            template = template_of(url)
            if template not in per_template:
                # Only the first image_sample_max templates by name can be sampled (each
                # gives at least one image unless all its images were seen): keep no more,
                # so a site whose every page is its own template holds a bounded buffer.
                if len(names) >= config.image_sample_max:
                    if template > names[-1]:
                        continue
                    del per_template[names.pop()]
                bisect.insort(names, template)
                per_template[template] = []
            pages = per_template[template]
            pages.append((url, images[: config.image_sample_per_page]))
            # keep the first pages by URL: a deterministic sample whatever the crawl order
            if len(pages) > config.image_sample_pages * 4:
                pages.sort(key=lambda p: p[0])
                del pages[config.image_sample_pages :]
    chosen: dict[str, dict[str, Any]] = {}
    for template in sorted(per_template):
        for page, images in sorted(per_template[template], key=lambda p: p[0])[
            : config.image_sample_pages
        ]:
            for image in images:
                src = image.get("src")
                if not src or not src.startswith(("http://", "https://")) or src in chosen:
                    continue
                if len(chosen) >= config.image_sample_max:
                    return list(chosen.values())
                chosen[src] = {
                    "page": page, "template": template, "src": src,
                    "declared_width": _int(image.get("width")),
                    "declared_height": _int(image.get("height")),
                }  # fmt: skip
    return list(chosen.values())


def _robots(run: Path) -> dict[str, RobotsTxt | bool]:
    """Per origin: its parsed rules, or True (allow all) / False (disallow all)."""
    robots = _dataset(run, "robots")
    if robots is None:
        return {}
    found: dict[str, RobotsTxt | bool] = {}
    for row in robots.to_table(columns=["origin", "outcome", "body"]).to_pylist():
        outcome = row["outcome"]
        found[row["origin"]] = (
            RobotsTxt.parse(row["body"] or "") if outcome == "rules" else outcome == "allow_all"
        )
    return found


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _header_facts(head: bytes) -> tuple[str | None, int | None, int | None]:
    """Format, width and height from an image's first bytes, without decoding its pixels."""
    if b"<svg" in head[:2048].lower():
        return "SVG", None, None
    from PIL import Image  # only when images are sampled

    # Pillow refuses to open a header announcing a huge image (a decompression bomb) so that
    # its pixels are never decoded; only the header is read here, so the size is recorded
    # (a 60,000 px file is a finding, not an unreadable one).
    Image.MAX_IMAGE_PIXELS = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(head)) as image:
                return image.format, image.width, image.height
    except Exception:  # not an image, or a header past the bytes read
        return None, None, None


async def _fetch(
    session: aiohttp.ClientSession,
    row: dict[str, Any],
    config: CrawlConfig,
    limit: asyncio.Semaphore,
) -> None:
    async with limit:
        try:
            async with session.get(
                row["src"], allow_redirects=False,
                headers={"Range": f"bytes=0-{config.image_sample_bytes - 1}"},
            ) as response:  # fmt: skip
                row["status"] = response.status
                row["content_type"] = (response.headers.get("Content-Type") or "").split(";")[
                    0
                ].strip().lower() or None
                head = await response.content.read(config.image_sample_bytes)
                whole = response.content.at_eof()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            row.update(fetch_state="error", error=f"{type(exc).__name__}: {str(exc)[:200]}")
            return
    row["fetch_state"] = "fetched"
    if row["status"] >= 300:
        return
    total = _CONTENT_RANGE.search(response.headers.get("Content-Range") or "")
    length = _int(response.headers.get("Content-Length")) if row["status"] == 200 else None
    row["bytes"] = int(total.group(1)) if total else length or (len(head) if whole else None)
    row["format"], row["width"], row["height"] = _header_facts(head)


async def _fetch_all(rows: list[dict[str, Any]], config: CrawlConfig) -> None:
    timeout = aiohttp.ClientTimeout(total=config.timeout_s)
    limit = asyncio.Semaphore(min(config.concurrency_per_host, 4))
    async with aiohttp.ClientSession(
        timeout=timeout, headers={"User-Agent": config.user_agent}, trust_env=False,
        auto_decompress=False,
    ) as session:  # fmt: skip
        await asyncio.gather(*(_fetch(session, row, config, limit) for row in rows))


def sample(run: Path, config: CrawlConfig, start_urls: list[str]) -> dict[str, int]:
    """Request the sample, write ``images.parquet``; returns counts per fetch_state."""
    rows = choose(run, config)
    if not rows:
        return {}
    scope = Scope.build(config, start_urls)
    robots = _robots(run) if config.obey_robots else {}
    token = config.robots_user_agent or product_token(config.user_agent)
    to_fetch = []
    for row in rows:
        src = row["src"]
        host = host_of(src)
        if not scope.internal(src):
            row["fetch_state"] = "out_of_scope"
        elif unsafe_address(host):
            row["fetch_state"] = "blocked_unsafe"
        elif host in {h.lower() for h in config.resolve}:
            row.update(fetch_state="not_sampled", error="host mapped by [crawl] resolve")
        elif config.obey_robots and not _robots_allow(robots.get(_origin(src)), src, token):
            row["fetch_state"] = "blocked_robots"
        else:
            to_fetch.append(row)
    if to_fetch:
        asyncio.run(_fetch_all(to_fetch, config))
    table = pa.Table.from_pylist(rows, schema=schema.IMAGE_FILES)
    pq.write_table(table, run / "images.parquet")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["fetch_state"]] = counts.get(row["fetch_state"], 0) + 1
    return counts


def _robots_allow(rules: RobotsTxt | bool | None, url: str, token: str) -> bool:
    """A host whose robots.txt the crawl never read is not requested (nothing says it may)."""
    if isinstance(rules, RobotsTxt):
        return rules.allowed(url, token)
    return bool(rules)
