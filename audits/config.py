"""Settings model of the ``[audit]`` section of default.toml (and its sub-tables)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class AuditConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fail_on: Literal["error", "warning", "never"]
    # DuckDB resources of one audit (the benchmark target: 2 cores, < 2 GB).
    threads: int = Field(ge=1)
    memory_limit: str
    # Example URLs shown per rule by the table and Markdown outputs.
    max_examples: int = Field(ge=1)
    skip_rules: list[str] = []
    # A progress line on stderr at most this often (seconds) when not on a terminal; 0: none.
    progress_every_s: float = Field(default=30.0, ge=0)
    # Health score (audits/scoring.py): share of its family's score a rule of each
    # severity takes when it flags every page, the curve over the share of pages it
    # flags, and the weight of each family in the overall score.
    severity_weights: dict[Literal["error", "warning", "notice"], float]
    affected_share_exponent: float = Field(gt=0, le=1)
    family_weights: dict[str, float]
    # rule ID, glob, slug or family ("*" = all) -> URL globs whose findings are dropped
    suppress: dict[str, list[str]] = {}
    # rule ID -> its options (thresholds, with sources) and optional enabled / severity
    rules: dict[str, dict[str, Any]] = {}
