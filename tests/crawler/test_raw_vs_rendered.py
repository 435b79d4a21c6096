"""--render-sample: pages rendered on purpose keep their raw HTML's facts beside the rendered ones."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from aiohttp import web

from seo_crawler import crawl, load_pages
from tests.crawler.sites import html, serve

# Server HTML with an h1, a price and text (auto would not render it); JavaScript then
# swaps the canonical, drops the noindex, adds a title, a link and the availability.
PRODUCT = """<h1>Tent {n}</h1><p>{words}</p><span class="price">$199.00</span>
<script>
document.querySelector('link[rel=canonical]').href = '/p/other';
document.querySelector('meta[name=robots]').remove();
document.title = 'Tent {n} | Store';
var a = document.createElement('a'); a.href = '/p/added'; a.textContent = 'added';
document.body.appendChild(a);
var s = document.createElement('span'); s.className = 'availability'; s.textContent = 'In stock';
document.body.appendChild(s);
</script>"""


def _app() -> web.Application:
    async def home(request: web.Request) -> web.Response:
        links = "".join(f"<a href='/p/{n}'>tent {n}</a>" for n in (1, 2))
        return html(f"<h1>Home</h1><p>{'words ' * 40}</p>{links}", "<title>Home page</title>")

    async def product(request: web.Request) -> web.Response:
        n = request.match_info["n"]
        head = f"<link rel='canonical' href='/p/{n}'><meta name='robots' content='noindex'>"
        return html(PRODUCT.format(n=n, words="words " * 40), head)

    app = web.Application()
    app.router.add_get("/", home)
    app.router.add_get("/p/{n}", product)
    return app


@pytest.mark.browser
def test_render_sample_renders_one_page_per_template_and_keeps_the_raw_facts(
    tmp_path: Path,
) -> None:
    with serve(_app()) as base:
        run = crawl(
            [base + "/"], out=tmp_path / "run", render="never", render_sample=1, max_depth=1
        )
    pages = load_pages(run).set_index("url")
    assert pages.loc[base + "/", "render_reason"] == "sample"  # the home template's one page
    assert pages.loc[base + "/p/1", "render_reason"] == "sample"  # the product template's
    sampled = pages.loc[base + "/p/1"]
    assert not pages.loc[base + "/p/2", "rendered"]  # the product sample is full
    assert pd.isna(pages.loc[base + "/p/2", "raw_canonical"])  # not rendered: no raw_* columns
    # the raw HTML as served, beside the DOM JavaScript built
    assert sampled["raw_canonical"] == base + "/p/1" and sampled["canonical"] == base + "/p/other"
    assert sampled["raw_meta_robots"] == "noindex" and pd.isna(sampled["meta_robots"])
    assert pd.isna(sampled["raw_title"]) and sampled["title"] == "Tent 1 | Store"
    assert base + "/p/added" not in list(sampled["raw_links"])
    assert sampled["raw_price_shown"] and not sampled["raw_availability_shown"]
    assert sampled["price_shown"] and sampled["availability_shown"]
    assert not sampled["needs_render"]  # rendered on purpose, not because it needed it
