"""Settings precedence and validation errors (defaults < project file < CLI flags)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from searchops.errors import ConfigError
from searchops.settings import default_config_path, load_settings


def test_defaults_load_from_shipped_file(tmp_path: Path) -> None:
    loaded = load_settings(project_dir=tmp_path)
    assert loaded.user_file is None
    assert default_config_path().name == "default.toml"
    # The shipped default is what the model returns when nothing overrides it.
    assert loaded.settings.bidding.max_change == pytest.approx(0.20)


def test_searchops_toml_overrides_defaults_and_flags_override_both(tmp_path: Path) -> None:
    (tmp_path / "searchops.toml").write_text("[crawl]\nmax_pages = 123\nmax_depth = 4\n")
    loaded = load_settings(project_dir=tmp_path, overrides={"crawl": {"max_depth": 2}})
    assert loaded.user_file == tmp_path / "searchops.toml"
    assert loaded.settings.crawl.max_pages == 123
    assert loaded.settings.crawl.max_depth == 2


def test_pyproject_tool_section_is_used_when_no_searchops_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "shop"\n\n[tool.searchops.crawl]\nmax_pages = 77\n'
    )
    assert load_settings(project_dir=tmp_path).settings.crawl.max_pages == 77


def test_searchops_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.searchops.crawl]\nmax_pages = 77\n")
    (tmp_path / "searchops.toml").write_text("[crawl]\nmax_pages = 88\n")
    assert load_settings(project_dir=tmp_path).settings.crawl.max_pages == 88


def test_invalid_value_names_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "searchops.toml").write_text('[crawl]\nmax_pages = "lots"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(project_dir=tmp_path)
    message = str(info.value)
    assert str(tmp_path / "searchops.toml") in message
    assert "crawl.max_pages" in message


def test_unknown_key_is_rejected_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "searchops.toml").write_text("[crawl]\nmax_pagez = 5\n")
    with pytest.raises(ConfigError, match=r"crawl\.max_pagez"):
        load_settings(project_dir=tmp_path)


def test_bad_override_is_attributed_to_the_command_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"command line: crawl\.max_depth"):
        load_settings(project_dir=tmp_path, overrides={"crawl": {"max_depth": "deep"}})


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "searchops.toml").write_text("[crawl\nmax_pages = 1\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(project_dir=tmp_path)


def test_cli_exits_2_with_one_line_naming_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "searchops.toml").write_text('[crawl]\nmax_pages = "lots"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "searchops", "rules"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "searchops.toml" in lines[0] and "crawl.max_pages" in lines[0]
    assert "Traceback" not in proc.stderr
