"""Inline SVG charts built from numbers: line, x-y (frontier), horizontal bar and sparkline.

Hand-written rather than matplotlib/plotly: those emit kilobytes of path data,
embedded fonts and ids (or need JavaScript), while the report must stay small,
script-free and printable. Every chart is a ``Markup`` string: the numbers are
formatted here and every piece of text (labels, titles, legend names) goes
through :func:`markupsafe.escape`, so a label taken from a crawled page cannot
inject markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Colour-blind-safe palette (Okabe & Ito, 2008; then wine from Paul Tol and grey for a ninth
# and tenth series), in the order series are drawn.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#882255",
    "#999999",
)

# One colour per finding severity, for the charts and the badges alike (the template writes
# these into the page's CSS): red is the colour of trouble everywhere in the report.
SEVERITY_COLOURS = {"error": "#B3261E", "warning": "#8A5A00", "notice": "#174EA6"}

Formatter = Callable[[float], str]


def plain(value: float) -> str:
    """Compact number: 1234567 -> 1.2M, 0.25 -> 0.25."""
    magnitude = abs(value)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if magnitude >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 x 10^k steps) covering ``[lo, hi]``."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value < hi + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


@dataclass(frozen=True)
class Series:
    """One line: a name for the legend and y values (None = no data that week); ``colour``
    overrides the palette (a severity's colour, say)."""

    name: str
    values: Sequence[float | None]
    colour: str | None = None


@dataclass(frozen=True)
class _Frame:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom


def _open(frame: _Frame, title: str) -> list[str]:
    label = escape(title)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {frame.height}" '
        f'class="chart" role="img" aria-label="{label}">',
        f"<title>{label}</title>",
    ]


def _y_axis(frame: _Frame, ticks: list[float], scale: Callable[[float], float], fmt: Formatter):
    parts = []
    for tick in ticks:
        y = scale(tick)
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{frame.left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555">{escape(fmt(tick))}</text>'
        )
    return parts


_LEGEND_ROW = 16


def _legend_layout(names: Sequence[str], width: int, left: int) -> list[tuple[str, float, float]]:
    """(name, x, y) of each legend entry, wrapping onto new rows at the chart's width."""
    placed = []
    x, y = float(left), 6.0
    for name in names:
        label = name[:28]
        item = 24 + 6.6 * len(label)  # swatch + text at ~0.6 em per character
        if x > left and x + item > width:
            x, y = float(left), y + _LEGEND_ROW
        placed.append((label, x, y))
        x += item
    return placed


def _legend_rows(names: Sequence[str], width: int, left: int) -> int:
    layout = _legend_layout(names, width, left)
    return 1 + int((layout[-1][2] - 6) // _LEGEND_ROW) if layout else 0


def _legend(frame: _Frame, names: Sequence[str], colours: Sequence[str] | None = None) -> list[str]:
    parts = []
    for i, (label, x, y) in enumerate(_legend_layout(names, frame.width, frame.left)):
        colour = colours[i] if colours else PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="10" height="10" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + 14:.0f}" y="{y + 9:.0f}" font-size="11" fill="#333">{escape(label)}</text>'
        )
    return parts


def _x_anchor(i: int, n: int) -> str:
    """Edge labels grow inwards so they are not cut at the chart's border."""
    if n > 1 and i == 0:
        return "start"
    return "end" if n > 1 and i == n - 1 else "middle"


def _y_scale(lo: float, hi: float, frame: _Frame) -> tuple[list[float], Callable[[float], float]]:
    ticks = nice_ticks(lo, hi)
    t_lo, t_hi = ticks[0], ticks[-1]
    span = (t_hi - t_lo) or 1.0

    def scale(v: float) -> float:
        return frame.top + frame.plot_h * (1 - (v - t_lo) / span)

    return ticks, scale


