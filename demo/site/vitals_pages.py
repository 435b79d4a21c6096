"""Lab pages whose Core Web Vitals are known by construction (owned by the vitals stage).

Mounted under ``/__lab/`` on the demo site (``add_routes(app)``); the vitals tests
and ``benchmarks/vitals.py`` measure them and compare with the values below.

==========================================  ============================================
page                                        known value
==========================================  ============================================
``/__lab/hero?delay=MS[&lazy=1]``           LCP >= MS: the server holds the hero image
                                            back MS ms (``img#hero``; ``loading=lazy``)
``/__lab/shift?h=H&d=D1[,D2..]&gap=MS``     a full-width box ``H`` vh tall moves down by
                                            ``D1`` vh (then ``D2`` ... every ``gap`` ms):
                                            CLS from :func:`expected_cls`
``/__lab/long-task?ms=L``                   one long task of ``L`` ms after FCP: TBT = L - 50
``/__lab/slow-click?ms=B``                  ``button#add-to-cart`` blocks ``B`` ms: INP >= B
``/__lab/unsized-image``                    an image without width/height pushes the text
                                            down when it loads (CLS > 0, culprit named)
==========================================  ============================================
"""

from __future__ import annotations

import asyncio
import html
import random
import struct
import zlib
from dataclasses import dataclass

from aiohttp import web

PREFIX = "/__lab"
_NO_STORE = {"Cache-Control": "no-store"}
# When the first layout shift happens after the first paint.
SHIFT_START_MS = 300
# Longest server delay or busy time a query may ask for (keeps the demo site safe to expose).
_MAX_MS = 10_000


@dataclass(frozen=True)
class LabPage:
    """A lab page and what a correct measurement must find on it."""

    path: str
    lcp_min_ms: float | None = None  # LCP lower bound (server delay of the LCP image)
    lcp_selector: str | None = None
    lcp_lazy: bool | None = None
    shift_box_vh: float | None = None  # see expected_cls
    shift_moves_vh: tuple[float, ...] = ()
    shift_gap_ms: float = 0
    tbt_ms: float | None = None
    inp_min_ms: float | None = None
    interact: str | None = None
    unsized_image: bool = False

    def expected_cls(self, width: int, height: int) -> float | None:
        if self.shift_box_vh is None:
            return None
        return expected_cls(
            self.shift_box_vh, self.shift_moves_vh, self.shift_gap_ms, width, height
        )


def expected_cls(
    box_vh: float, moves_vh: tuple[float, ...], gap_ms: float, width: int, height: int
) -> float:
    """CLS of the ``shift`` page in a ``width`` x ``height`` viewport.

    Each move is one layout shift of a full-width box: score = impact fraction x
    distance fraction (web.dev/articles/cls#layout-shift-score), where the impact
    region is the union of the box's old and new rectangles (clipped to the
    viewport) and the distance is the move over the viewport's largest dimension.
    Moves less than 1 s apart share a session window (summed); CLS is the largest window.
    """
    windows: list[float] = []
    top = 0.0
    for i, move in enumerate(moves_vh):
        impact = (min(top + move + box_vh, 100.0) - top) / 100.0
        distance = move / 100.0 * height / max(width, height)
        score = impact * distance
        if i and gap_ms < 1000:
            windows[-1] += score
        else:
            windows.append(score)
        top += move
    return max(windows, default=0.0)


# The pages the benchmark and `searchops vitals` users measure by default.
LAB_PAGES: tuple[LabPage, ...] = (
    LabPage(f"{PREFIX}/hero?delay=800", lcp_min_ms=800, lcp_selector="img#hero", lcp_lazy=False),
    LabPage(
        f"{PREFIX}/hero?delay=1500&lazy=1", lcp_min_ms=1500, lcp_selector="img#hero", lcp_lazy=True
    ),
    LabPage(f"{PREFIX}/shift?h=25&d=20", shift_box_vh=25, shift_moves_vh=(20,)),
    LabPage(
        f"{PREFIX}/shift?h=30&d=10,15&gap=500",
        shift_box_vh=30,
        shift_moves_vh=(10, 15),
        shift_gap_ms=500,
    ),
    LabPage(
        f"{PREFIX}/shift?h=30&d=10,15&gap=1500",
        shift_box_vh=30,
        shift_moves_vh=(10, 15),
        shift_gap_ms=1500,
    ),
    LabPage(f"{PREFIX}/long-task?ms=250", tbt_ms=200),
    LabPage(f"{PREFIX}/slow-click?ms=300", inp_min_ms=300, interact="#add-to-cart"),
    LabPage(f"{PREFIX}/unsized-image", unsized_image=True),
)


