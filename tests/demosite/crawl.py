"""A tiny breadth-first crawl of the demo site for the tests (not the product's crawler)."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlsplit

from tests.demosite.helpers import Response, fetch

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
# Not followed: robots-disallowed areas and the crawler traps (their entry pages are fetched).
BLOCKED = ("/cart", "/search", "/checkout")


def sitemap_urls(base: str) -> dict[str, list[tuple[str, str]]]:
    """Every URL of the sitemaps -> its xhtml:link alternates [(hreflang, href)]."""
    index = ET.fromstring(fetch(base + "/sitemap_index.xml").body)
    out: dict[str, list[tuple[str, str]]] = {}
    for loc in index.iter(SM + "loc"):
        child = ET.fromstring(gzip.decompress(fetch(loc.text or "").body))
        for url in child.iter(SM + "url"):
            href = url.findtext(SM + "loc") or ""
            out[href] = [
                (a.get("hreflang", ""), a.get("href", "")) for a in url.iter(XHTML + "link")
            ]
    return out


def crawl(
    base: str, traps: list[str], limit: int = 5000
) -> tuple[dict[str, Response], dict[str, set[str]]]:
    """Fetch everything reachable by <a> links, sitemaps, canonicals and hreflang.

    Breadth-first, one level at a time, each level fetched by a few threads. Trap entry
    pages are fetched but not followed. Returns (url -> response, url -> set of pages
    linking to it by <a>).
    """
    host = urlsplit(base).netloc
    level = [base + "/", *sitemap_urls(base)]
    seen = set(level)
    pages: dict[str, Response] = {}
    inlinks: dict[str, set[str]] = {}
    with ThreadPoolExecutor(max_workers=6) as pool:
        while level and len(pages) < limit:
            following = []
            for url, response in zip(level, pool.map(fetch, level), strict=True):
                pages[url] = response
                if response.status != 200 or "html" not in response.headers.get("content-type", ""):
                    continue
                in_trap = any(urlsplit(url).path.startswith(t) for t in traps)
                doc = response.doc()
                targets = []
                for a in doc.xpath("//a[@href]"):
                    target = urljoin(url, a.get("href")).split("#")[0]
                    targets.append(target)
                    inlinks.setdefault(target, set()).add(url)
                targets += [
                    urljoin(url, h)
                    for h in doc.xpath('//head/link[@rel="canonical" or @rel="alternate"]/@href')
                ]
                for target in targets:
                    parts = urlsplit(target)
                    if parts.scheme != "http" or parts.netloc != host or target in seen:
                        continue
                    if parts.path.startswith(BLOCKED) or "sort=" in parts.query:
                        continue
                    if "color=" in parts.query and "size=" in parts.query:
                        continue  # facet combinations: one level of facets is enough here
                    if in_trap:
                        continue  # enter a trap once, never follow it further
                    seen.add(target)
                    following.append(target)
            level = following
    return pages, inlinks
