"""Shared fixtures. Every site a test crawls is served on 127.0.0.1 by the project itself."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

# Nothing a test asserts depends on the calendar: "today" is pinned for this process and every
# command it starts (searchops.clock). A Monday late in the year, like the weeks the demo
# reports on; benchmarks/false_alarms.py checks the statistical assertions over other dates.
PINNED_TODAY = "2026-11-16"
os.environ.setdefault("SEARCHOPS_TODAY", PINNED_TODAY)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def workspace_file(tmp_path: Path) -> Path:
    return tmp_path / "ws.duckdb"


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# Session fixtures shared across test packages: the demo site (fixtures_demo) and a
# crawl of it (fixtures_crawl). Kept in their own modules so each has one owner.
pytest_plugins = ["tests.fixtures_demo", "tests.fixtures_crawl"]
