"""The Python API behind ``audits.audit`` and ``audits.rules_table`` (see :mod:`audits`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from audits.engine import AuditResult, run_audit
from audits.registry import all_rules
from audits.store import last_baseline, write_run_findings, write_workspace
from searchops.errors import SearchopsError
from searchops.settings import LoadedSettings, Settings, resolve_settings
from searchops.workspace import Workspace


def audit(
    run: str | Path,
    *,
    baseline: str | Path | None = None,
    rules: list[str] | str | None = None,
    skip_rules: list[str] | str | None = None,
    settings: Settings | LoadedSettings | None = None,
    workspace: Workspace | None = None,
) -> AuditResult:
    """Audit a run folder; ``baseline`` is a run folder or ``"last"`` (needs ``workspace``).

    ``rules`` / ``skip_rules``: IDs, globs (``SEO-META-*``), slugs or family names.
    """
    run = Path(run)
    baseline_path: Path | None
    if baseline == "last":
        if workspace is None:
            raise SearchopsError("--baseline last needs a workspace (the run registry)")
        baseline_path = last_baseline(run, workspace)
    else:
        baseline_path = Path(baseline) if baseline is not None else None
    result = run_audit(
        run,
        baseline=baseline_path,
        rules=rules,
        skip_rules=skip_rules,
        settings=resolve_settings(settings),
    )
    write_run_findings(result)
    if workspace is not None:
        result.stats["run_id"] = write_workspace(result, workspace)
    return result


def rules_table() -> pd.DataFrame:
    """One row per registered rule with its metadata (what ``searchops rules`` prints)."""
    return pd.DataFrame([rule.metadata() for rule in all_rules()])
