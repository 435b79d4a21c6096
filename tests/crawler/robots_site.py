"""A local site that logs every request, for the robots.txt tests (127.0.0.1 only).

``/robots.txt`` disallows ``/private/`` and answers after ``robots_delay`` seconds, so every
request of the crawl's first burst waits for it; ``/sitemap.xml`` lists ``SITEMAP_URLS``
URLs, ``SITEMAP_PRIVATE`` of them under ``/private/``.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from tests.crawler.sites import html

ROBOTS = "User-agent: *\nDisallow: /private/\n"
START_PRIVATE = 50
SITEMAP_URLS = 500
SITEMAP_PRIVATE = 200


def sitemap_paths() -> list[str]:
    return [
        f"/private/s{i}" if i < SITEMAP_PRIVATE else f"/public/s{i}" for i in range(SITEMAP_URLS)
    ]


def start_paths() -> list[str]:
    return [f"/private/start{i}" for i in range(START_PRIVATE)]


def logging_app(log: list[str], robots: str = ROBOTS, robots_delay: float = 1.0) -> web.Application:
    """The site; ``log`` receives every requested path (query included), in order."""

    @web.middleware
    async def record(request: web.Request, handler: object) -> web.StreamResponse:
        log.append(request.path_qs)
        return await handler(request)  # type: ignore[operator]

    async def robots_txt(request: web.Request) -> web.Response:
        await asyncio.sleep(robots_delay)
        return web.Response(text=robots, content_type="text/plain")

    async def sitemap(request: web.Request) -> web.Response:
        base = f"http://{request.host}"
        body = "".join(f"<url><loc>{base}{p}</loc></url>" for p in sitemap_paths())
        return web.Response(
            text=f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>',
            content_type="application/xml",
        )

    async def page(request: web.Request) -> web.Response:
        return html(f"<h1>{request.path}</h1>", f"<title>{request.path}</title>")

    app = web.Application(middlewares=[record])
    app.router.add_get("/robots.txt", robots_txt)
    app.router.add_get("/sitemap.xml", sitemap)
    app.router.add_get("/{tail:.*}", page)
    return app


def disallowed(log: list[str]) -> list[str]:
    return [path for path in log if path.startswith("/private/")]
