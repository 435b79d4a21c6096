"""Settings models of the ``[crawl]``, ``[render]`` and ``[vitals]`` sections of default.toml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CrawlConfig(_Section):
    user_agent: str
    obey_robots: bool
    max_pages: int
    max_depth: int
    concurrency: int
    concurrency_per_host: int


class RenderConfig(_Section):
    mode: str
    chromium_path: str


class VitalsConfig(_Section):
    profile: str
