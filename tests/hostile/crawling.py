"""Crawl a hostile server through the CLI and read what came out (shared by the cases)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd

from tests.hostile.server import HostileServer, cli


def crawl(
    server: HostileServer, tmp_path: Path, *args: str, start: str = "/"
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``searchops crawl BASE+start --render never ARGS`` into ``tmp_path/run``."""
    run = tmp_path / "run"
    with server.running() as base:
        result = cli(
            "crawl", base + start, "--render", "never", "--out", str(run), *args, cwd=tmp_path
        )
    return result, run


def pages(run: Path) -> pd.DataFrame:
    return pd.read_parquet(run / "pages.parquet")


def findings(run: Path, tmp_path: Path) -> list[dict[str, Any]]:
    """Every finding of ``searchops audit RUN --format json`` (exit 0 or 1)."""
    result = cli("audit", str(run), "--format", "json", "--fail-on", "never", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return found


def rule_urls(found: list[dict[str, Any]], rule_id: str) -> dict[str, str]:
    """url -> message of the findings of one rule."""
    return {f["url"]: f["message"] for f in found if f["rule_id"] == rule_id}
