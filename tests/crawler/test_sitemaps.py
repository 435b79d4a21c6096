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
            "alternates": [{"lang": "fr-ca", "href": "https://x.ca/fr/a", "source": "sitemap"}],
        }
    ]


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
