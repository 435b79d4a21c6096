"""Settings: defaults, then the user's project file, then CLI flags; validated by pydantic.

Order of precedence (later wins):

1. ``config/default.toml`` shipped with the package (every threshold, with its source);
2. the project's ``searchops.toml`` or, failing that, ``[tool.searchops]`` in its
   ``pyproject.toml`` (or the file given with ``--config``);
3. flags given on the command line (passed in as ``overrides``).

Each stage owns the model of its own section (``seo_crawler.config``,
``audits.config``, ...); this module only composes them, so adding a setting
touches the stage's model and ``default.toml``, nothing here.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from audits.config import AuditConfig
from bidding.config import BiddingConfig, CoverageConfig
from merchant.config import MerchantConfig
from reports.config import ReportConfig
from searchops.errors import ConfigError
from searchops.workspace_config import WorkspaceConfig
from sem.config import SemConfig
from seo_crawler.config import AiAccessConfig, CrawlConfig, RenderConfig, VitalsConfig


class Settings(BaseModel):
    """Every section of the configuration; unknown sections or keys are errors."""

    model_config = ConfigDict(extra="forbid")

    crawl: CrawlConfig
    render: RenderConfig
    vitals: VitalsConfig
    audit: AuditConfig
    sem: SemConfig
    bidding: BiddingConfig
    coverage: CoverageConfig
    report: ReportConfig
    workspace: WorkspaceConfig
    ai_access: AiAccessConfig
    merchant: MerchantConfig


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    user_file: Path | None  # the project file that was merged, if any

    def as_dict(self) -> dict[str, Any]:
        return self.settings.model_dump(mode="json")


def default_config_path() -> Path:
    """The shipped ``default.toml``: package data in a wheel, ``config/`` in a checkout."""
    packaged = resources.files("searchops").joinpath("config", "default.toml")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "config" / "default.toml"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def find_user_config(project_dir: Path) -> tuple[Path | None, dict[str, Any]]:
    """``searchops.toml`` wins over ``[tool.searchops]`` in ``pyproject.toml``."""
    own = project_dir / "searchops.toml"
    if own.is_file():
        return own, _read_toml(own)
    pyproject = project_dir / "pyproject.toml"
    if pyproject.is_file():
        section = _read_toml(pyproject).get("tool", {}).get("searchops")
        if section is not None:
            if not isinstance(section, dict):
                raise ConfigError(f"{pyproject}: [tool.searchops] must be a table")
            return pyproject, section
    return None, {}


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _has_path(data: dict[str, Any], path: tuple[Any, ...]) -> bool:
    node: Any = data
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def load_settings(
    project_dir: Path | None = None,
    config_file: Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> LoadedSettings:
    """Load, merge and validate. Raises :class:`ConfigError` naming file, key and problem."""
    defaults_path = default_config_path()
    defaults = _read_toml(defaults_path)
    if config_file is not None:
        user_file: Path | None = config_file
        user = _read_toml(config_file)
        if config_file.name == "pyproject.toml":
            user = user.get("tool", {}).get("searchops", {})
    else:
        user_file, user = find_user_config(project_dir or Path.cwd())
    merged = deep_merge(deep_merge(defaults, user), overrides or {})
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc)
        if overrides and _has_path(overrides, loc):
            source = "command line"
        elif user_file is not None and (_has_path(user, loc) or not _has_path(defaults, loc)):
            source = str(user_file)
        else:
            source = str(defaults_path)
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise ConfigError(f"{source}: {key}: {err['msg']}{more}") from None
    return LoadedSettings(settings=settings, user_file=user_file)


def resolve_settings(settings: Settings | LoadedSettings | None) -> Settings:
    """What a Python API call should use: the settings given, or the project's as the CLI
    loads them (default.toml, then searchops.toml or [tool.searchops])."""
    if settings is None:
        return load_settings().settings
    if isinstance(settings, LoadedSettings):
        return settings.settings
    return settings
