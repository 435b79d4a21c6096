"""The robots.txt corpus (tests/corpus/robots_txt), crawled and audited through the CLI.

Each file is served as /robots.txt of its own origin on 127.0.0.1; one crawl starts at every
origin's home page; each origin's robots.txt must get exactly the findings its expectation
lists (written from Google's and Lighthouse's documentation: see expectations.yaml).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from tests.crawler.sites import html, serve

SEARCHOPS = str(Path(sys.executable).parent / "searchops")
CORPUS = Path(__file__).parent / "robots_txt"


def expectations() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CORPUS / "expectations.yaml").read_text("utf-8"))
    return data


def _body(name: str, spec: dict[str, Any]) -> bytes:
    path = CORPUS / name
    body = path.read_bytes() if path.exists() else b"not found"
    pad = spec.get("pad_to_bytes")
    if pad:
        line = b"# " + b"x" * 97 + b"\n"
        body += line * ((pad - len(body)) // len(line))
        body += b"#" * (pad - len(body) - 1) + b"\n"
    return body


def _origin_app(body: bytes, status: int) -> web.Application:
    async def robots(request: web.Request) -> web.Response:
        return web.Response(body=body, status=status, content_type="text/plain")

    async def home(request: web.Request) -> web.Response:
        return html("<h1>Home</h1>", "<title>Home</title>")

    app = web.Application()
    app.router.add_get("/robots.txt", robots)
    app.router.add_get("/", home)
    return app


@contextmanager
def origins() -> Iterator[dict[str, str]]:
    """robots.txt file name -> the origin serving it."""
    with ExitStack() as stack:
        served = {}
        for name, spec in expectations()["files"].items():
            app = _origin_app(_body(name, spec), spec.get("status", 200))
            served[name] = stack.enter_context(serve(app))
        yield served


def test_every_corpus_robots_txt_is_judged_right(tmp_path: Path) -> None:
    spec = expectations()
    with origins() as served:
        crawl = subprocess.run(
            [SEARCHOPS, "--workspace", str(tmp_path / "ws.duckdb"), "crawl",
             *(origin + "/" for origin in served.values()), "--render", "never",
             "--max-depth", "0", "--out", str(tmp_path / "run")],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip
    assert crawl.returncode == 0, crawl.stderr
    audit = subprocess.run(
        [SEARCHOPS, "audit", str(tmp_path / "run"), "--format", "json", "--fail-on", "never"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert audit.returncode == 0, audit.stderr
    fired: dict[str, set[str]] = {}
    for finding in json.loads(audit.stdout)["findings"]:
        fired.setdefault(finding["url"], set()).add(finding["rule_id"])
    judged = set(spec["judged"])
    wrong = {}
    for name, verdict in spec["files"].items():
        got = fired.get(served[name] + "/robots.txt", set()) & judged
        if got != set(verdict["fires"]):
            wrong[name] = {"got": sorted(got), "want": verdict["fires"]}
    print(
        f"corpus robots.txt files judged right: {len(spec['files']) - len(wrong)}/{len(spec['files'])}"
    )
    assert not wrong, wrong


def test_the_expectations_cover_every_corpus_file() -> None:
    on_disk = {p.name for p in CORPUS.glob("*.txt")}
    listed = set(expectations()["files"])
    assert on_disk == listed - {"not-found.txt"}


@pytest.mark.parametrize("name", ["oversize.txt"])
def test_padding_reaches_the_stated_size(name: str) -> None:
    spec = expectations()["files"][name]
    assert len(_body(name, spec)) == spec["pad_to_bytes"]
