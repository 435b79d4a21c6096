"""Settings model of the ``[report]`` section of default.toml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReportConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weeks: int = Field(ge=2, le=104)
    top_rules: int = Field(ge=1)
    example_urls: int = Field(ge=0)
    top_items: int = Field(ge=1)
    text_limit: int = Field(ge=20)
    notable_score_change: float = Field(ge=0)
    notable_pass_rate_change: float = Field(ge=0, le=1)
    notable_roas_change: float = Field(ge=0)
    notable_revenue_change: float = Field(ge=0, le=1)
    material_amount: float = Field(ge=0)
    revenue_interval_level: float = Field(gt=0, lt=1)
    order_value_cv: float = Field(ge=0)
    bid_change_tolerance: float = Field(ge=0)
    currency: str
    cwv_metrics: list[str]
