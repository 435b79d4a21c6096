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


_LOCAL_NAMES: dict[str, str] = {}  # namespaced tag -> local name: a file repeats a handful


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _LOCAL_NAMES[tag] = tag.rsplit("}", 1)[-1]
    return name


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
        if _local(entry.tag) == "url":
            url = _url_entry(entry)
            if url is not None:
                urls.append(url)
    return SitemapFile("urlset", urls=urls, bytes_uncompressed=size)


def _url_entry(entry: etree._Element) -> dict[str, object] | None:
    """loc, lastmod and hreflang alternates of one ``<url>``, read in one pass over its
    children (a product sitemap holds 10,000 to 50,000 of them); None without a loc. As
    for every field, the first ``<loc>``/``<lastmod>`` child counts, even when empty."""
    fields: dict[str, str | None] = {}
    alternates = []
    for child in entry:
        name = _local(child.tag)
        if name == "link":
            if child.get("rel") == "alternate" and child.get("hreflang"):
                href = (child.get("href") or "").strip()
                alternates.append(
                    {"lang": child.get("hreflang"), "href": href, "source": "sitemap"}
                )
        elif name in ("loc", "lastmod") and name not in fields:
            fields[name] = (child.text or "").strip() or None
    loc = fields.get("loc")
    if not loc:
        return None
    return {"loc": loc, "lastmod": fields.get("lastmod"), "alternates": alternates}


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
