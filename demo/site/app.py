"""The demo site's aiohttp application: routes, sitemaps, robots.txt, images, manifest.

Absolute URLs (canonicals, hreflang, sitemaps, the manifest) use the host the request was
sent to, so the same app serves correctly on any port.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import json
import re
import zlib
from collections.abc import Awaitable, Callable
from functools import lru_cache

from aiohttp import web

from demo.site import defects as d
from demo.site import images, vitals_pages, vocab
from demo.site.catalog import PER_PAGE, mix64
from demo.site.pages import ABOUT, LOCALE, Page, Site

SITE_KEY = web.AppKey("demosite", Site)
# URLs per child sitemap (the protocol allows 50,000): small enough to build in ~0.1 s.
URLS_PER_SITEMAP = 10_000
_SITEMAP_NS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
    'sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)
_LANG = {"en-ca": "en", "fr-ca": "fr"}
_IMAGE_TEMPLATE = {"h": "home", "c": "category", "p": "product"}
_SITEMAP_NAME = re.compile(r"^(pages|categories|products)-(\d+)\.xml\.gz$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _respond(page: Page) -> web.Response:
    if isinstance(page.body, bytes):
        content_type = page.content_type + (f"; charset={page.charset}" if page.charset else "")
        return web.Response(
            status=page.status,
            body=page.body,
            headers={"Content-Type": content_type, **page.headers},
        )
    return web.Response(
        status=page.status,
        text=page.body,
        content_type=page.content_type,
        charset=page.charset or "utf-8",
        headers=page.headers or None,
    )


def _redirect(location: str, status: int = 301) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


def make_app(
    products: int = 2000,
    seed: int = 0,
    week: int = 1,
    slow_template: str | None = None,
    slowdown_ms: int = 500,
) -> web.Application:
    """The demo site as an aiohttp application (nothing is generated up front)."""
    site = Site(
        products=products,
        seed=seed,
        week=week,
        slow_template=slow_template,
        slowdown_ms=slowdown_ms,
    )
    app = web.Application()
    app[SITE_KEY] = site
    catalog = site.catalog

    async def chooser(request: web.Request) -> web.Response:
        return _respond(site.chooser(_base(request)))

    async def home(request: web.Request) -> web.Response:
        return _respond(site.home(_LANG[request.match_info["loc"]], _base(request)))

    async def add_slash(request: web.Request) -> web.Response:
        return _redirect(request.path + "/")

    async def category(request: web.Request) -> web.Response:
        lang = _LANG[request.match_info["loc"]]
        slug = request.match_info["slug"]
        cat = catalog.find_category(slug)
        if cat is None or cat.path(lang) != request.path:
            return _respond(site.not_found(lang))
        query: dict[str, str] = {}
        for key in ("page", "color", "size", "sort"):
            values = request.query.getall(key, [])
            if len(values) > 1:
                return _respond(site.not_found(lang))
            if values:
                query[key] = values[0]
        page = query.get("page")
        if page is not None:
            if not page.isdigit() or int(page) < 1:
                return _respond(site.not_found(lang))
            if int(page) == 1:
                rest = [(k, v) for k, v in request.query.items() if k != "page"]
                target = request.path + (
                    "?" + "&".join(f"{k}={v}" for k, v in rest) if rest else ""
                )
                return _redirect(target)
        if "color" in query and query["color"] not in _COLOR_SLUGS:
            return _respond(site.not_found(lang))
        if "size" in query and query["size"] not in cat.sizes:
            return _respond(site.not_found(lang))
        if "sort" in query and query["sort"] not in ("price-asc", "price-desc", "rating"):
            return _respond(site.not_found(lang))
        return _respond(site.category(cat, lang, _base(request), query))

    async def product(request: web.Request) -> web.Response:
        path = request.path
        lang = _LANG[request.match_info["loc"]]
        found = catalog.product_for_path(path)
        if found is None:
            match = _PRODUCT_TAIL.match(request.match_info["tail"])
            index = catalog.index_for_sku(match.group(1)) if match else None
            if index is None:
                return _respond(site.not_found(lang))
            if (index, lang) in site.plan.pages and "discontinued" in site.plan.page(index, lang):
                return _respond(site.not_found(lang, discontinued=True))
            return _redirect(catalog.product(index).path(lang))  # an outdated slug
        return _respond(site.product(found, lang, _base(request)))

    async def legacy_product(request: web.Request) -> web.Response:
        index = catalog.index_for_sku(request.match_info["sku"])
        if index is None:
            return _respond(site.not_found("en"))
        return _redirect(catalog.product(index).path_en)

    async def about(request: web.Request) -> web.Response:
        lang = "fr" if request.path.startswith("/fr-ca/") else "en"
        return _respond(site.about(lang, _base(request)))

    async def promotions(request: web.Request) -> web.Response:
        return _respond(site.promotions(_base(request)))

    async def gift_cards(request: web.Request) -> web.Response:
        return _respond(site.server_error())

    async def chain(request: web.Request) -> web.Response:
        k = d.CHAIN.index(request.path)
        target = d.CHAIN[k + 1] if k + 1 < len(d.CHAIN) else d.chain_target(catalog)
        return _redirect(target, d.CHAIN_STATUS[k])

    async def loop(request: web.Request) -> web.Response:
        k = d.LOOP.index(request.path)
        return _redirect(d.LOOP[(k + 1) % len(d.LOOP)])

    async def events_index(request: web.Request) -> web.Response:
        return _respond(site.events_index(_base(request)))

    async def events(request: web.Request) -> web.Response:
        year, month = int(request.match_info["year"]), int(request.match_info["month"])
        if not 1 <= month <= 12 or year < 1:
            return _respond(site.not_found("en"))
        return _respond(site.events(_base(request), year, month))

    async def outlet(request: web.Request) -> web.Response:
        filters = 0
        while request.query.get(f"f{filters + 1}") == "on":
            filters += 1
        return _respond(site.outlet(_base(request), filters))

    async def help_page(request: web.Request) -> web.Response:
        tail = request.match_info.get("tail", "")
        depth = tail.count("faq/")
        if tail != "faq/" * depth:
            return _respond(site.not_found("en"))
        return _respond(site.help(_base(request), depth))

    async def utility(request: web.Request) -> web.Response:
        return _respond(site.utility(request.path.strip("/")))

    async def robots(request: web.Request) -> web.Response:
        lines = [*site.robots_lines, f"Sitemap: {_base(request)}/sitemap_index.xml", ""]
        return web.Response(text="\n".join(lines), content_type="text/plain")

    async def sitemap_index(request: web.Request) -> web.Response:
        base = _base(request)
        entries = "".join(
            f"<sitemap><loc>{base}/sitemaps/{name}</loc><lastmod>{_lastmod(site.week, 0)}</lastmod></sitemap>\n"
            for name in _sitemap_names(site)
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</sitemapindex>\n"
        )
        return web.Response(text=body, content_type="application/xml")

    async def sitemap(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in _sitemap_names(site):
            return _respond(site.not_found("en"))
        body = _sitemap_gz(site, name, _base(request))
        return web.Response(body=body, headers={"Content-Type": "application/x-gzip"})

    async def image(request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        name = request.match_info["name"]
        if kind not in ("h", "c", "p", "t", "o", "slow"):
            return _respond(site.not_found("en"))
        delay = 0
        if kind == "slow":
            delay = d.SLOW_HERO_MS
        elif site.slow_template is not None and _IMAGE_TEMPLATE.get(kind) == site.slow_template:
            delay = site.slowdown_ms
        if delay:
            await asyncio.sleep(delay / 1000)
        width, height = images.THUMB_SIZE if kind == "t" else images.HERO_SIZE
        body = images.mosaic_png(width, height, images.variant_for(name))
        return web.Response(
            body=body, headers={"Content-Type": "image/png", "Cache-Control": "max-age=3600"}
        )

    async def favicon(request: web.Request) -> web.Response:
        return web.Response(body=images.FAVICON, headers={"Content-Type": "image/png"})

    async def manifest(request: web.Request) -> web.Response:
        entries = d.manifest(catalog.products, catalog.seed, site.week, _base(request))
        return web.Response(text=json.dumps(entries, indent=1), content_type="application/json")

    async def changes(request: web.Request) -> web.Response:
        body = d.changes(catalog.products, catalog.seed, _base(request))
        return web.Response(text=json.dumps(body, indent=1), content_type="application/json")

    async def not_found(request: web.Request) -> web.Response:
        lang = "fr" if request.path.startswith("/fr-ca") else "en"
        return _respond(site.not_found(lang))

    r = app.router
    r.add_get("/", chooser)
    r.add_get("/robots.txt", robots)
    r.add_get("/sitemap_index.xml", sitemap_index)
    r.add_get("/sitemaps/{name}", sitemap)
    r.add_get("/__defects.json", manifest)
    r.add_get("/__defect_changes.json", changes)
    r.add_get("/favicon.ico", favicon)
    r.add_get("/img/{kind}/{name}", image)
    r.add_get("/{loc:en-ca|fr-ca}/", home)
    r.add_get("/{loc:en-ca|fr-ca}", add_slash)
    r.add_get("/{loc:en-ca|fr-ca}/c/{slug}/", category)
    r.add_get("/{loc:en-ca|fr-ca}/c/{slug}", add_slash)
    r.add_get("/{loc:en-ca|fr-ca}/p/{tail}", product)
    r.add_get("/en-ca/product/{sku}", legacy_product)
    r.add_get("/en-ca/about/", about)
    r.add_get("/fr-ca/a-propos/", about)
    r.add_get(d.PROMOTIONS, promotions)
    r.add_get(d.GIFT_CARDS_500, gift_cards)
    for path in d.CHAIN:
        r.add_get(path, chain)
    for path in d.LOOP:
        r.add_get(path, loop)
    r.add_get(d.EVENTS, events_index)
    r.add_get(d.EVENTS + "{year:\\d{1,4}}/{month:\\d{2}}/", events)
    r.add_get(d.OUTLET, outlet)
    r.add_get(d.HELP, help_page)
    r.add_get(d.HELP + "{tail:.+}", help_page)
    for path in ("/cart", "/search", "/checkout"):
        r.add_get(path, utility)
    vitals_pages.add_routes(app)
    r.add_get("/{tail:.*}", not_found)  # last: everything else is a 404 page
    return app


_PRODUCT_TAIL = re.compile(r"^[a-z0-9-]+-(\d{7})$")
_COLOR_SLUGS = frozenset(c[0] for c in vocab.COLORS)


def _lastmod(week: int, h: int) -> str:
    day = dt.date(2026, 3, 1) + dt.timedelta(days=h % 60 + 7 * (week - 1))
    return day.isoformat()


def _category_urls(site: Site) -> list[tuple[str, str]]:
    """(en path, fr path) of every self-canonical category listing page."""
    out = []
    for cat in site.catalog.categories:
        for page in range(1, cat.page_count(PER_PAGE) + 1):
            q = "" if page == 1 else f"?page={page}"
            out.append((cat.path_en + q, cat.path_fr + q))
    return out


def _products_per_sitemap() -> int:
    return URLS_PER_SITEMAP // 2  # an en and a fr URL per product


def _sitemap_names(site: Site) -> list[str]:
    pages = ["pages-1.xml.gz"]
    n_cat = -(-2 * len(_category_urls_cached(site)) // URLS_PER_SITEMAP)
    n_prod = -(-site.catalog.products // _products_per_sitemap())
    return (
        pages
        + [f"categories-{k}.xml.gz" for k in range(1, n_cat + 1)]
        + [f"products-{k}.xml.gz" for k in range(1, n_prod + 1)]
    )


@lru_cache(maxsize=4)
def _category_urls_cached(site: Site) -> list[tuple[str, str]]:
    return _category_urls(site)


def _url_entry(base: str, loc: str, lastmod: str, alternates: tuple[str, ...] | None) -> str:
    """A <url>; ``alternates`` is (en-CA, fr-CA[, x-default]) paths, x-default = en-CA by default."""
    links = ""
    if alternates:
        en, fr, default = (*alternates, alternates[0])[:3]
        links = (
            f'<xhtml:link rel="alternate" hreflang="en-CA" href="{base}{en}"/>'
            f'<xhtml:link rel="alternate" hreflang="fr-CA" href="{base}{fr}"/>'
            f'<xhtml:link rel="alternate" hreflang="x-default" href="{base}{default}"/>'
        )
    return f"<url><loc>{base}{loc}</loc><lastmod>{lastmod}</lastmod>{links}</url>\n"


@lru_cache(maxsize=8)
def _sitemap_gz(site: Site, name: str, base: str) -> bytes:
    match = _SITEMAP_NAME.match(name)
    assert match is not None
    kind, number = match.group(1), int(match.group(2))
    week = site.week
    parts = [_SITEMAP_NS]
    if kind == "pages":
        # The same alternates as the pages' HTML: the homes' x-default is the chooser "/".
        homes = ("/en-ca/", "/fr-ca/", "/")
        for loc in homes:
            parts.append(_url_entry(base, loc, _lastmod(week, 1), homes))
        about = (ABOUT["en"], ABOUT["fr"], ABOUT["en"])
        for loc in about[:2]:
            parts.append(_url_entry(base, loc, _lastmod(week, 2), about))
        parts.append(_url_entry(base, d.PROMOTIONS, _lastmod(week, 3), None))
    elif kind == "categories":
        pairs = _category_urls_cached(site)
        per = URLS_PER_SITEMAP // 2
        for en, fr in pairs[(number - 1) * per : number * per]:
            h = mix64(zlib.crc32(en.encode()))
            parts.append(_url_entry(base, en, _lastmod(week, h), (en, fr)))
            parts.append(_url_entry(base, fr, _lastmod(week, h), (en, fr)))
    else:
        plan = site.plan
        per = _products_per_sitemap()
        start = (number - 1) * per
        for i in range(start, min(site.catalog.products, start + per)):
            p = site.catalog.product(i)
            alternates = None if i in plan.no_sitemap_alternates else (p.path_en, p.path_fr)
            lastmod = _lastmod(week, site.catalog.hash(i, 9))
            for lang in ("en", "fr"):
                if (i, lang) not in plan.not_in_sitemap:
                    parts.append(_url_entry(base, p.path(lang), lastmod, alternates))
    parts.append("</urlset>\n")
    return gzip.compress("".join(parts).encode(), compresslevel=6, mtime=0)


__all__ = ["LOCALE", "SITE_KEY", "make_app"]
