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

from collections import defaultdict

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
    """Width of ``text`` in pixels at ``font_px`` (Arial)."""
    return sum(WIDTHS.get(ch, DEFAULT_WIDTH) for ch in text) * font_px / 1000


def pixel_width_sql(expr: str, font_px: float | str) -> str:
    """The same as :func:`pixel_width`, as a vectorized DuckDB expression over ``expr``

    ``font_px`` is a number or SQL text (a rule option placeholder such as ``"{font_px}"``).

    One ``translate`` per width class counts that class's characters (deleting them
    and measuring what is left) -- no per-character Python on a million titles.
    """
    groups: dict[int, str] = defaultdict(str)
    for ch, width in WIDTHS.items():
        groups[width - DEFAULT_WIDTH] += ch
    terms = [f"{DEFAULT_WIDTH} * length({expr})"]
    for delta, chars in sorted(groups.items()):
        if delta:
            quoted = chars.replace("'", "''")
            terms.append(
                f"({delta}) * (length({expr}) - length(translate({expr}, '{quoted}', '')))"
            )
    return f"(({' + '.join(terms)}) * {font_px} / 1000.0)"
