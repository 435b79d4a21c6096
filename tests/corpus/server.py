"""Serves the corpus site (``tests/corpus/site``) on 127.0.0.1, the way a plain web server would.

Static files as they are (images with HTTP Range support), except that ``PORT`` in text files (and in ``_responses.yaml``)
becomes the port the request came in on, so pages can name ``http://localhost:PORT/``
absolutely; ``_responses.yaml`` adds what a file cannot carry: redirects, statuses and
headers (Link, X-Robots-Tag). Any other path answers 404.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from tests.crawler.sites import serve

SITE = Path(__file__).parent / "site"
EXPECTATIONS = Path(__file__).parent / "expectations.yaml"


def expectations() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXPECTATIONS.read_text(encoding="utf-8"))
    return data


def _responses() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = yaml.safe_load(
        (SITE / "_responses.yaml").read_text(encoding="utf-8")
    )
    return data


def app() -> web.Application:
    special = _responses()

    async def handle(request: web.Request) -> web.StreamResponse:
        port = str(request.url.port)
        spec = special.get(request.path, {})
        headers = {k: str(v).replace("PORT", port) for k, v in spec.get("headers", {}).items()}
        if "location" in spec:
            headers["Location"] = spec["location"]
            return web.Response(status=spec.get("status", 301), headers=headers)
        path = (SITE / request.path.lstrip("/")).resolve()
        if SITE not in path.parents or not path.is_file() or path.name.startswith("_"):
            return web.Response(status=404, text="not found", content_type="text/plain")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("image/"):  # as they are, with Range support (206)
            return web.FileResponse(path, headers=headers)
        body = path.read_text(encoding="utf-8").replace("PORT", port)
        return web.Response(
            status=spec.get("status", 200),
            text=body,
            content_type=content_type,
            charset="utf-8",
            headers=headers,
        )

    application = web.Application()
    application.router.add_get("/{tail:.*}", handle)
    return application


@contextmanager
def corpus_site() -> Iterator[str]:
    """``http://127.0.0.1:PORT`` serving the corpus."""
    with serve(app()) as url:
        yield url
