"""Approximate rendered width of search-result text, in CSS pixels.

Google cuts titles and descriptions by pixel width, not characters: about 600 px
for a desktop title (Arial 20 px) and about 920 px for a description (Arial 14 px).
No library measures text without a font renderer, so this uses Arial's advance
widths: Arial is metric-compatible with Helvetica, whose per-character widths
(units of 1/1000 em) are published in Adobe's Core 14 AFM files (Helvetica.afm).
Characters not in the table count as a lowercase letter (556).

Source: Adobe Core 14 Font Metrics, Helvetica.afm
(https://github.com/apache/pdfbox/blob/trunk/pdfbox/src/main/resources/org/apache/pdfbox/resources/afm/Helvetica.afm);
Arial's metric compatibility: https://en.wikipedia.org/wiki/Arial.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DEFAULT_WIDTH = 556

# width (1/1000 em) -> characters with that advance width in Helvetica/Arial
_BY_WIDTH: dict[int, str] = {
    191: "'",
    222: "ijl‘’‚",
    260: "|",
    278: " !,./:;I[\\]ftÌÍÎÏìíîï",
    333: "()-`r“”„",
    334: "{}",
    350: "•",
    355: '"',
    389: "*",
    400: "°",
    469: "^",
    500: "Jcksvxyzçýÿ",
    584: "+<=>~×",
    611: "FTZ",
    667: "&ABEKPSVXYÀÁÂÃÄÅÈÉÊËÝ",
    722: "CDHNRUwÇÑÙÚÛÜ",
    737: "©®",
    778: "GOQÒÓÔÕÖØ",
    833: "Mm",
    889: "%",
    944: "Wœ",
    1000: "Œ…—™",
    1015: "@",
}

WIDTHS: dict[str, int] = {ch: width for width, chars in _BY_WIDTH.items() for ch in chars}


def pixel_width(text: str, font_px: float) -> float:
    """Width of ``text`` in pixels at ``font_px`` (Arial); :func:`em_widths` does many at once."""
    return sum(WIDTHS.get(ch, DEFAULT_WIDTH) for ch in text) * font_px / 1000


def _table() -> np.ndarray:
    """Advance width (1/1000 em) of every Basic Multilingual Plane code point."""
    table = np.full(0x10000, DEFAULT_WIDTH, dtype=np.int32)
    for ch, width in WIDTHS.items():
        table[ord(ch)] = width
    return table


_TABLE = _table()


def em_widths(texts: pa.Array) -> np.ndarray:
    """Widths in em (1 em = the font size in px) of every string of ``texts`` (null -> 0).

    Vectorized: the Arrow array's UTF-8 buffer is decoded to code points once, looked up
    in the width table and summed per string with a cumulative sum -- no per-string Python.
    """
    texts = pc.fill_null(texts, "")
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    lengths = pc.utf8_length(texts).to_numpy(zero_copy_only=False).astype(np.int64)
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32)[
        texts.offset : texts.offset + len(texts) + 1
    ]
    data = texts.buffers()[2]
    utf8 = data.to_pybytes()[offsets[0] : offsets[-1]] if data is not None else b""
    points = np.frombuffer(utf8.decode("utf-8").encode("utf-32-le"), dtype=np.uint32)
    widths = np.where(points < 0x10000, _TABLE[np.minimum(points, 0xFFFF)], DEFAULT_WIDTH)
    totals = np.concatenate([[0], np.cumsum(widths, dtype=np.int64)])
    ends = np.cumsum(lengths)
    return (totals[ends] - totals[ends - lengths]) / 1000.0
