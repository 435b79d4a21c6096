"""Settings model of the ``[audit]`` section of default.toml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AuditConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fail_on: str
