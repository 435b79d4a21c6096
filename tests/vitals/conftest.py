"""Vitals test settings: the shipped defaults, never a project file of the machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchops.settings import Settings, load_settings


@pytest.fixture(scope="session")
def vitals_settings() -> Settings:
    return load_settings(project_dir=Path("/nonexistent")).settings
