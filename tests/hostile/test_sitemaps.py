"""Sitemaps at and past the protocol's limits (50,000 URLs, 50 MB uncompressed)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd

from tests.hostile.crawling import crawl, findings, rule_urls
from tests.hostile.server import HostileServer, Reply

XML = "application/xml"
URLSET = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'


def _big_sitemap(base: str) -> bytes:
    """A valid 50,000-URL sitemap of ~28 MB (long catalog URLs and lastmods)."""
    pad = "x" * 480
    entries = (
        f"<url><loc>{base}/p/{i}/{pad}</loc><lastmod>2026-03-02</lastmod></url>\n"
        for i in range(50_000)
    )
    return (URLSET + "".join(entries) + "</urlset>").encode()


def test_a_28_mb_sitemap_is_read_and_oversized_ones_are_findings(tmp_path: Path) -> None:
    server = HostileServer()
    server.route("/", Reply.html("<h1>Home</h1>", "<title>Home</title>"))
    server.route("/big.xml", Reply(body=_big_sitemap, content_type=XML))
    over = URLSET.encode() + b" " * (51 * 1024 * 1024) + b"</urlset>"
    server.route("/over.xml", Reply(body=over, content_type=XML))
    server.route("/over.xml.gz", Reply(body=gzip.compress(over), content_type="application/gzip"))
    server.route(
        "/robots.txt",
        Reply(
            body=lambda base: "".join(
                f"Sitemap: {base}/{name}\n" for name in ("big.xml", "over.xml", "over.xml.gz")
            ).encode(),
            content_type="text/plain",
        ),
    )
    result, run = crawl(server, tmp_path, "--max-pages", "20")
    assert result.returncode == 0, result.stderr
    sitemaps = pd.read_parquet(run / "sitemaps.parquet").set_index("sitemap")
    big = sitemaps.loc[server.base + "/big.xml"]
    assert big["kind"] == "urlset" and big["url_count"] == 50_000, big.to_dict()
    assert 27_000_000 < big["bytes_uncompressed"] < 30_000_000
    assert len(pd.read_parquet(run / "sitemap_urls.parquet")) == 50_000
    fetched = [p for p in server.paths() if p.startswith("/p/")]
    assert len(fetched) == 19  # the home page and 19 of the sitemap's URLs: the budget
    for name in ("over.xml", "over.xml.gz"):
        row = sitemaps.loc[f"{server.base}/{name}"]
        assert row["kind"] == "invalid" and "52428800" in row["error"], row.to_dict()
    failed = rule_urls(findings(run, tmp_path), "SEO-SITEMAP-006")
    assert {f"{server.base}/over.xml", f"{server.base}/over.xml.gz"} <= set(failed)
