"""The crawl spec: what one crawl is, written once to ``RUN/.spec.json`` when it starts.

The crawler process (:mod:`seo_crawler.process`) reads it from the run folder, and
``--resume`` continues the crawl from the same file, so a resumed crawl is the crawl
that was started, whatever the flags or settings files say today. No heavy imports:
the parent process reads it while the crawler runs.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from searchops.errors import SearchopsError
from seo_crawler import layout
from seo_crawler.config import CrawlConfig, RenderConfig

RenderMode = Literal["never", "auto", "always"]
RENDER_MODES: tuple[str, ...] = ("never", "auto", "always")


class CrawlSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start_urls: list[str]
    sitemaps: list[str] = []
    max_pages: int = Field(gt=0)
    max_depth: int = Field(ge=0)
    render: RenderMode  # as asked (--render / [render] mode)
    # Why JavaScript rendering is off although ``render`` asks for it (``auto`` without
    # Chromium); pages whose raw HTML looks JavaScript-built are then recorded as needs_render.
    render_off: str | None = None
    # --render-sample: pages of each template rendered on purpose, to compare raw and rendered
    # HTML; templates as the vitals sampler classifies URLs ([vitals.templates], in order).
    render_sample: int = Field(default=0, ge=0)
    sample_templates: dict[str, str] = {}
    crawl: CrawlConfig
    render_config: RenderConfig
    week: date | None = None  # Monday of the week the crawl describes (workspace history)
    label: str | None = None

    @property
    def renders(self) -> bool:
        """Pages may be rendered in Chromium during this crawl."""
        return (self.render != "never" or self.render_sample > 0) and self.render_off is None

    def spider_args(self, run: Path, *, resume: bool) -> dict[str, Any]:
        """The spider's ``SEARCHOPS_SPEC`` setting (JSON values: Scrapy settings are copied)."""
        return {
            **self.model_dump(mode="json"),
            "run": str(run),
            "resume": resume,
            "renders": self.renders,
        }

    def write(self, run: Path) -> None:
        """Written atomically: a crash never leaves half a spec to resume from."""
        fd, tmp = tempfile.mkstemp(dir=run, prefix=".spec.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(self.model_dump_json(indent=2))
        os.replace(tmp, run / layout.SPEC)

    @classmethod
    def read(cls, run: Path) -> CrawlSpec:
        path = run / layout.SPEC
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SearchopsError(f"{run}: no crawl spec ({layout.SPEC}) in this folder") from None
        except (OSError, ValidationError) as exc:
            first = str(exc).splitlines()[0]
            raise SearchopsError(f"{path}: unreadable crawl spec: {first}") from None
