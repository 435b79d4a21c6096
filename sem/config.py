"""Settings model of the ``[sem]`` section of default.toml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SemConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    margin: float
