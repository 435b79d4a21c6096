"""The workspace: one DuckDB file that registers every run and holds history.

Default ``./searchops.duckdb``; ``--workspace`` or ``SEARCHOPS_WORKSPACE``
override it. Each stage writes its own tables through :meth:`Workspace.replace_rows`
/ :meth:`Workspace.append_df`; the weekly report and regression checks read them.

DuckDB lets one process at a time open the file (for writing, or any other process for
reading). A command that finds it held by another waits up to ``[workspace] lock_wait_s``,
then fails with a one-line message naming the holder. A run that must be registered when
its work is done (a crawl that took an hour) is not lost to a busy workspace:
:func:`register_run_when_free` queues it in ``<workspace>.pending/`` and the next command
that opens the workspace for writing registers it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from searchops.errors import SearchopsError, database_reason
from searchops.workspace_config import WorkspaceConfig

log = logging.getLogger(__name__)

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


class WorkspaceBusy(SearchopsError):
    """Another process held the workspace for longer than the lock wait."""

    def __init__(self, path: Path, holder: str, waited_s: float):
        self.path, self.holder, self.waited_s = path, holder, waited_s
        super().__init__(
            f"{path}: in use by {holder} for more than {waited_s:g} s ([workspace] "
            "lock_wait_s); run this again when that command has finished"
        )


def _open_failure(exc: BaseException) -> str:
    """Why the workspace cannot be opened and what to do, on one line."""
    reason = database_reason(exc)
    if "Corrupt database" in reason or "not a valid DuckDB database" in reason:
        return (
            f"not a readable workspace ({reason}); move it aside (a new one is created; run "
            "folders can be audited again) or restore it from a backup"
        )
    if isinstance(exc, PermissionError) or "Permission denied" in reason:
        return f"cannot open workspace ({reason}); fix its permissions or use --workspace"
    return f"cannot open workspace: {reason}"


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>\S*) \(PID (?P<pid>\d+)\)")


def _lock_holder(exc: duckdb.Error) -> str | None:
    """``PID 123 (python3.11)`` when ``exc`` is DuckDB's file-lock conflict, else None."""
    match = _LOCK_HOLDER.search(str(exc))
    if match is None:
        return None
    return f"PID {match['pid']} ({Path(match['program']).name})"


def _configured_lock_settings() -> WorkspaceConfig:
    # Read only when a lock is met: most opens never need it, and the settings import every
    # stage's model.
    from searchops.settings import load_settings

    return load_settings().settings.workspace