def _polyline(points: list[tuple[float, float]], colour: str) -> list[str]:
    if not points:
        return []
    parts = []
    if len(points) > 1:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2" '
            'stroke-linejoin="round"/>'
        )
    parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points)
    return parts


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    y_format: Formatter = plain,
    y_min: float | None = None,
    y_max: float | None = None,
    width: int = 640,
    height: int = 220,
) -> Markup:
    """A line per series over categorical x (weeks); gaps where a value is None."""
    extra = _LEGEND_ROW * (_legend_rows([s.name for s in series], width, 56) - 1)
    frame = _Frame(width, height + extra, left=56, right=12, top=26 + extra, bottom=28)
    values = [v for s in series for v in s.values if v is not None and math.isfinite(v)]
    lo = min(values, default=0.0) if y_min is None else y_min
    hi = max(values, default=1.0) if y_max is None else y_max
    ticks, scale = _y_scale(lo, hi, frame)
    n = max(len(x_labels), 1)
    step = frame.plot_w / max(n - 1, 1)

    def x_at(i: int) -> float:
        return frame.left + (i * step if n > 1 else frame.plot_w / 2)

    parts = _open(frame, title)
    parts += _y_axis(frame, ticks, scale, y_format)
    # Week labels are ~45 units wide: as many as fit without touching (8 on a laptop).
    every = max(1, math.ceil(n / max(2, int(frame.plot_w // 70))))
    for i, label in enumerate(x_labels):
        # The last week is always labelled; a regular label too close to it is dropped.
        if (i % every == 0 and n - 1 - i >= every) or i == n - 1:
            parts.append(
                f'<text x="{x_at(i):.1f}" y="{frame.height - 8}" text-anchor="{_x_anchor(i, n)}" '
                'font-size="11" '
                f'fill="#555">{escape(label)}</text>'
            )
    colours = [s.colour or PALETTE[k % len(PALETTE)] for k, s in enumerate(series)]
    for s, colour in zip(series, colours, strict=True):
        run: list[tuple[float, float]] = []
        for i, v in enumerate(s.values):
            if v is None or not math.isfinite(v):
                parts += _polyline(run, colour)
                run = []
            else:
                run.append((x_at(i), scale(v)))
        parts += _polyline(run, colour)
    parts += _legend(frame, [s.name for s in series], colours)
    parts.append("</svg>")
    return Markup("".join(parts))


def xy_chart(
    points: Sequence[tuple[float, float]],
    *,
    title: str,
    x_format: Formatter = plain,
    y_format: Formatter = plain,
    marks: Sequence[tuple[str, float, float]] = (),
    width: int = 640,
    height: int = 240,
) -> Markup:
    """A curve over numeric x (spend vs value), with labelled marker points (``marks``)."""
    names = ["frontier", *(name for name, _, _ in marks)]
    extra = _LEGEND_ROW * (_legend_rows(names, width, 56) - 1)
    frame = _Frame(width, height + extra, left=56, right=16, top=26 + extra, bottom=28)
    finite = [(x, y) for x, y in points if math.isfinite(x) and math.isfinite(y)]
    every = finite + [(x, y) for _, x, y in marks if math.isfinite(x) and math.isfinite(y)]
    xs = [x for x, _ in every] or [0.0, 1.0]
    ys = [y for _, y in every] or [0.0, 1.0]
    y_ticks, y_scale = _y_scale(min(0.0, min(ys)), max(ys), frame)
    x_ticks = nice_ticks(min(0.0, min(xs)), max(xs))
    x_lo, x_span = x_ticks[0], (x_ticks[-1] - x_ticks[0]) or 1.0

    def x_scale(v: float) -> float:
        return frame.left + frame.plot_w * (v - x_lo) / x_span

    parts = _open(frame, title)
    parts += _y_axis(frame, y_ticks, y_scale, y_format)
    for i, tick in enumerate(x_ticks):
        parts.append(
            f'<text x="{x_scale(tick):.1f}" y="{frame.height - 8}" '
            f'text-anchor="{_x_anchor(i, len(x_ticks))}" font-size="11" '
            f'fill="#555">{escape(x_format(tick))}</text>'
        )
    curve = sorted(finite)
    parts += _polyline([(x_scale(x), y_scale(y)) for x, y in curve], PALETTE[0])
    for k, (_name, x, y) in enumerate(marks):
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        colour = PALETTE[(k + 1) % len(PALETTE)]
        parts.append(
            f'<circle cx="{x_scale(x):.1f}" cy="{y_scale(y):.1f}" r="6" fill="none" '
            f'stroke="{colour}" stroke-width="3"/>'
        )
    parts += _legend(frame, names)
    parts.append("</svg>")
    return Markup("".join(parts))


def cut_middle(text: str, chars: int) -> str:
    """``text`` in at most ``chars`` characters: its start and (longer) end around an ellipsis,
    so both the site section and the page's own name stay readable."""
    if len(text) <= chars:
        return text
    head = (chars - 1) // 3
    return text[:head] + "…" + text[len(text) - (chars - 1 - head) :]


def _around(text: str, at: int, chars: int) -> str:
    """A ``chars``-character window of ``text`` that shows position ``at``, ellipses where cut."""
    start = max(0, min(at - chars // 3, len(text) - chars + 1))
    body = text[start : start + chars - 1]
    if start > 0:
        body = "…" + body[1:]
    if start + chars - 1 < len(text):
        body = body[:-1] + "…"
    return body


def distinct_labels(labels: Sequence[str], chars: int) -> list[str]:
    """Labels cut to ``chars`` characters that stay as distinct as the full labels: cut in the
    middle, and where two different labels would still read the same, each shows the part
    where it differs from the others of its group (full text belongs in a ``<title>``)."""
    shown = [cut_middle(label, chars) for label in labels]
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(shown):
        groups.setdefault(text, []).append(i)
    for members in groups.values():
        full = [labels[i] for i in members]
        if len(set(full)) < 2:
            continue
        differ = next(
            (k for k in range(min(map(len, full))) if len({f[k] for f in full}) > 1),
            min(map(len, full)),
        )
        for i in members:
            shown[i] = _around(labels[i], differ, chars)
    return shown


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    value_format: Formatter = plain,
    width: int = 640,
    bar_height: int = 22,
    titles: Sequence[str] | None = None,
) -> Markup:
    """Horizontal bars, one per (label, value), labels cut to fit (32 characters at most) by
    :func:`distinct_labels`; each bar's ``<title>`` (a hover tooltip) has its full label, or
    its entry of ``titles``, and its value."""
    label_w, value_w = min(210, int(width * 0.42)), 70
    chars = min(32, int((label_w - 6) // 6.6))
    height = 8 + bar_height * max(len(items), 1)
    frame = _Frame(width, height, left=label_w, right=value_w, top=4, bottom=4)
    top = max((abs(v) for _, v in items if math.isfinite(v)), default=0.0) or 1.0
    parts = _open(frame, title)
    labels = [label for label, _ in items]
    texts = distinct_labels(labels, chars)
    full = list(titles) if titles is not None else labels
    for i, ((_, value), text) in enumerate(zip(items, texts, strict=True)):
        y = frame.top + i * bar_height
        shown = value if math.isfinite(value) else 0.0
        w = frame.plot_w * abs(shown) / top
        colour = PALETTE[0] if shown >= 0 else PALETTE[5]
        parts.append(f"<g><title>{escape(full[i])}: {escape(value_format(value))}</title>")
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_height * 0.68:.1f}" text-anchor="end" '
            f'font-size="12" fill="#333">{escape(text)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{bar_height - 6}" '
            f'fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height * 0.68:.1f}" font-size="11" '
            f'fill="#333">{escape(value_format(value))}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(
    values: Sequence[float | None], *, title: str, width: int = 120, height: int = 28
) -> Markup:
    """A tiny trend line for table cells; the last point is marked."""
    finite = [(i, v) for i, v in enumerate(values) if v is not None and math.isfinite(v)]
    label = escape(title)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="spark" role="img" aria-label="{label}"><title>{label}</title>'
    )
    if not finite:
        return Markup(head + "</svg>")
    lo = min(v for _, v in finite)
    hi = max(v for _, v in finite)
    span = (hi - lo) or 1.0
    n = max(len(values) - 1, 1)
    pts = [
        (2 + (width - 4) * i / n, height - 3 - (height - 6) * ((v - lo) / span if hi > lo else 0.5))
        for i, v in finite
    ]
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    x, y = pts[-1]
    return Markup(
        head
        + f'<polyline points="{coords}" fill="none" stroke="{PALETTE[0]}" stroke-width="1.5"/>'
        + f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{PALETTE[0]}"/></svg>'
    )
