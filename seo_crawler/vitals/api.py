"""The Python API: measure URLs or a crawl's templates, write ``vitals.parquet`` and
the workspace tables ``vitals_pages`` / ``vitals_templates``."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Coroutine, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from searchops.errors import SearchopsError
from searchops.run_folder import library_versions, parquet_path
from searchops.settings import Settings, load_settings
from searchops.workspace import Workspace
from seo_crawler.browser import BrowserPolicy
from seo_crawler.urls import Scope
from seo_crawler.vitals import measure, sampling, summary
from seo_crawler.vitals.schema import VITALS, VITALS_FILE, VITALS_MANIFEST, VITALS_SCHEMA_VERSION

WorkspaceArg = Workspace | str | os.PathLike[str] | None
T = TypeVar("T")


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else load_settings().settings


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run to completion, also from code that already runs an event loop (a Jupyter
    notebook), where ``asyncio.run`` is refused: there, on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def measure_urls(
    urls: Iterable[str],
    *,
    runs: int | None = None,
    profile: str | None = None,
    concurrency: int | None = None,
    interact: str | None = None,
    templates: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
) -> pd.DataFrame:
    """Measure each URL ``runs`` times; one row per measurement (columns: ``schema.VITALS``).

    ``templates`` maps URL -> template name; by default URLs are classified with the
    ``[vitals.templates]`` regexes. ``None`` arguments take their ``[vitals]`` setting.
    Failed loads are retried ``retries`` times and kept as rows with ``error`` set.
    """
    cfg = _settings(settings)
    vitals = cfg.vitals
    profile = profile or vitals.profile
    if profile not in vitals.profiles:
        raise SearchopsError(
            f"unknown profile {profile!r}; configured: {', '.join(vitals.profiles)}"
        )
    runs = runs or vitals.runs
    url_list = list(dict.fromkeys(urls))
    template_of = dict(templates or {})
    jobs = [
        measure.Job(url, template_of.get(url) or sampling.classify(url, vitals.templates), i)
        for i in range(runs)  # round-robin: repetitions of a URL are spread over the batch
        for url in url_list
    ]
    rows = _run(
        measure.measure_jobs(
            jobs,
            profile=vitals.profiles[profile],
            settings=vitals,
            chromium_path=cfg.render.chromium_path,
            concurrency=concurrency or vitals.concurrency,
            interact=interact,
            on_done=on_done,
            # The pages' scripts reach only what a crawl of these URLs could.
            policy=BrowserPolicy(Scope.build(cfg.crawl, url_list)),
            render=cfg.render,
        )
    )
    for row in rows:
        row["profile"] = profile
    table = pa.Table.from_pylist(rows, schema=VITALS)
    return table.to_pandas().sort_values(["template", "url", "run_index"], ignore_index=True)


def sample_run(run: Path, per_template: int, settings: Settings | None = None) -> pd.DataFrame:
    """The pages of a crawl run folder to measure: ``url, template``."""
    pages_file = parquet_path(Path(run), "pages")
    if not pages_file.exists():
        raise SearchopsError(f"{run}: no pages.parquet (is it a crawl run folder?)")
    pages = pd.read_parquet(pages_file, columns=None)
    missing = {"url", "status", "content_type"} - set(pages.columns)
    if missing:
        raise SearchopsError(f"{pages_file}: missing columns {', '.join(sorted(missing))}")
    urls = sampling.measurable_pages(pages)["url"]
    return sampling.sample(urls, _settings(settings).vitals.templates, per_template)


def write_results(
    measurements: pd.DataFrame,
    out: Path,
    *,
    settings: Settings,
    profile: str,
    started_at: datetime,
    workspace: WorkspaceArg = None,
    register_kind: str | None = None,
) -> Path:
    """Write ``out/vitals.parquet`` (+ ``vitals.json``) and, with a workspace, the
    summary tables keyed by the folder name (the run id). ``register_kind`` also
    registers ``out`` as a run of that kind (for folders that are not crawl runs)."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / VITALS_FILE
    tmp = out / f".{VITALS_FILE}.tmp"
    pq.write_table(pa.Table.from_pandas(measurements, schema=VITALS, preserve_index=False), tmp)
    os.replace(tmp, target)
    finished_at = datetime.now(UTC)
    stats = {
        "measurements": len(measurements),
        "failed": int(measurements["error"].notna().sum()),
        "urls": int(measurements["url"].nunique()),
    }
    manifest = {
        "schema_version": VITALS_SCHEMA_VERSION,
        "profile": profile,
        "profile_settings": settings.vitals.profiles[profile].model_dump(),
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "versions": library_versions(),
        "stats": stats,
    }
    (out / VITALS_MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), "utf-8")
    if workspace is not None:
        own = not isinstance(workspace, Workspace)
        ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
        try:
            run_id = ws.run_id_for(out.name, out)  # a/run and b/run are two runs
            write_workspace_tables(ws, run_id, measurements, settings)
            if register_kind:
                ws.register_run(
                    run_id,
                    register_kind,
                    path=out,
                    started_at=started_at.replace(tzinfo=None),
                    finished_at=finished_at.replace(tzinfo=None),
                    stats=stats,
                )
        finally:
            if own:
                ws.close()
    return target


