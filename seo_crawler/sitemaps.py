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
    namespace: str | None = None  # of the root element
    issues: list[str] = field(default_factory=list)  # departures from the protocol


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


_URL_FIELDS = ("loc", "lastmod", "changefreq", "priority")  # children of <url> (sitemaps.org)
_INDEX_FIELDS = ("loc", "lastmod")  # children of <sitemap>
_MAX_ISSUES = 100  # structure issues kept per file: the first ones and a count say enough
_MAX_LOC = 2048  # sitemaps.org: a <loc> is less than 2,048 characters
# Google's image and video sitemap extensions (developers.google.com/search/docs/crawling-
# indexing/sitemaps/image-sitemaps and .../video-sitemaps): what is kept of each <url>.
_IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
_VIDEO_NS = "http://www.google.com/schemas/sitemap-video/1.1"
_VIDEO_FIELDS = ("thumbnail_loc", "title", "description", "content_loc", "player_loc")
_MAX_MEDIA = 20  # image/video entries kept per <url> (their count is kept whole): bounds memory


def parse_sitemap(body: bytes, max_bytes: int) -> SitemapFile:
    """Parse a sitemap or sitemap index (gzipped or not). Never raises.

    Besides the entries, it records how the file departs from the sitemaps.org protocol
    (``namespace``, ``issues``: elements out of place, a ``<url>`` without ``<loc>``, a
    ``<loc>`` holding markup, XML the parser had to recover from); the audits judge them.
    """
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
    parser = _parser()
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        return SitemapFile("invalid", bytes_uncompressed=size, error=f"xml: {str(exc)[:200]}")
    if root is None:
        return SitemapFile("invalid", bytes_uncompressed=size, error="xml: empty document")
    issues = _Issues()
    for entry in parser.error_log:  # what recover=True repaired: not well-formed XML
        issues.add(f"line {entry.line}: not well-formed XML: {entry.message}")
    kind = _local(root.tag).lower()
    namespace = _namespace(root.tag)
    if kind == "sitemapindex":
        children = [_index_entry(s, issues) for s in root if _is_element(s)]
        found = SitemapFile("index", children=[c for c in children if c], bytes_uncompressed=size)
    elif kind == "urlset":
        urls = [_url_entry(e, issues) for e in root if _is_element(e)]
        found = SitemapFile("urlset", urls=[u for u in urls if u], bytes_uncompressed=size)
    else:
        return SitemapFile("invalid", bytes_uncompressed=size, error=f"unexpected root <{kind}>")
    found.namespace = namespace
    found.issues = issues.recorded()
    return found


class _Issues:
    """The first :data:`_MAX_ISSUES` structure issues of a file, and how many there were."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.count = 0

    def add(self, issue: str) -> None:
        self.count += 1
        if len(self.items) < _MAX_ISSUES:
            self.items.append(issue)

    def recorded(self) -> list[str]:
        more = self.count - len(self.items)
        return [*self.items, f"... and {more} more"] if more else self.items


def _is_element(node: object) -> bool:
    return isinstance(getattr(node, "tag", None), str)


def _namespace(tag: str) -> str | None:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None


def _where(node: etree._Element) -> str:
    return f"line {node.sourceline}" if node.sourceline else "?"


def _text(node: etree._Element) -> tuple[str, bool]:
    """The whole text of an element and whether it held markup (a child element or an
    entity reference): ``node.text`` alone stops at the first of them, which turned
    ``<loc>https://example.com/<b>a</b>/x</loc>`` into the site root."""
    if len(node) == 0:
        return (node.text or "").strip(), False
    parts = [node.text or ""]
    for child in node:
        if isinstance(child, etree._Entity):
            parts.append(child.text or "")
        elif _is_element(child):
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return "".join(parts).strip(), any(_is_element(c) or isinstance(c, etree._Entity) for c in node)


