"""--render auto: JS-built pages are rendered in Chromium, first per page, then per template."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web

from seo_crawler import crawl, load_pages
from tests.crawler.sites import html, serve

SEARCHOPS = str(Path(sys.executable).parent / "searchops")

SHELL = """<div id="app">Loading</div><script>
document.getElementById('app').innerHTML = '<h1>Product {n}</h1><p>Built by JavaScript</p>'
  + '<a href="/p/{next}">next</a>';
var ld = document.createElement('script'); ld.type = 'application/ld+json';
ld.text = JSON.stringify({{"@context": "https://schema.org", "@type": "Product", "name": "Product {n}"}});
document.head.appendChild(ld);
</script>"""


def js_app() -> web.Application:
    async def home(request: web.Request) -> web.Response:
        return html(
            "<h1>Home</h1><p>" + "plain words " * 30 + "</p><a href='/p/1'>first</a>",
            "<title>Home</title>",
        )

    async def product(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        body = (
            SHELL.format(n=n, next=n + 1) if n < 5 else "<h1>Last</h1>" + "<p>static words</p>" * 20
        )
        return html(body, f"<title>Product {n}</title>")

    app = web.Application()
    app.router.add_get("/", home)
    app.router.add_get("/p/{n}", product)
    return app


@pytest.mark.browser
def test_render_auto_renders_js_pages_then_their_template(tmp_path: Path) -> None:
    with serve(js_app()) as base:
        run = crawl([base + "/"], out=tmp_path / "run", render="auto")
    pages = load_pages(run).set_index("url")
    assert not pages.loc[base + "/", "rendered"]  # static page: raw HTML is enough
    reasons = {n: pages.loc[f"{base}/p/{n}", "render_reason"] for n in range(1, 6)}
    # links exist only in the rendered DOM, so reaching /p/5 at all proves rendering worked
    assert [reasons[n] for n in (1, 2, 3)] == ["page-needs-js"] * 3
    assert [reasons[n] for n in (4, 5)] == ["template-needs-js"] * 2  # 3 pages of /p/* needed JS
    for n in range(1, 5):
        row = pages.loc[f"{base}/p/{n}"]
        assert bool(row["rendered"]) and list(row["h1"]) == [f"Product {n}"]
        assert [i["type"] for i in json.loads(row["structured_data"])] == ["Product"]
    assert list(pages.loc[f"{base}/p/5", "h1"]) == ["Last"]
    assert json.loads((run / "crawl.json").read_text())["stats"]["rendered"] == 5


def test_render_auto_without_chromium_crawls_warns_once_and_records_the_js_pages(
    tmp_path: Path,
) -> None:
    config = tmp_path / "searchops.toml"
    config.write_text(f'[render]\nchromium_path = "{tmp_path / "no-chromium"}"\n')
    cli = [SEARCHOPS, "--config", str(config), "--workspace", str(tmp_path / "ws.duckdb")]
    with serve(js_app()) as base:
        done = subprocess.run(
            [*cli, "crawl", base + "/", "--render", "auto", "--out", str(tmp_path / "run")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        always = subprocess.run(
            [*cli, "crawl", base + "/", "--render", "always", "--out", str(tmp_path / "always")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    # the warning, said once, then the crawl's summary line (printed off a terminal too)
    warnings = [line for line in lines if "WARNING" in line]
    assert len(warnings) == 1 and lines[-1].startswith("crawl done: 2 pages"), done.stderr
    assert "JavaScript rendering is off" in warnings[0] and "no-chromium" in warnings[0]
    pages = load_pages(tmp_path / "run").set_index("url")
    assert not pages["rendered"].any()
    # the shell's links exist only in the rendered DOM: /p/1 is as far as raw HTML goes
    assert pages["needs_render"].to_dict() == {base + "/": False, base + "/p/1": True}
    manifest = json.loads((tmp_path / "run" / "crawl.json").read_text())
    assert manifest["render"] == "auto" and "no-chromium" in manifest["render_off"]
    audit = subprocess.run(
        [*cli, "audit", str(tmp_path / "run"), "--format", "json", "--rules", "SEO-CONTENT-007"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    findings = json.loads(audit.stdout)["findings"]
    assert [(f["url"], f["evidence"]) for f in findings] == [
        (base + "/p/1", "needs-render (not rendered)")
    ], audit.stderr
    # --render always cannot be honoured: an error, and nothing crawled
    lines = [line for line in always.stderr.splitlines() if line.strip()]
    assert always.returncode == 2 and len(lines) == 1 and "needs Chromium" in lines[0]
    assert not (tmp_path / "always").exists()
