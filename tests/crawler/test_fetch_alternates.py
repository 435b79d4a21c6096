"""``[crawl] fetch_alternates``: hreflang alternates and canonical targets named by crawled
pages are fetched beyond ``--max-depth``, recorded, and their links not followed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from aiohttp import web

from seo_crawler import load_links, load_pages
from tests.crawler.sites import html, serve

pytestmark = pytest.mark.xdist_group("crawler-local")

SEARCHOPS = str(Path(sys.executable).parent / "searchops")


def bilingual_app() -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/robots.txt")
    async def robots(request: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nDisallow: /private/\n")

    @routes.get("/")
    async def home(request: web.Request) -> web.Response:
        return html("<h1>Home</h1><a href='/en/a'>A</a>", "<title>Home</title>")

    @routes.get("/en/a")
    async def english(request: web.Request) -> web.Response:
        head = (
            "<title>A</title><link rel='canonical' href='/en/a-canonical'>"
            "<link rel='alternate' hreflang='fr-ca' href='/fr/a'>"
            "<link rel='alternate' hreflang='x-default' href='/private/a'>"
            "<link rel='alternate' hreflang='de-ca' href='https://elsewhere.example/de/a'>"
            # a template placeholder no URL parser accepts: recorded as written, not fetched
            "<link rel='alternate' hreflang='pt-br' href='http://127.0.0.1:PORT/pt/a'>"
        )
        body = "<h1>A</h1><a href='/en/deeper'>deeper</a>"
        return html(body, head, Link='</es/a>; rel="alternate"; hreflang="es-us"')

    @routes.get("/fr/a")
    async def french(request: web.Request) -> web.Response:
        head = (
            "<title>A (fr)</title><link rel='alternate' hreflang='en-ca' href='/en/a'>"
            "<link rel='alternate' hreflang='it-it' href='/it/a'>"
        )
        return html("<h1>A fr</h1><a href='/fr/deeper'>plus</a>", head)

    @routes.get("/es/a")
    async def spanish(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/es/a-final")

    @routes.get("/{path:.*}")
    async def other(request: web.Request) -> web.Response:
        return html(f"<h1>{request.path}</h1><a href='/more{request.path}'>more</a>")

    app = web.Application()
    app.add_routes(routes)
    return app


def crawl_cli(base: str, tmp_path: Path, name: str, *options: str, config: str = "") -> Path:
    toml = tmp_path / f"{name}.toml"
    toml.write_text(config)
    out = tmp_path / name
    result = subprocess.run(
        [SEARCHOPS, "--config", str(toml), "--workspace", str(tmp_path / "ws.duckdb"), "crawl",
         base + "/", "--render", "never", "--out", str(out), *options],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


def by_path(pages: pd.DataFrame, base: str) -> dict[str, dict[str, object]]:
    return {row["url"].removeprefix(base): row for row in pages.to_dict("records")}


def test_alternates_beyond_max_depth_are_fetched_not_followed(tmp_path: Path) -> None:
    with serve(bilingual_app()) as base:
        run = crawl_cli(base, tmp_path, "on", "--max-depth", "1")
    pages = by_path(load_pages(run), base)
    assert set(pages) == {
        "/", "/en/a",  # within --max-depth 1
        "/fr/a", "/es/a", "/es/a-final", "/en/a-canonical", "/private/a",  # named by /en/a
    }  # fmt: skip
    for path, source in (
        ("/fr/a", "hreflang"),
        ("/es/a", "hreflang"),
        ("/en/a-canonical", "canonical"),
    ):
        page = pages[path]
        assert (page["discovered_from"], page["depth"], page["referrer"]) == (
            source,
            2,
            base + "/en/a",
        )
    assert pages["/fr/a"]["fetch_state"] == "fetched" and pages["/fr/a"]["title"] == "A (fr)"
    assert [hop["url"] for hop in pages["/es/a"]["redirect_chain"]] == [base + "/es/a"]
    assert pages["/es/a-final"]["status"] == 200  # a redirecting alternate: its chain is followed
    assert pages["/private/a"]["fetch_state"] == "blocked_robots"  # robots.txt still decides
    written = {alt["lang"]: alt["href"] for alt in pages["/en/a"]["hreflang"]}
    assert written["pt-br"] == "http://127.0.0.1:PORT/pt/a"
    # The alternates' own links are recorded but not followed: no /fr/deeper, no /it/a.
    links = load_links(run)
    from_french = set(links.loc[links["source"] == base + "/fr/a", "target"])
    assert {base + "/fr/deeper", base + "/it/a", base + "/en/a"} <= from_french


def test_switched_off_and_within_the_page_budget(tmp_path: Path) -> None:
    with serve(bilingual_app()) as base:
        off = crawl_cli(
            base, tmp_path, "off", "--max-depth", "1", config="[crawl]\nfetch_alternates = false\n"
        )
        budget = crawl_cli(base, tmp_path, "budget", "--max-depth", "1", "--max-pages", "3")
    assert set(by_path(load_pages(off), base)) == {"/", "/en/a"}
    assert len(load_pages(budget)) == 3
