"""Shared fixtures. Every site a test crawls is served on 127.0.0.1 by the project itself."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest


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
