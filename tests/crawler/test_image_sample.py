"""The image files sampled after a crawl: bounded per template, page and crawl, one ranged GET
per image, only in scope and where robots.txt allows; served size and format from the header."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from aiohttp import web
from PIL import Image

from audits.synthetic import write_run
from searchops.settings import load_settings
from seo_crawler import image_sample, schema
from tests.crawler.sites import serve


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def _app(requests: list[tuple[str, str | None]]) -> web.Application:
    files = {"/img/big.jpg": _jpeg(1600, 1200), "/img/small.jpg": _jpeg(40, 30)}

    async def handle(request: web.Request) -> web.StreamResponse:
        requests.append((request.path, request.headers.get("Range")))
        body = files.get(request.path, files["/img/small.jpg"])
        if request.path.startswith("/missing"):
            return web.Response(status=404)
        first, last = request.headers["Range"].removeprefix("bytes=").split("-")
        part = body[int(first) : int(last) + 1]
        return web.Response(
            status=206, body=part, content_type="image/jpeg",
            headers={"Content-Range": f"bytes {first}-{int(first) + len(part) - 1}/{len(body)}"},
        )  # fmt: skip

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    return app


def _img(src: str, width: str | None = "400", height: str | None = "300") -> dict[str, object]:
    return {"src": src, "alt": "x", "width": width, "height": height, "loading": None}


def test_bounded_ranged_sample_in_scope_and_robots(tmp_path: Path) -> None:
    requests: list[tuple[str, str | None]] = []
    with serve(_app(requests)) as origin:
        pages = [
            # template /p/*: 8 pages, 5 images each; only 2 pages x 4 images are sampled
            {
                "url": f"{origin}/p/{n}",
                "images": [_img(f"{origin}/img/p{n}-{i}.jpg") for i in range(5)],
            }
            for n in range(8)
        ]
        pages += [
            {"url": f"{origin}/about", "images": [
                _img(f"{origin}/img/big.jpg", "400", "300"),  # served 1600x1200
                _img(f"{origin}/private/a.jpg"),  # robots.txt disallows /private/
                _img("https://cdn.example.net/a.jpg"),  # not a crawled host
                _img(f"{origin}/missing.jpg", None, None),
            ]},
            {"url": f"{origin}/gone", "status": 404, "images": [_img(f"{origin}/img/x.jpg")]},
        ]  # fmt: skip
        run = write_run(tmp_path / "run", pages=pages)
        robots = [
            {"origin": origin, "outcome": "rules", "body": "User-agent: *\nDisallow: /private/\n"}
        ]
        pq.write_table(pa.Table.from_pylist(robots, schema=schema.ROBOTS), run / "robots.parquet")
        crawl = load_settings(overrides={"crawl": {
            "image_sample_pages": 2, "image_sample_per_page": 4, "image_sample_max": 100,
            "image_sample_bytes": 2048,
        }}).settings.crawl  # fmt: skip
        counts = image_sample.sample(run, crawl, [origin + "/"])
    rows = {
        r["src"].replace(origin, ""): r for r in pq.read_table(run / "images.parquet").to_pylist()
    }
    sampled_p = sorted(k for k in rows if k.startswith("/img/p"))
    assert sampled_p == [f"/img/p{n}-{i}.jpg" for n in (0, 1) for i in range(4)]
    assert "/img/x.jpg" not in rows  # the page answered 404
    big = rows["/img/big.jpg"]
    assert (big["status"], big["format"], big["width"], big["height"]) == (206, "JPEG", 1600, 1200)
    assert big["bytes"] == len(_jpeg(1600, 1200)) and big["declared_width"] == 400
    assert big["template"] == "/about" and big["page"] == f"{origin}/about"
    assert rows["/private/a.jpg"]["fetch_state"] == "blocked_robots"
    assert rows["https://cdn.example.net/a.jpg"]["fetch_state"] == "out_of_scope"
    assert rows["/missing.jpg"]["status"] == 404 and rows["/missing.jpg"]["format"] is None
    # one ranged GET per image requested, never the blocked or out-of-scope ones
    assert len(requests) == 10 and all(r == "bytes=0-2047" for _, r in requests)
    assert not [p for p, _ in requests if p.startswith("/private")]
    assert counts == {"fetched": 10, "blocked_robots": 1, "out_of_scope": 1}


def test_no_sample_when_turned_off(tmp_path: Path) -> None:
    run = write_run(
        tmp_path / "run",
        pages=[{"url": "http://127.0.0.1:9/p/1", "images": [_img("http://127.0.0.1:9/a.jpg")]}],
    )
    crawl = load_settings(overrides={"crawl": {"image_sample_max": 0}}).settings.crawl
    assert image_sample.sample(run, crawl, ["http://127.0.0.1:9/"]) == {}
    assert not (run / "images.parquet").exists()


def _png_header(width: int, height: int) -> bytes:
    """A PNG announcing ``width`` x ``height`` in its IHDR chunk, without pixel data."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_hostile_image_answers(tmp_path: Path) -> None:
    """A server that ignores Range and sends 20 MB, a header announcing a 60,000 px image
    (a decompression bomb, never decoded), an HTML page at an image URL: each is recorded,
    only the first image_sample_bytes are read, nothing raises."""
    big = _jpeg(64, 48) + b"\0" * 20_000_000

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.path == "/img/huge.jpg":
            return web.Response(body=big, content_type="image/jpeg")  # 200: Range ignored
        if request.path == "/img/bomb.png":
            return web.Response(body=_png_header(60_000, 60_000), content_type="image/png")
        return web.Response(text="<html>not found</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    with serve(app) as origin:
        images = [_img(f"{origin}/img/{n}") for n in ("huge.jpg", "bomb.png", "page.jpg")]
        run = write_run(tmp_path / "run", pages=[{"url": f"{origin}/p/1", "images": images}])
        robots = [{"origin": origin, "outcome": "allow_all", "body": None}]
        pq.write_table(pa.Table.from_pylist(robots, schema=schema.ROBOTS), run / "robots.parquet")
        crawl = load_settings().settings.crawl
        image_sample.sample(run, crawl, [origin + "/"])
    rows = {
        r["src"].rsplit("/", 1)[-1]: r for r in pq.read_table(run / "images.parquet").to_pylist()
    }
    huge, bomb, page = rows["huge.jpg"], rows["bomb.png"], rows["page.jpg"]
    assert (huge["status"], huge["format"], huge["width"], huge["bytes"]) == (
        200,
        "JPEG",
        64,
        len(big),
    )
    assert (bomb["format"], bomb["width"], bomb["height"]) == ("PNG", 60_000, 60_000)
    assert page["format"] is None and page["content_type"] == "text/html"


def test_a_site_of_many_templates_samples_the_first_templates_by_name(tmp_path: Path) -> None:
    """Every page its own template (a digit-free slug per page), in reverse name order: the
    sample is the first ``image_sample_max`` templates by name, and only they are held (a
    later template sharing an earlier one's image brings nothing new and is not reached)."""
    origin = "http://127.0.0.1:9"
    pages = [
        {"url": f"{origin}/{slug}/item", "images": [_img(f"{origin}/img/{slug}.jpg")]}
        for slug in sorted((f"t-{chr(97 + a)}{chr(97 + b)}" for a in range(26) for b in range(26)),
                           reverse=True)
    ]  # fmt: skip
    # the first three templates by name show one image between them: the sample stops there
    for page in pages[-3:]:
        page["images"] = [_img(f"{origin}/img/shared.jpg")]
    run = write_run(tmp_path / "run", pages=pages)
    crawl = load_settings(overrides={"crawl": {"image_sample_max": 3}}).settings.crawl
    chosen = image_sample.choose(run, crawl)
    assert [(row["template"], row["src"]) for row in chosen] == [
        ("/t-aa/item", f"{origin}/img/shared.jpg")
    ]
    crawl = load_settings(overrides={"crawl": {"image_sample_max": 5}}).settings.crawl
    chosen = image_sample.choose(run, crawl)
    assert [row["template"] for row in chosen] == ["/t-aa/item", "/t-ad/item", "/t-ae/item"]
