"""Settings model of the ``[workspace]`` section of default.toml.

Apart from :mod:`searchops.workspace` so that loading the settings (every command does)
does not import DuckDB and pandas.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WorkspaceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lock_wait_s: float = Field(ge=0)
    lock_poll_s: float = Field(gt=0)