def write_workspace_tables(
    ws: Workspace, run_id: str, measurements: pd.DataFrame, settings: Settings
) -> None:
    """Replace this run's rows of ``vitals_pages`` and ``vitals_templates``."""
    thresholds = settings.vitals.thresholds
    pages = summary.summarize(measurements, thresholds, by=("template", "url"))
    templates = summary.summarize(measurements, thresholds, by=("template",))
    # The emulation profile, so the weekly report can say how the pages were measured.
    used = sorted(str(p) for p in measurements.get("profile", pd.Series()).dropna().unique())
    profile = ", ".join(used) or None
    with ws.transaction():
        for table in ("vitals_pages", "vitals_templates"):
            if ws.has_table(table):  # workspaces from before the column existed
                ws.con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS profile VARCHAR")
        pages = pages.assign(run_id=run_id, profile=profile)
        templates = templates.assign(run_id=run_id, profile=profile)
        ws.replace_rows("vitals_pages", pages, "run_id", run_id)
        ws.replace_rows("vitals_templates", templates, "run_id", run_id)


def measure_run(
    run: str | os.PathLike[str],
    *,
    per_template: int | None = None,
    runs: int | None = None,
    profile: str | None = None,
    concurrency: int | None = None,
    workspace: WorkspaceArg = None,
    interact: str | None = None,
    settings: Settings | None = None,
    out: str | os.PathLike[str] | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """Sample ``per_template`` pages per template of a crawl run, measure each ``runs``
    times, write ``RUN/vitals.parquet`` (or ``out/vitals.parquet``) and, with a
    workspace, ``vitals_pages`` / ``vitals_templates`` under the run's id. Returns
    the Parquet path."""
    cfg = _settings(settings)
    run_dir = Path(run)
    chosen = sample_run(run_dir, per_template or cfg.vitals.per_template, cfg)
    if chosen.empty:
        raise SearchopsError(f"{run_dir}: no HTML page answered 200; nothing to measure")
    profile = profile or cfg.vitals.profile
    started = datetime.now(UTC)
    measurements = measure_urls(
        chosen["url"],
        runs=runs,
        profile=profile,
        concurrency=concurrency,
        interact=interact,
        templates=dict(zip(chosen["url"], chosen["template"], strict=True)),
        settings=cfg,
        on_done=on_done,
    )
    return write_results(
        measurements,
        Path(out) if out is not None else run_dir,
        settings=cfg,
        profile=profile,
        started_at=started,
        workspace=workspace,
        register_kind="vitals" if out is not None else None,
    )


def load_vitals(run: str | os.PathLike[str]) -> pd.DataFrame:
    """``RUN/vitals.parquet`` as a DataFrame (one row per measurement)."""
    path = Path(run) / VITALS_FILE
    if not path.is_file():
        raise SearchopsError(f"{run}: no {VITALS_FILE} (run `searchops vitals --from {run}`)")
    return pd.read_parquet(path)
