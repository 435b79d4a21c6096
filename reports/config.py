"""Settings model of the ``[report]`` section of default.toml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ReportConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weeks: int
