"""One crawl of a small hostile site: redirects, loops, robots, traps, bombs, encodings, scope."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from aiohttp import web

from searchops import clock
from searchops.settings import load_settings
from seo_crawler import crawl, load_links, load_pages
from tests.crawler.sites import BILLION_LAUGHS, gzip_bomb, html, serve

pytestmark = pytest.mark.xdist_group("crawler-local")

YEAR = clock.today().year  # the year the calendar-trap rule reads (pinned by tests/conftest.py)
MAX_BYTES = 1_000_000


def hostile_app() -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/")
    async def home(request: web.Request) -> web.Response:
        links = [
            "/a", "/redirect/1", "/loop/1", "/redirect-out", "/redirect-metadata", "/private/secret",
            "/missing", "/broken", f"/events/{YEAR}", "/facets?f=1", "/rel/", "/latin1", "/huge",
            "/huge-chunked", "/bomb", "/slow", "http://169.254.169.254/latest/meta-data/",
            "https://external.example/page", "/?utm_source=mail",
        ]  # fmt: skip
        body = "<nav><a href='/'>Home</a></nav><h1>Home</h1>" + "".join(
            f"<a href='{u}'>{u}</a>" for u in links
        )
        return html(body, "<title>Home</title>")

    @routes.get("/a")
    async def page_a(request: web.Request) -> web.Response:
        head = "<title>A</title><link rel=canonical href='/canon-target'><link rel=alternate hreflang=fr-ca href='/fr/a'>"
        return html(
            "<h1>A</h1><p>text</p>", head, Link='</de/a>; rel="alternate"; hreflang="de-ca"'
        )

    @routes.get("/{name:(canon-target|b|orphan)}")
    @routes.get("/{lang:(fr|de)}/{name}")
    async def plain(request: web.Request) -> web.Response:
        return html(f"<h1>{request.path}</h1>", f"<title>{request.path}</title>")

    @routes.get("/redirect/1")
    async def r1(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/redirect/2")

    @routes.get("/redirect/2")
    async def r2(request: web.Request) -> web.Response:
        raise web.HTTPFound("/b")

    @routes.get("/loop/{n}")
    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop/2" if request.match_info["n"] == "1" else "/loop/1")

    @routes.get("/redirect-out")
    async def out(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("https://external.example/landing")

    @routes.get("/redirect-metadata")
    async def metadata(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")

    @routes.get("/private/secret")
    async def private(request: web.Request) -> web.Response:
        return html("<h1>should never be fetched</h1>")

    @routes.get("/missing")
    async def missing(request: web.Request) -> web.Response:
        return html("<h1>Not found</h1><a href='/never-followed'>x</a>", status=404)

    @routes.get("/broken")
    async def broken(request: web.Request) -> web.Response:
        return html("<h1>Server error</h1>", status=500)

    @routes.get("/events/{year}")
    async def events(request: web.Request) -> web.Response:
        year = int(request.match_info["year"])
        return html(f"<h1>Events {year}</h1><a href='/events/{year + 1}'>next year</a>")

    @routes.get("/facets")
    async def facets(request: web.Request) -> web.Response:
        more = request.query_string + "&f=" + str(len(request.query) + 1)
        return html(f"<h1>Facets</h1><a href='/facets?{more}'>more</a>")

    @routes.get("/rel/{tail:.*}")
    async def relative(request: web.Request) -> web.Response:
        return html("<h1>Relative</h1><a href='x/'>deeper</a>")

    @routes.get("/latin1")
    async def latin1(request: web.Request) -> web.Response:
        body = "<html><head><meta charset='windows-1252'><title>Café crème</title></head><body><h1>Été</h1></body></html>"
        return web.Response(body=body.encode("cp1252"), headers={"Content-Type": "text/html"})

    @routes.get("/huge")
    async def huge(request: web.Request) -> web.Response:
        return html("<p>" + "x" * (3 * MAX_BYTES) + "</p>")

    @routes.get("/huge-chunked")
    async def huge_chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        try:
            for _ in range(30):
                await response.write(b"<p>" + b"y" * 100_000 + b"</p>")
        except (ConnectionError, RuntimeError):
            pass  # the crawler hung up at its cap: expected
        return response

    @routes.get("/bomb")
    async def bomb(request: web.Request) -> web.Response:
        return web.Response(
            body=gzip_bomb(50 * MAX_BYTES),
            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        )

    @routes.get("/slow")
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(8)  # beyond timeout_s (3 s: generous for a loaded CI machine)
        return html("<h1>too late</h1>")

    @routes.get("/robots.txt")
    async def robots(request: web.Request) -> web.Response:
        return web.Response(
            text=f"User-agent: *\nDisallow: /private\n\nSitemap: http://{request.host}/sitemap_index.xml\n"
        )

    @routes.get("/sitemap_index.xml")
    async def index(request: web.Request) -> web.Response:
        children = "".join(
            f"<sitemap><loc>http://{request.host}/{name}</loc></sitemap>"
            for name in ("sitemap-1.xml.gz", "bomb.xml.gz", "laughs.xml")
        )
        return web.Response(
            text=f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{children}</sitemapindex>',
            content_type="application/xml",
        )

    @routes.get("/sitemap-1.xml.gz")
    async def sitemap_1(request: web.Request) -> web.Response:
        host = f"http://{request.host}"
        xml = (
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">'
            f"<url><loc>{host}/orphan</loc><lastmod>2026-01-05</lastmod>"
            f'<xhtml:link rel="alternate" hreflang="fr-ca" href="{host}/fr/orphan"/></url>'
            f"<url><loc>{host}/a</loc></url></urlset>"
        )
        return web.Response(
            body=__import__("gzip").compress(xml.encode()), content_type="application/x-gzip"
        )

    @routes.get("/bomb.xml.gz")
    async def sitemap_bomb(request: web.Request) -> web.Response:
        return web.Response(body=gzip_bomb(50 * MAX_BYTES), content_type="application/x-gzip")

    @routes.get("/laughs.xml")
    async def laughs(request: web.Request) -> web.Response:
        return web.Response(
            body=BILLION_LAUGHS.replace(b"LOC", f"http://{request.host}".encode()),
            content_type="application/xml",
        )

    app = web.Application()
    app.add_routes(routes)
    return app


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    settings = load_settings(
        overrides={
            "crawl": {
                "max_bytes": MAX_BYTES,
                # The sitemap cap is 50 MiB (sitemaps.org): bomb.xml.gz inflates to 50 MB, a
                # bomb only against a smaller cap (a bigger bomb would cost the suite time).
                "sitemap_max_bytes": MAX_BYTES,
                "timeout_s": 3.0,
                "retries": 1,
                "retry_backoff_s": 0.1,
            }
        }
    ).settings
    with serve(hostile_app()) as base:
        run = crawl([base + "/"], out=tmp_path_factory.mktemp("hostile") / "run", settings=settings)
        yield base, run


@pytest.fixture(scope="module")
def pages(hostile_run: tuple[str, Path]) -> pd.DataFrame:
    return load_pages(hostile_run[1]).set_index("url")


def test_every_url_recorded_once_with_its_status(
    hostile_run: tuple[str, Path], pages: pd.DataFrame
) -> None:
    base, _ = hostile_run
    assert pages.index.is_unique
    assert pages.loc[f"{base}/", "status"] == 200
    assert pages.loc[f"{base}/missing", "status"] == 404
    assert pages.loc[f"{base}/broken", "status"] == 500
    assert f"{base}/never-followed" not in pages.index  # links of error pages are not followed
    assert f"{base}/?utm_source=mail" not in pages.index  # tracking parameters stripped: same URL


def test_redirect_chain_and_loop(hostile_run: tuple[str, Path], pages: pd.DataFrame) -> None:
    base, run = hostile_run
    row = pages.loc[f"{base}/redirect/1"]
    assert row["final_url"] == f"{base}/b" and row["status"] == 200
    assert [(h["url"], h["status"]) for h in row["redirect_chain"]] == [
        (f"{base}/redirect/1", 301),
        (f"{base}/redirect/2", 302),
    ]
    loop = pages.loc[f"{base}/loop/1"]
    assert loop["fetch_state"] == "redirect_loop" and bool(loop["redirect_loop"])
    assert [h["url"] for h in loop["redirect_chain"]] == [f"{base}/loop/1", f"{base}/loop/2"]
    out = pages.loc[f"{base}/redirect-out"]
    assert (
        out["fetch_state"] == "redirect_out_of_scope"
        and out["final_url"] == "https://external.example/landing"
    )
    assert pages.loc[f"{base}/redirect-metadata", "fetch_state"] == "blocked_unsafe"
    links = load_links(run)
    hops = links[links.kind == "redirect"]
    assert {
        (f"{base}/redirect/1", f"{base}/redirect/2"),
        (f"{base}/redirect/2", f"{base}/b"),
    } <= set(zip(hops.source, hops.target, strict=True))


def test_robots_blocked_recorded_not_fetched(
    hostile_run: tuple[str, Path], pages: pd.DataFrame
) -> None:
    base, _ = hostile_run
    row = pages.loc[f"{base}/private/secret"]
    assert row["fetch_state"] == "blocked_robots"
    assert pd.isna(row["status"]) and pd.isna(row["title"])


def test_canonical_and_hreflang_targets_fetched_without_links(
    hostile_run: tuple[str, Path], pages: pd.DataFrame
) -> None:
    base, _ = hostile_run
    sources = {
        f"{base}/canon-target": "canonical",
        f"{base}/fr/a": "hreflang",
        f"{base}/de/a": "hreflang",
    }
    for url, source in sources.items():
        assert pages.loc[url, "status"] == 200
        assert pages.loc[url, "discovered_from"] == source
    a = pages.loc[f"{base}/a"]
    assert {(h["lang"], h["source"]) for h in a["hreflang"]} >= {
        ("fr-ca", "html"),
        ("de-ca", "header"),
    }


def test_out_of_scope_and_link_local_links_recorded_never_fetched(
    hostile_run: tuple[str, Path], pages: pd.DataFrame
) -> None:
    _, run = hostile_run
    links = load_links(run)
    anchors = links[links.kind == "a"]
    outside = anchors[
        anchors.target.isin(
            ["https://external.example/page", "http://169.254.169.254/latest/meta-data/"]
        )
    ]
    assert len(outside) == 2 and not outside.internal.any()
    assert not any("169.254" in url or "external.example" in url for url in pages.index)


def test_traps_bounded_and_recorded(hostile_run: tuple[str, Path], pages: pd.DataFrame) -> None:
    base, _ = hostile_run
    events = pages[pages.index.str.startswith(f"{base}/events/")]
    fetched_years = sorted(
        int(u.rsplit("/", 1)[1]) for u in events[events.fetch_state == "fetched"].index
    )
    assert fetched_years == list(range(YEAR, YEAR + 4))  # within trap_calendar_years = 3
    assert events.loc[f"{base}/events/{YEAR + 4}", "trap"] == "calendar"
    assert len(events) == 5
    assert pages.loc[f"{base}/rel/x/x/x/", "trap"] == "repeating-segments"
    assert pages.loc[f"{base}/rel/x/x/x/", "fetch_state"] == "trap"
    assert not any(u.startswith(f"{base}/rel/x/x/x/x") for u in pages.index)
    assert pages.loc[f"{base}/facets?f=1&f=2", "trap"] == "param-explosion"


def test_oversized_bodies_and_gzip_bomb_recorded_as_too_large(
    hostile_run: tuple[str, Path], pages: pd.DataFrame
) -> None:
    base, _ = hostile_run
    for path in ("/huge", "/huge-chunked", "/bomb"):
        row = pages.loc[base + path]
        assert row["fetch_state"] == "too_large", (path, row["error"])
        assert bool(row["truncated"])


def test_timeout_recorded_as_error(hostile_run: tuple[str, Path], pages: pd.DataFrame) -> None:
    base, run = hostile_run
    row = pages.loc[f"{base}/slow"]
    assert row["fetch_state"] == "error" and "Timeout" in row["error"]
    manifest = json.loads((run / "crawl.json").read_text())
    assert manifest["stats"]["pages_by_fetch_state"]["error"] >= 1


def test_declared_legacy_encoding_decoded(
    hostile_run: tuple[str, Path], pages: pd.DataFrame
) -> None:
    base, _ = hostile_run
    row = pages.loc[f"{base}/latin1"]
    assert row["title"] == "Café crème" and list(row["h1"]) == ["Été"]
    assert row["encoding"] == "cp1252"


def test_sitemaps_index_gzip_bomb_and_billion_laughs(
    hostile_run: tuple[str, Path], pages: pd.DataFrame
) -> None:
    base, run = hostile_run
    sitemaps = pd.read_parquet(run / "sitemaps.parquet").set_index("sitemap")
    assert sitemaps.loc[f"{base}/sitemap_index.xml", "kind"] == "index"
    assert sitemaps.loc[f"{base}/sitemap-1.xml.gz", "kind"] == "urlset"
    assert sitemaps.loc[f"{base}/sitemap-1.xml.gz", "parent"] == f"{base}/sitemap_index.xml"
    bomb = sitemaps.loc[f"{base}/bomb.xml.gz"]
    assert bomb["kind"] == "invalid" and "gzip" in bomb["error"]
    urls = pd.read_parquet(run / "sitemap_urls.parquet")
    assert not urls["loc"].str.contains("lollol").any()  # entities never expanded
    orphan = pages.loc[f"{base}/orphan"]
    assert orphan["discovered_from"] == "sitemap" and bool(orphan["in_sitemap"])
    assert list(orphan["sitemaps"]) == [f"{base}/sitemap-1.xml.gz"]
    assert {"lang": "fr-ca", "href": f"{base}/fr/orphan", "source": "sitemap"} in list(
        orphan["hreflang"]
    )
    assert pages.loc[f"{base}/fr/orphan", "status"] == 200
    assert not bool(pages.loc[f"{base}/b", "in_sitemap"])


def test_manifest_records_run(hostile_run: tuple[str, Path], pages: pd.DataFrame) -> None:
    base, run = hostile_run
    manifest = json.loads((run / "crawl.json").read_text())
    assert manifest["start_urls"] == [base + "/"]
    assert manifest["stats"]["pages"] == len(pages)
    assert manifest["schema_version"] >= 1 and "scrapy" in manifest["versions"]
    assert manifest["complete"] is True
    assert not (run / "parts").exists()  # working files removed once finalized