class Workspace:
    """A thin wrapper over a DuckDB connection with the run registry."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        read_only: bool = False,
        *,
        lock: WorkspaceConfig | None = None,
    ):
        """``lock``: how long to wait for another process's lock (default: the settings)."""
        self.path = workspace_path(path)
        if read_only and not self.path.exists():
            raise SearchopsError(f"{self.path}: no workspace here yet (run a crawl or sem demo)")
        self.con = self._connect(read_only, lock)
        if not read_only:
            self.con.execute(_RUNS_DDL)
            self._register_queued()
        elif queued_runs(self.path):
            log.warning(
                "%s: %d run(s) wait to be registered (the workspace was busy when they "
                "finished); the next command that writes to the workspace registers them",
                self.path, len(queued_runs(self.path)),
            )  # fmt: skip

    def _connect(self, read_only: bool, lock: WorkspaceConfig | None) -> duckdb.DuckDBPyConnection:
        deadline = None
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.Error as exc:
                holder = _lock_holder(exc)
                if holder is None:
                    raise SearchopsError(f"{self.path}: {_open_failure(exc)}") from None
            except OSError as exc:
                raise SearchopsError(f"{self.path}: {_open_failure(exc)}") from None
            wait = lock or _configured_lock_settings()
            lock = wait
            if deadline is None:
                deadline = time.monotonic() + wait.lock_wait_s
                if wait.lock_wait_s:
                    log.warning(
                        "%s is in use by %s: waiting up to %g s for it",
                        self.path, holder, wait.lock_wait_s,
                    )  # fmt: skip
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkspaceBusy(self.path, holder, wait.lock_wait_s)
            time.sleep(min(wait.lock_poll_s, left))

    def _register_queued(self) -> None:
        """Register the runs queued while the workspace was busy (oldest first)."""
        for record in queued_runs(self.path):
            try:
                fields = json.loads(record.read_text(encoding="utf-8"))
                self.register_run(**_from_json(fields))
            except (OSError, ValueError, TypeError, duckdb.Error) as exc:
                log.warning("%s: queued run not registered (%s); left in place", record, exc)
                continue
            record.unlink(missing_ok=True)
            log.info(
                "%s: registered run %s queued while the workspace was busy",
                self.path,
                fields["run_id"],
            )

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

    def run_id_for(self, name: str, path: Path | None) -> str:
        """The id of the run in folder ``path`` named ``name`` (its basename): ``name`` itself,
        unless a run at another path holds it (``a/run`` and ``b/run``), then ``name-<8 hex of
        the path>``; stable for one path, so re-registering (resume, re-audit) updates in place.

        Workspaces written before this keep their ids (the folder name): the first folder of a
        name keeps it, later ones with the same name get the suffix.
        """
        if path is None or not self.has_table("runs"):
            return name
        where = str(Path(path).resolve())
        rows = self.con.execute("SELECT path FROM runs WHERE run_id = ?", [name]).fetchall()
        if not rows or rows[0][0] in (None, where):
            return name
        return f"{name}-{hashlib.sha1(where.encode()).hexdigest()[:8]}"

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
    ) -> str:
        """Insert or update a run; ``week`` defaults to the Monday of ``started_at``. Returns
        the id registered: ``run_id``, suffixed when another folder holds it (:meth:`run_id_for`)."""
        run_id = self.run_id_for(run_id, path)
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
        return run_id

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


# ------------------------------------------------------------------ runs queued while busy

_DATETIME_FIELDS = ("started_at", "finished_at", "week")


def _pending_dir(path: Path) -> Path:
    return path.with_name(path.name + ".pending")


def queued_runs(path: str | os.PathLike[str]) -> list[Path]:
    """The queued registrations of workspace ``path``, oldest first."""
    folder = _pending_dir(Path(path))
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.json"), key=lambda p: (p.stat().st_mtime, p.name))


def _from_json(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    for key in _DATETIME_FIELDS:
        if out.get(key):
            out[key] = datetime.fromisoformat(out[key])
    if out.get("path"):
        out["path"] = Path(out["path"])
    return out


def register_run_when_free(
    workspace: str | os.PathLike[str] | Workspace,
    run_id: str,
    kind: str,
    *,
    lock: WorkspaceConfig | None = None,
    **fields: Any,
) -> bool:
    """Register a run (fields as :meth:`Workspace.register_run`), waiting for a busy
    workspace as any command does; if it stays busy past the wait, queue the registration
    for the next command that opens the workspace for writing, say so (one warning) and
    return False. Nothing the run produced is lost either way."""
    if isinstance(workspace, Workspace):
        workspace.register_run(run_id, kind, **fields)
        return True
    try:
        with Workspace(workspace, lock=lock) as ws:
            ws.register_run(run_id, kind, **fields)
        return True
    except WorkspaceBusy as exc:
        path = workspace_path(workspace)
        folder = _pending_dir(path)
        folder.mkdir(parents=True, exist_ok=True)
        record = {"run_id": run_id, "kind": kind, **fields}
        if record.get("path"):
            record["path"] = str(Path(record["path"]).resolve())
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh, default=_json_value)
        target = folder / f"{run_id}.json"
        where = str(record.get("path") or "")
        if where and target.exists() and json.loads(target.read_text("utf-8")).get("path") != where:
            # two folders of one name (a/run, b/run) queue two records, not one
            target = folder / f"{run_id}-{hashlib.sha1(where.encode()).hexdigest()[:8]}.json"
        os.replace(tmp, target)
        log.warning(
            "%s: in use by %s for more than %g s: run %s is queued in %s and will be "
            "registered by the next searchops command that opens the workspace",
            path, exc.holder, exc.waited_s, run_id, folder,
        )  # fmt: skip
        return False


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)
