"""The sitemap reader on hostile and broken input: never raises, never expands entities."""

from __future__ import annotations

import gzip
from pathlib import Path

from seo_crawler.sitemaps import parse_sitemap, robots_sitemaps
from tests.crawler.sites import BILLION_LAUGHS, gzip_bomb

NS = (
    'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml"'
)


def test_urlset_with_alternates_gzipped() -> None:
    xml = (
        f"<urlset {NS}><url><loc> https://x.ca/a </loc><lastmod>2026-01-05</lastmod>"
        '<xhtml:link rel="alternate" hreflang="fr-ca" href="https://x.ca/fr/a"/></url></urlset>'
    )
    parsed = parse_sitemap(gzip.compress(xml.encode()), 1_000_000)
    assert parsed.kind == "urlset" and parsed.error is None
    assert parsed.urls == [
        {
            "loc": "https://x.ca/a",
            "lastmod": "2026-01-05",
            "changefreq": None,
            "priority": None,
            "loc_markup": False,
            "alternates": [{"lang": "fr-ca", "href": "https://x.ca/fr/a", "source": "sitemap"}],
            "images": [],
            "image_count": 0,
            "videos": [],
            "video_count": 0,
        }
    ]
    assert parsed.namespace == "http://www.sitemaps.org/schemas/sitemap/0.9"
    assert parsed.issues == []


def test_a_loc_with_markup_is_read_whole_and_recorded() -> None:
    """lxml's .text stops at the first child element or entity reference: such a <loc> was
    recorded cut short, often as the site root."""
    xml = (
        f"<!DOCTYPE urlset [<!ENTITY dash '-'>]><urlset {NS}>"
        "<url><loc>https://x.ca/<b>tents</b>/2p</loc></url>"
        "<url><loc>https://x.ca/p/a&dash;b</loc></url>"
        "<url><loc>https://x.ca/p?a=1&amp;b=2</loc></url></urlset>"
    )
    parsed = parse_sitemap(xml.encode(), 1_000_000)
    assert [(u["loc"], u["loc_markup"]) for u in parsed.urls] == [
        ("https://x.ca/tents/2p", True),
        ("https://x.ca/p/a&dash;b", True),  # entities are never expanded (XXE, laughs)
        ("https://x.ca/p?a=1&b=2", False),  # a predefined entity is plain text
    ]
    assert [i.split(": ", 1)[1][:24] for i in parsed.issues] == ["<loc> holds markup (an e"] * 2


def test_protocol_fields_and_structure_issues_are_recorded() -> None:
    xml = (
        '<urlset xmlns="http://www.google.com/schemas/sitemap/0.84" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
        "<url><loc>https://x.ca/a</loc><changefreq>Daily</changefreq><priority>1.5</priority>"
        '<xhtml:link rel="alternate" hreflang="fr"/><xhtml:link rel="alternate" href="https://x.ca/b"/>'
        "</url>\n<url><lastmod>2026-01-01</lastmod></url>\n"
        "<url><loc>/relative</loc><loc>https://x.ca/c</loc><title>x</title></url>\n"
        "<sitemap><loc>https://x.ca/s.xml</loc></sitemap></urlset>"
    )
    parsed = parse_sitemap(xml.encode(), 1_000_000)
    assert parsed.namespace == "http://www.google.com/schemas/sitemap/0.84"
    first = parsed.urls[0]
    assert (first["changefreq"], first["priority"]) == ("Daily", "1.5")
    assert first["alternates"] == [
        {"lang": "fr", "href": None, "source": "sitemap"},
        {"lang": None, "href": "https://x.ca/b", "source": "sitemap"},
    ]
    assert [u["loc"] for u in parsed.urls] == ["https://x.ca/a", "/relative"]
    assert parsed.issues == [
        "line 3: <url> without <loc>",
        "line 4: a second <loc> in one <url>",
        "line 4: <title> is not allowed in <url>",
        "line 4: <loc> is not an absolute http(s) URL: /relative",
        "line 5: <sitemap> in a <urlset> (only <url>)",
    ]


