"""Where findings go: ``RUN/findings.parquet`` and the workspace tables.

Workspace tables (one audit run replaces its own rows when re-audited):

``findings``       run_id (the audit run), crawl_run_id, baseline_run_id, week,
                   rule_id, family, severity, url, message, evidence, related_url,
                   fingerprint, change (new | persisting | fixed, NULL without baseline)
``health_scores``  run_id, family ("overall" for the weighted whole), score (0-100),
                   findings, pages, affected (distinct URLs with findings)

The audit itself is registered in ``runs`` with kind ``audit``, the crawl's week,
and stats (counts by severity and change, the baseline's run id).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from audits.engine import AuditResult
from searchops import clock
from searchops.errors import SearchopsError
from searchops.run_folder import read_manifest
from searchops.workspace import Workspace, monday_of

FINDINGS_FILE = "findings.parquet"

_DDL = """
CREATE TABLE IF NOT EXISTS findings (
    run_id VARCHAR, crawl_run_id VARCHAR, baseline_run_id VARCHAR, week DATE,
    rule_id VARCHAR, family VARCHAR, severity VARCHAR, url VARCHAR, message VARCHAR,
    evidence VARCHAR, related_url VARCHAR, fingerprint VARCHAR, change VARCHAR
);
CREATE TABLE IF NOT EXISTS health_scores (
    run_id VARCHAR, family VARCHAR, score DOUBLE, findings BIGINT, pages BIGINT,
    affected BIGINT
);
-- Workspaces written before the score counted affected URLs.
ALTER TABLE health_scores ADD COLUMN IF NOT EXISTS affected BIGINT;
"""


def crawl_run_id(run: Path, workspace: Workspace | None) -> str:
    """The run's id in the workspace registry (the folder name when unregistered)."""
    if workspace is not None:
        row = workspace.con.execute(
            "SELECT run_id FROM runs WHERE path = ? AND kind = 'crawl' ORDER BY started_at DESC LIMIT 1",
            [str(Path(run).resolve())],
        ).fetchall()
        if row:
            return str(row[0][0])
    return Path(run).resolve().name


def run_week(run: Path, workspace: Workspace | None) -> date:
    """The Monday of the week the crawl describes: registry, else manifest, else its start."""
    if workspace is not None:
        row = workspace.con.execute(
            "SELECT week FROM runs WHERE path = ? AND week IS NOT NULL ORDER BY started_at DESC LIMIT 1",
            [str(Path(run).resolve())],
        ).fetchall()
        if row:
            return row[0][0]  # type: ignore[no-any-return]
    manifest = read_manifest(run)
    for key in ("week", "started_at"):
        value = manifest.get(key)
        if value:
            try:
                return monday_of(datetime.fromisoformat(str(value))).date()
            except ValueError:
                continue
    return monday_of(datetime.combine(clock.today(), datetime.min.time())).date()


def last_baseline(run: Path, workspace: Workspace) -> Path | None:
    """The newest other crawl registered before ``run`` (an earlier week, or same week earlier)."""
    week = run_week(run, workspace)
    me = str(Path(run).resolve())
    started = workspace.con.execute(
        "SELECT max(started_at) FROM runs WHERE path = ? AND kind = 'crawl'", [me]
    ).fetchall()
    started_at = started[0][0] if started else None
    row = workspace.con.execute(
        """
        SELECT path FROM runs
        WHERE kind = 'crawl' AND path IS NOT NULL AND path <> ?
          AND (week < ? OR (week = ? AND ? IS NOT NULL AND started_at < ?))
        ORDER BY week DESC, started_at DESC LIMIT 1
        """,
        [me, week, week, started_at, started_at],
    ).fetchall()
    if not row:
        return None
    path = Path(row[0][0])
    if not (path / "crawl.json").is_file():
        raise SearchopsError(f"--baseline last: the last crawl {path} is no longer on disk")
    return path


def write_run_findings(result: AuditResult) -> Path:
    """``RUN/findings.parquet`` (atomic: copied beside, then renamed)."""
    fd, tmp = tempfile.mkstemp(dir=result.run, prefix=".findings.", suffix=".parquet")
    os.close(fd)
    try:
        shutil.copyfile(result.findings_file, tmp)
        target = result.run / FINDINGS_FILE
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_workspace(result: AuditResult, workspace: Workspace, label: str | None = None) -> str:
    """Register the audit run and replace its findings and health scores; returns its run id."""
    crawl_id = crawl_run_id(result.run, workspace)
    baseline_id = crawl_run_id(result.baseline, workspace) if result.baseline else None
    run_id = f"audit-{crawl_id}"
    week = run_week(result.run, workspace)
    scores = result.scores.copy()
    scores.insert(0, "run_id", run_id)
    stats: dict[str, Any] = {
        **result.stats,
        "crawl_run_id": crawl_id,
        "baseline_run_id": baseline_id,
    }
    now = datetime.now(UTC).replace(tzinfo=None)
    with workspace.transaction() as con:
        con.execute(_DDL)
        # straight from the findings file: millions of findings never pass through pandas
        con.execute("DELETE FROM findings WHERE run_id = ?", [run_id])
        con.execute(
            "INSERT INTO findings BY NAME SELECT ? AS run_id, ? AS crawl_run_id, "
            "CAST(? AS VARCHAR) AS baseline_run_id, CAST(? AS DATE) AS week, * "
            "FROM read_parquet(?)",
            [run_id, crawl_id, baseline_id, week, str(result.findings_file)],
        )
        workspace.replace_rows("health_scores", scores, "run_id", run_id)
        workspace.register_run(
            run_id,
            "audit",
            path=result.run,
            started_at=now,
            finished_at=now,
            week=datetime.combine(week, datetime.min.time()),
            label=label,
            stats=stats,
        )
    return run_id
