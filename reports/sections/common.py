"""Shared pieces of the report's sections: the ``Missing`` and ``Trend`` values, the week
axis and the table checks every ``load_*`` function starts with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb


@dataclass(frozen=True)
class Missing:
    """Why a section has nothing to show; rendered as one sentence."""

    message: str


@dataclass(frozen=True)
class Trend:
    """One labelled weekly series: current and previous value and the whole trend."""

    name: str
    values: Sequence[float | None]

    @property
    def current(self) -> float | None:
        return self.values[-1] if self.values else None

    @property
    def previous(self) -> float | None:
        return self.values[-2] if len(self.values) > 1 else None

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


SEVERITIES = ("error", "warning", "notice")


def clip(value: object, limit: int) -> str:
    """Untrusted text cut to ``limit`` characters (escaping is the template's job)."""
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str] | None:
    """The table's columns, or None when the table does not exist."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return {r[0] for r in rows} or None


def require(
    con: duckdb.DuckDBPyConnection, table: str, needed: set[str], absent: Missing
) -> Missing | None:
    have = columns(con, table)
    if have is None:
        return absent
    lacking = sorted(needed - have)
    if lacking:
        return Missing(f"Table {table} lacks the columns {', '.join(lacking)}.")
    if not con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]:  # type: ignore[index]
        return absent
    return None


# Runs that describe the site's week. Bid and coverage runs describe the day they ran, and
# SEM pulls the last day they cover: they join the axis only when nothing else is there.
SITE_KINDS = ("crawl", "audit", "vitals")


def report_weeks(con: duckdb.DuckDBPyConnection, weeks: int) -> list[date]:
    """The last ``weeks`` weeks with a registered crawl, audit or vitals run (else any run)."""
    if columns(con, "runs") is None:
        return []
    for kinds in (list(SITE_KINDS), None):
        rows = con.execute(
            "SELECT DISTINCT week FROM runs WHERE week IS NOT NULL "
            "AND (? IS NULL OR list_contains(?, kind)) ORDER BY week DESC LIMIT ?",
            [kinds, kinds, weeks],
        ).fetchall()
        if rows:
            return sorted(r[0] for r in rows)
    return []


def span(weeks: list[date], by_week: dict[date, str]) -> list[date]:
    """The report's weeks from the first to the last one with this section's data."""
    return [w for w in weeks if min(by_week) <= w <= max(by_week)]


def latest_run_per_week(
    con: duckdb.DuckDBPyConnection, table: str, weeks: list[date]
) -> dict[date, str]:
    """For each week, the newest run that has rows in ``table``."""
    if not weeks or columns(con, "runs") is None:
        return {}
    rows = con.execute(
        f"""
        SELECT week, run_id FROM runs
        WHERE week BETWEEN ? AND ? AND run_id IN (SELECT DISTINCT run_id FROM "{table}")
        QUALIFY row_number() OVER (PARTITION BY week ORDER BY started_at DESC, run_id DESC) = 1
        """,
        [weeks[0], weeks[-1]],
    ).fetchall()
    return {week: run_id for week, run_id in rows}
