"""``[merchant]`` settings (config/default.toml)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MerchantConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spend_window_days: int = Field(ge=1, le=365)
    join_memory_limit: str = Field(pattern=r"^\d+(\.\d+)?\s*[KMGT]i?B$")
