"""The workspace: one DuckDB file that registers every run and holds history.

Default ``./searchops.duckdb``; ``--workspace`` or ``SEARCHOPS_WORKSPACE``
override it. Each stage writes its own tables through :meth:`Workspace.replace_rows`
/ :meth:`Workspace.append_df`; the weekly report and regression checks read them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from searchops.errors import SearchopsError

DEFAULT_WORKSPACE = "searchops.duckdb"

_RUNS_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id      VARCHAR PRIMARY KEY,  -- folder name, unique per workspace
    kind        VARCHAR NOT NULL,     -- crawl | vitals | audit | sem | bid | coverage
    path        VARCHAR,              -- absolute path of the run folder (if any)
    started_at  TIMESTAMP,
    finished_at TIMESTAMP,
    week        DATE,                 -- Monday of the ISO week the run describes
    label       VARCHAR,
    stats       JSON
)
"""


def workspace_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    return Path(explicit or os.environ.get("SEARCHOPS_WORKSPACE") or DEFAULT_WORKSPACE)


def monday_of(ts: datetime) -> datetime:
    day = ts.date()
    return datetime.combine(day.fromordinal(day.toordinal() - day.weekday()), datetime.min.time())


class Workspace:
    """A thin wrapper over a DuckDB connection with the run registry."""

    def __init__(self, path: str | os.PathLike[str] | None = None, read_only: bool = False):
        self.path = workspace_path(path)
        if read_only and not self.path.exists():
            raise SearchopsError(f"{self.path}: no workspace here yet (run a crawl or sem demo)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise SearchopsError(f"{self.path}: cannot open workspace: {exc}") from None
        if not read_only:
            self.con.execute(_RUNS_DDL)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: a failure rolls back every write made inside."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def has_table(self, name: str) -> bool:
        # fetchall, not fetchone: DuckDB 2 refuses register() while a result is unfinished.
        rows = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchall()
        return bool(rows and rows[0][0])

    def register_run(
        self,
        run_id: str,
        kind: str,
        path: Path | None = None,
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
        week: datetime | None = None,
        label: str | None = None,
        stats: dict[str, Any] | None = None,
    ) -> None:
        """Insert or update a run; ``week`` defaults to the Monday of ``started_at``."""
        started_at = started_at or datetime.now(UTC).replace(tzinfo=None)
        week = week or monday_of(started_at)
        self.con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
        self.con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                kind,
                str(Path(path).resolve()) if path else None,
                started_at,
                finished_at,
                week.date() if isinstance(week, datetime) else week,
                label,
                json.dumps(stats or {}, default=str),
            ],
        )

    def runs(self, kind: str | None = None) -> pd.DataFrame:
        sql = "SELECT * FROM runs"
        params: list[Any] = []
        if kind:
            sql += " WHERE kind = ?"
            params.append(kind)
        return self.con.execute(sql + " ORDER BY started_at", params).df()

    def last_run(self, kind: str, before: str | None = None) -> dict[str, Any] | None:
        """The newest run of ``kind`` (optionally the newest other than ``before``)."""
        sql = "SELECT * FROM runs WHERE kind = ?"
        params: list[Any] = [kind]
        if before:
            sql += " AND run_id <> ?"
            params.append(before)
        df = self.con.execute(sql + " ORDER BY started_at DESC LIMIT 1", params).df()
        return None if df.empty else {str(k): v for k, v in df.iloc[0].to_dict().items()}

    def replace_rows(self, table: str, df: pd.DataFrame, key: str, value: Any) -> None:
        """Replace the rows of ``table`` where ``key = value`` by ``df`` (creating the table)."""
        self.con.register("_incoming", df)
        try:
            if not self.has_table(table):
                self.con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _incoming LIMIT 0')
            self.con.execute(f'DELETE FROM "{table}" WHERE "{key}" = ?', [value])
            self.con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM _incoming')
        finally:
            self.con.unregister("_incoming")

    def append_df(self, table: str, df: pd.DataFrame) -> None:
        self.con.register("_incoming", df)
        try:
            if not self.has_table(table):
                self.con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _incoming LIMIT 0')
            self.con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM _incoming')
        finally:
            self.con.unregister("_incoming")
