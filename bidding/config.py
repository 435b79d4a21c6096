"""Settings models of the ``[bidding]`` and ``[coverage]`` sections of default.toml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class BiddingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_change: float


class CoverageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    top_n: int