def _png(width: int, height: int, seed: int) -> bytes:
    """A PNG of random pixels. Chromium ignores low-entropy images (under 0.05 bits
    per displayed pixel) as LCP candidates, so a flat colour would never be the LCP.
    Written here because Pillow is not a dependency and an RGB PNG is a few lines of zlib."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    noise = random.Random(seed)
    rows = b"".join(b"\x00" + noise.randbytes(width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 6))
        + chunk(b"IEND", b"")
    )


# 2:1 like the width/height the pages declare; ~40 KB, well above the entropy floor
# once stretched over a 1350 px wide viewport.
_IMAGES = {"hero": _png(160, 80, 1), "photo": _png(160, 80, 2), "pixel": _png(1, 1, 3)}


def _ms(request: web.Request, name: str, default: float = 0) -> float:
    try:
        value = float(request.query.get(name, default))
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be a number") from None
    if not 0 <= value <= _MAX_MS:
        raise web.HTTPBadRequest(text=f"{name} must be between 0 and {_MAX_MS}")
    return value


def _page(title: str, body: str, script: str = "") -> web.Response:
    doc = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>html,body{{margin:0;font:16px/1.4 sans-serif}} img{{display:block}}
#box{{background:#dde8f5;overflow:hidden}} #hero{{width:100%;height:auto}}</style>
</head><body>{body}<script>{script}</script></body></html>"""
    return web.Response(text=doc, content_type="text/html", headers=_NO_STORE)


async def _index(request: web.Request) -> web.Response:
    items = "".join(
        f'<li><a href="{html.escape(p.path)}">{html.escape(p.path)}</a></li>' for p in LAB_PAGES
    )
    return _page("Vitals lab", f"<h1>Vitals lab pages</h1><ul>{items}</ul>")


async def _hero(request: web.Request) -> web.Response:
    delay = _ms(request, "delay")
    lazy = ' loading="lazy"' if request.query.get("lazy") == "1" else ""
    src = f"{PREFIX}/img/hero.png?delay={delay:g}"
    return _page(
        "Hero image lab",
        f'<p>Delayed hero image</p><img id="hero" src="{src}" width="1200" height="600"{lazy} alt="">',
    )


async def _image(request: web.Request) -> web.Response:
    await asyncio.sleep(_ms(request, "delay") / 1000)
    body = _IMAGES[request.match_info["name"]]
    return web.Response(body=body, content_type="image/png", headers=_NO_STORE)


async def _shift(request: web.Request) -> web.Response:
    try:
        box = float(request.query.get("h", "25"))
        moves = [float(d) for d in request.query.get("d", "20").split(",")]
    except ValueError:
        raise web.HTTPBadRequest(text="h and d must be numbers") from None
    if not 0 < box <= 100 or any(not 0 < d <= 100 for d in moves) or len(moves) > 10:
        raise web.HTTPBadRequest(text="h and each d must be in (0, 100], at most 10 moves")
    gap = _ms(request, "gap", 300)
    # A request held open until after the last shift keeps the network busy, so any
    # tool that waits for network quiet (searchops, Lighthouse) sees every shift.
    hold = SHIFT_START_MS + gap * (len(moves) - 1) + 300
    script = f"""
(() => {{
  // Shifts before the first paint are not layout shifts: start the clock at FCP.
  let started = false;
  new PerformanceObserver(() => {{
    if (started) return;
    started = true;
    fetch('{PREFIX}/img/pixel.png?delay={hold:g}').then((r) => r.arrayBuffer());
    const moves = {moves}; let offset = 0;
    moves.forEach((d, i) => setTimeout(() => {{
      offset += d; document.getElementById('spacer').style.height = offset + 'vh';
    }}, {SHIFT_START_MS} + i * {gap}));
  }}).observe({{ type: 'paint', buffered: true }});
}})();"""
    body = (
        '<div id="spacer" style="height:0"></div>'
        f'<div id="box" style="height:{box}vh">Layout shift lab: this box moves down.</div>'
    )
    return _page("Layout shift lab", body, script)


async def _long_task(request: web.Request) -> web.Response:
    ms = _ms(request, "ms", 250)
    script = f"""
addEventListener('load', () => setTimeout(() => {{
  const end = performance.now() + {ms}; while (performance.now() < end) {{}}
}}, 100));"""
    return _page("Long task lab", f"<h1>Long task lab</h1><p>One {ms:g} ms task.</p>", script)


async def _slow_click(request: web.Request) -> web.Response:
    ms = _ms(request, "ms", 300)
    script = f"""
document.getElementById('add-to-cart').addEventListener('click', (event) => {{
  const end = performance.now() + {ms}; while (performance.now() < end) {{}}
  event.target.textContent = 'Added';
}});"""
    body = "<h1>Slow click lab</h1><button id='add-to-cart'>Add to cart</button>"
    return _page("Slow click lab", body, script)


async def _unsized_image(request: web.Request) -> web.Response:
    body = (
        "<h1>Unsized image lab</h1>"
        f'<img id="photo" src="{PREFIX}/img/photo.png?delay=300" alt="">'
        '<p id="below">This paragraph moves when the photo loads.</p>'
    )
    return _page("Unsized image lab", body)


def add_routes(app: web.Application) -> None:
    """Mount the /__lab/ pages on the demo site application."""
    app.router.add_get(f"{PREFIX}/", _index)
    app.router.add_get(f"{PREFIX}/hero", _hero)
    app.router.add_get(f"{PREFIX}/img/{{name:hero|photo|pixel}}.png", _image)
    app.router.add_get(f"{PREFIX}/shift", _shift)
    app.router.add_get(f"{PREFIX}/long-task", _long_task)
    app.router.add_get(f"{PREFIX}/slow-click", _slow_click)
    app.router.add_get(f"{PREFIX}/unsized-image", _unsized_image)
