"""Number formats shared by the summary sentences, the tables and the charts."""

from __future__ import annotations

from datetime import date


def money(value: float | None, currency: str = "CAD", signed: bool = False) -> str:
    """``$12,345`` (whole units past 100, cents below); ``+``/``-`` when ``signed``."""
    if value is None:
        return "n/a"
    sign = (
        ("+" if value > 0 else "-" if value < 0 else "") if signed else ("-" if value < 0 else "")
    )
    magnitude = abs(value)
    body = f"{magnitude:,.0f}" if magnitude >= 100 else f"{magnitude:,.2f}"
    symbol = "$" if currency in ("CAD", "USD", "AUD", "NZD") else f"{currency} "
    return f"{sign}{symbol}{body}"


def money_axis(value: float | None, currency: str = "CAD") -> str:
    """An axis label: ``$800k``, ``$1.2M``, ``$950`` (a narrow chart has ~7 characters)."""
    if value is None:
        return ""
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    symbol = "$" if currency in ("CAD", "USD", "AUD", "NZD") else ""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if round(magnitude / limit, 1) >= 1:  # 999,999 reads $1M, not $1000k
            body = f"{magnitude / limit:.1f}".removesuffix(".0")
            return f"{sign}{symbol}{body}{suffix}"
    return f"{sign}{symbol}{magnitude:,.0f}"


def pct(value: float | None, digits: int = 0) -> str:
    """A 0-1 share as a percentage."""
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"


def points(value: float | None, digits: int = 1, scale: float = 1.0) -> str:
    """A signed change: ``+3.5``, ``-1.0``, ``0.0``."""
    if value is None:
        return "n/a"
    return f"{value * scale:+,.{digits}f}"


def count(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def week_label(week: date) -> str:
    """Short label for chart axes: ``Nov 09``."""
    return week.strftime("%b %d")


def metric(value: float | None, name: str) -> str:
    """A lab metric in its unit: ``2,340 ms`` for ``*_ms``, ``0.120`` for CLS."""
    if value is None:
        return "n/a"
    if name.endswith("_ms"):
        return f"{value:,.0f} ms"
    return f"{value:.3f}" if name == "cls" else f"{value:,.3g}"
