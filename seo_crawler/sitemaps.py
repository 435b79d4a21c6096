"""Sitemap parsing (sitemaps.org protocol) that hostile files cannot hurt.

* gzip is inflated with Scrapy's ``gunzip(max_size=...)``: a decompression bomb stops
  at the cap instead of filling memory;
* XML is parsed by lxml with entity resolution, network access and huge trees off
  (the same parser options as Scrapy's own ``scrapy.utils.sitemap``): no billion
  laughs, no XXE, bounded memory. ``recover=True`` keeps what is readable of a broken file.

Scrapy's ``Sitemap`` class drops the ``hreflang`` of ``xhtml:link`` alternates,
which hreflang audits need, hence this small reader over the same parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree
from scrapy.utils.gz import gunzip

_GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class SitemapFile:
    kind: str  # index | urlset | invalid
    urls: list[dict[str, object]] = field(default_factory=list)  # urlset: loc, lastmod, alternates
    children: list[str] = field(default_factory=list)  # index: child sitemap locations
    bytes_uncompressed: int = 0
    error: str | None = None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
        load_dtd=False,
    )


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(body: bytes, max_bytes: int) -> SitemapFile:
    """Parse a sitemap or sitemap index (gzipped or not). Never raises."""
    if body[:2] == _GZIP_MAGIC:
        try:
            body = gunzip(body, max_size=max_bytes)
        except Exception as exc:  # bomb (size cap) or corrupt gzip: record, go on
            return SitemapFile("invalid", error=f"gzip: {type(exc).__name__}: {str(exc)[:200]}")
    size = len(body)
    if size > max_bytes:
        return SitemapFile(
            "invalid", bytes_uncompressed=size, error=f"larger than {max_bytes} bytes"
        )
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError as exc:
        return SitemapFile("invalid", bytes_uncompressed=size, error=f"xml: {str(exc)[:200]}")
    if root is None:
        return SitemapFile("invalid", bytes_uncompressed=size, error="xml: empty document")
    kind = _local(root.tag).lower()
    if kind == "sitemapindex":
        children = [_child_text(s, "loc") for s in root if _local(s.tag) == "sitemap"]
        return SitemapFile("index", children=[c for c in children if c], bytes_uncompressed=size)
    if kind != "urlset":
        return SitemapFile("invalid", bytes_uncompressed=size, error=f"unexpected root <{kind}>")
    urls: list[dict[str, object]] = []
    for entry in root:
        if _local(entry.tag) != "url":
            continue
        loc = _child_text(entry, "loc")
        if not loc:
            continue
        alternates = [
            {
                "lang": link.get("hreflang"),
                "href": (link.get("href") or "").strip(),
                "source": "sitemap",
            }
            for link in entry
            if _local(link.tag) == "link"
            and link.get("rel") == "alternate"
            and link.get("hreflang")
        ]
        urls.append(
            {"loc": loc, "lastmod": _child_text(entry, "lastmod"), "alternates": alternates}
        )
    return SitemapFile("urlset", urls=urls, bytes_uncompressed=size)


def _child_text(node: etree._Element, name: str) -> str | None:
    for child in node:
        if _local(child.tag) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def robots_sitemaps(body: bytes) -> list[str]:
    """``Sitemap:`` lines of a robots.txt, through Protego (Scrapy's robots.txt parser)."""
    from protego import Protego

    try:
        return list(Protego.parse(body.decode("utf-8", errors="replace")).sitemaps)
    except Exception:
        return []
