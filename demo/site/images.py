"""Generated PNG images for the demo site's heroes and thumbnails.

A hero must be a real LCP candidate: Chrome ignores low-content images (under 0.05 bits
per pixel, e.g. a solid colour) and reports an upscaled image at its intrinsic size. So
heroes are 800x500 mosaics of random 10-pixel tiles (about 0.3 bits per pixel) at their
display size. A few variants per size are generated on first use and cached.
"""

from __future__ import annotations

import random
import struct
import zlib
from functools import lru_cache

HERO_SIZE = (800, 500)
THUMB_SIZE = (160, 100)
VARIANTS = 8
_TILE = 10


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


@lru_cache(maxsize=4 * VARIANTS)
def mosaic_png(width: int, height: int, variant: int) -> bytes:
    """A ``width`` x ``height`` RGB PNG of random tiles around one hue (deterministic)."""
    rng = random.Random(variant * 7_368_787 + width * 31 + height)
    base = [rng.randrange(40, 200) for _ in range(3)]
    cols = -(-width // _TILE)
    rows = []
    for _ in range(-(-height // _TILE)):
        tiles = bytearray()
        for _ in range(cols):
            tile = bytes(max(0, min(255, c + rng.randrange(-50, 50))) for c in base)
            tiles += tile * _TILE
        row = b"\x00" + bytes(tiles[: width * 3])
        rows.append(row * _TILE)
    raw = b"".join(rows)[: height * (width * 3 + 1)]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


def variant_for(name: str) -> int:
    return zlib.crc32(name.encode()) % VARIANTS


# A 16x16 favicon, so browsers measuring vitals see no 404 in the console.
FAVICON = mosaic_png(16, 16, 0)