def test_broken_xml_is_read_as_far_as_it_goes_and_said() -> None:
    xml = f"<urlset {NS}><url><loc>https://x.ca/a</loc></url><url><loc>https://x.ca/b</url>"
    parsed = parse_sitemap(xml.encode(), 1_000_000)
    assert "https://x.ca/a" in [u["loc"] for u in parsed.urls]
    assert any("not well-formed XML" in issue for issue in parsed.issues)


def test_index() -> None:
    xml = f"<sitemapindex {NS}><sitemap><loc>https://x.ca/s1.xml.gz</loc></sitemap></sitemapindex>"
    parsed = parse_sitemap(xml.encode(), 1_000_000)
    assert parsed.kind == "index" and parsed.children == ["https://x.ca/s1.xml.gz"]


def test_billion_laughs_not_expanded() -> None:
    parsed = parse_sitemap(BILLION_LAUGHS.replace(b"LOC", b"https://x.ca"), 1_000_000)
    assert all("lollol" not in str(u["loc"]) for u in parsed.urls)
    assert parsed.bytes_uncompressed < 2_000


def test_external_entity_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        f"<urlset {NS}><url><loc>https://x.ca/&xxe;</loc></url></urlset>"
    )
    parsed = parse_sitemap(xxe.encode(), 1_000_000)
    assert "TOPSECRET" not in repr(parsed)


def test_gzip_bomb_stops_at_the_cap() -> None:
    parsed = parse_sitemap(gzip_bomb(20_000_000), 1_000_000)
    assert parsed.kind == "invalid" and "gzip" in (parsed.error or "")


def test_garbage_and_wrong_roots_are_invalid_not_errors() -> None:
    assert parse_sitemap(b"\x00\x01 not xml", 1000).kind == "invalid"
    assert parse_sitemap(b"<html><body>404</body></html>", 1000).kind == "invalid"
    assert parse_sitemap(b"", 1000).kind == "invalid"


def test_robots_sitemap_lines() -> None:
    body = b"User-agent: *\nDisallow: /cart\nSitemap: https://x.ca/sitemap_index.xml\nsitemap: https://x.ca/other.xml\n"
    assert sorted(robots_sitemaps(body)) == [
        "https://x.ca/other.xml",
        "https://x.ca/sitemap_index.xml",
    ]


def test_image_and_video_entries() -> None:
    """Google's image and video sitemap extensions: each image:image's loc (null without
    one) and each video:video's required fields, whatever the namespace prefix."""
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:i="http://www.google.com/schemas/sitemap-image/1.1"
        xmlns:video="http://www.google.com/schemas/sitemap-video/1.1">
  <url><loc>https://example.com/sample1.html</loc>
    <i:image><i:loc>https://example.com/image.jpg</i:loc></i:image>
    <i:image><i:caption>no loc</i:caption></i:image>
    <video:video>
      <video:thumbnail_loc>https://www.example.com/thumbs/123.jpg</video:thumbnail_loc>
      <video:title>Grilling steaks for summer</video:title>
      <video:description>Alkis shows you how</video:description>
      <video:player_loc>https://www.example.com/videoplayer.php?video=123</video:player_loc>
    </video:video>
  </url>
</urlset>"""
    (entry,) = parse_sitemap(body, 10**6).urls
    assert entry["images"] == ["https://example.com/image.jpg", None]
    assert entry["image_count"] == 2 and entry["video_count"] == 1
    assert entry["videos"] == [
        {
            "thumbnail_loc": "https://www.example.com/thumbs/123.jpg",
            "title": "Grilling steaks for summer",
            "description": "Alkis shows you how",
            "content_loc": None,
            "player_loc": "https://www.example.com/videoplayer.php?video=123",
        }
    ]