def _fields(
    entry: etree._Element, allowed: tuple[str, ...], issues: _Issues
) -> tuple[dict[str, str | None], list[etree._Element], bool]:
    """The protocol fields of a ``<url>`` or ``<sitemap>`` (the first of each counts, even
    empty), its other children (extensions: xhtml:link, image:image...), and whether its
    ``<loc>`` held markup; unknown or repeated protocol fields are issues. Protocol fields
    are the children in the entry's own namespace (a file with a wrong namespace is still
    read: its namespace is recorded and judged)."""
    own = _namespace(entry.tag)
    fields: dict[str, str | None] = {}
    others = []
    markup = False
    parent = _local(entry.tag)
    for child in entry:
        if not _is_element(child):
            continue
        name = _local(child.tag)
        namespace = _namespace(child.tag)
        if namespace != own:
            others.append(child)
            continue
        if name not in allowed:
            issues.add(f"{_where(child)}: <{name}> is not allowed in <{parent}>")
        elif name in fields:
            issues.add(f"{_where(child)}: a second <{name}> in one <{parent}>")
        else:
            text, held = _text(child)
            fields[name] = text or None
            if name == "loc" and held:
                markup = True
                issues.add(
                    f"{_where(child)}: <loc> holds markup (an element or entity): {text[:200]}"
                )
    loc = fields.get("loc")
    if not loc:
        issues.add(f"{_where(entry)}: <{parent}> without <loc>")
    elif not loc.lower().startswith(("http://", "https://")):
        issues.add(f"{_where(entry)}: <loc> is not an absolute http(s) URL: {loc[:200]}")
    elif len(loc) >= _MAX_LOC:
        issues.add(f"{_where(entry)}: <loc> is {len(loc)} characters (the limit is 2,047)")
    return fields, others, markup


def _index_entry(entry: etree._Element, issues: _Issues) -> str | None:
    """The ``<loc>`` of one ``<sitemap>`` of an index (None without one)."""
    if _local(entry.tag) != "sitemap":
        issues.add(f"{_where(entry)}: <{_local(entry.tag)}> in a <sitemapindex> (only <sitemap>)")
        return None
    fields, _, _ = _fields(entry, _INDEX_FIELDS, issues)
    return fields.get("loc")


def _url_entry(entry: etree._Element, issues: _Issues) -> dict[str, object] | None:
    """loc, lastmod, changefreq, priority (as written) and hreflang alternates of one
    ``<url>``, read in one pass over its children (a product sitemap holds 10,000 to
    50,000 of them); None without a loc. An ``xhtml:link rel=alternate`` without href or
    hreflang is kept (null): SEO-SITEMAP-010 judges it."""
    if _local(entry.tag) != "url":
        issues.add(f"{_where(entry)}: <{_local(entry.tag)}> in a <urlset> (only <url>)")
        return None
    fields, others, markup = _fields(entry, _URL_FIELDS, issues)
    loc = fields.get("loc")
    if not loc:
        return None
    alternates = []
    images: list[str | None] = []
    videos: list[dict[str, str | None]] = []
    image_count = video_count = 0
    for child in others:
        namespace = _namespace(child.tag)
        if namespace == _IMAGE_NS and _local(child.tag) == "image":
            image_count += 1
            if len(images) < _MAX_MEDIA:
                found = _media_fields(child, ("loc",))
                images.append(found["loc"])
        elif namespace == _VIDEO_NS and _local(child.tag) == "video":
            video_count += 1
            if len(videos) < _MAX_MEDIA:
                videos.append(_media_fields(child, _VIDEO_FIELDS))
        elif _local(child.tag) == "link" and child.get("rel") == "alternate":
            href = child.get("href")
            alternates.append(
                {
                    "lang": child.get("hreflang"),
                    "href": None if href is None else href.strip(),
                    "source": "sitemap",
                }
            )
    return {
        "loc": loc,
        "lastmod": fields.get("lastmod"),
        "changefreq": fields.get("changefreq"),
        "priority": fields.get("priority"),
        "loc_markup": markup,
        "alternates": alternates,
        "images": images,
        "image_count": image_count,
        "videos": videos,
        "video_count": video_count,
    }


def _media_fields(element: etree._Element, names: tuple[str, ...]) -> dict[str, str | None]:
    """The first text of each of ``names`` among an image:image / video:video's children
    (null when absent or empty), at most 2,048 characters each."""
    found: dict[str, str | None] = dict.fromkeys(names)
    for child in element:
        name = _local(child.tag) if _is_element(child) else ""
        if name in found and found[name] is None:
            found[name] = "".join(child.itertext()).strip()[:_MAX_LOC] or None
    return found


def robots_sitemaps(body: bytes) -> list[str]:
    """``Sitemap:`` lines of a robots.txt, through Protego (Scrapy's robots.txt parser)."""
    from protego import Protego

    try:
        return list(Protego.parse(body.decode("utf-8", errors="replace")).sitemaps)
    except Exception:
        return []
