"""``crawl()``: the parent of one crawl. It writes the crawl spec to the run folder, runs the
crawler child (:mod:`seo_crawler.process`), shows its progress, finalizes the run folder
and judges whether the site could be crawled at all.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from searchops import console
from searchops.errors import SearchopsError
from searchops.run_folder import (
    MANIFEST,
    new_run_dir,
    parquet_path,
    read_manifest,
    write_manifest,
)
from searchops.settings import Settings, load_settings
from seo_crawler import layout
from seo_crawler.process import level_name
from seo_crawler.spec import RENDER_MODES, CrawlSpec, RenderMode

# pandas and the workspace (DuckDB) are imported where used: `searchops crawl` stays this
# lean parent while the crawler child runs, and its RSS counts in the crawl's memory budget.
if TYPE_CHECKING:
    import pandas as pd

    from searchops.workspace import Workspace

log = logging.getLogger(__name__)


def new_spec(
    start_urls: list[str],
    sitemaps: list[str],
    *,
    settings: Settings,
    max_pages: int | None = None,
    max_depth: int | None = None,
    render: str | None = None,
    render_sample: int = 0,
    week: date | None = None,
    label: str | None = None,
) -> CrawlSpec:
    """The spec of a new crawl, or a :class:`SearchopsError` naming what is wrong with it."""
    if not start_urls and not sitemaps:
        raise SearchopsError("nothing to crawl: give at least one start URL or --sitemap")
    for url in [*start_urls, *sitemaps]:
        if not url.startswith(("http://", "https://")):
            raise SearchopsError(f"not an http(s) URL: {console.safe_text(url)}")
    mode = render or "never"
    if mode not in RENDER_MODES:
        raise SearchopsError(f"render must be one of {', '.join(RENDER_MODES)}, not {mode!r}")
    chromium = settings.render.chromium_path
    render_off = None
    if render_sample < 0:
        raise SearchopsError(f"render_sample must be 0 or more, not {render_sample}")
    if (mode != "never" or render_sample) and not Path(chromium).is_file():
        if mode == "always" or render_sample:
            flag = "--render-sample" if render_sample else "--render always"
            raise SearchopsError(
                f"{flag} needs Chromium at {chromium} "
                "(apt-get install chromium, or set [render] chromium_path)"
            )
        render_off = f"Chromium not found at {chromium} ([render] chromium_path)"
    return CrawlSpec(
        start_urls=start_urls,
        sitemaps=sitemaps,
        max_pages=max_pages if max_pages is not None else settings.crawl.max_pages,
        max_depth=max_depth if max_depth is not None else settings.crawl.max_depth,
        render=cast(RenderMode, mode),  # one of RENDER_MODES: checked above
        render_off=render_off,
        render_sample=render_sample,
        sample_templates=dict(settings.vitals.templates) if render_sample else {},
        crawl=settings.crawl,
        render_config=settings.render,
        week=week.date() if isinstance(week, datetime) else week,
        label=label,
    )


def new_folder(out: Path | None) -> Path:
    if out is None:
        return new_run_dir(label="crawl")
    if out.exists() and any(out.iterdir()):
        raise SearchopsError(f"{out}: folder exists and is not empty (use --resume to continue it)")
    out.mkdir(parents=True, exist_ok=True)
    return out


def interrupted_folder(out: Path | None) -> Path:
    """The run folder of an interrupted crawl, ready to resume."""
    if out is None:
        raise SearchopsError("--resume needs --out RUN: the run folder to continue")
    if not (out / layout.FRONTIER).exists():
        if (out / MANIFEST).exists() and read_manifest(out).get("complete"):
            raise SearchopsError(f"{out}: this crawl is complete; nothing to resume")
        raise SearchopsError(f"{out}: no interrupted crawl to resume here")
    return out


def check_resumable(spec: CrawlSpec, run: Path, **requested: Any) -> None:
    """A resumed crawl is the crawl that was started: what the caller asks for
    (``None`` or empty = not asked) must be what its spec says."""
    recorded = spec.model_dump(mode="json")
    for name, value in requested.items():
        if value is None or value == [] or value == ():
            continue
        asked: Any
        mine: Any
        if isinstance(value, Settings):
            asked = [value.crawl.model_dump(mode="json"), value.render.model_dump(mode="json")]
            mine = [recorded["crawl"], recorded["render_config"]]
        elif isinstance(value, list | tuple):
            asked, mine = sorted(value), sorted(recorded[name])
        else:
            asked = value.isoformat() if isinstance(value, date) else value
            mine = recorded[name]
        if asked != mine:
            option = _RESUME_OPTIONS.get(name, f"--{name.replace('_', '-')}")
            raise SearchopsError(
                f"{run} was started with other {name.replace('_', ' ')}; --resume continues "
                f"the crawl as it was started ({layout.SPEC}): drop {option} or give the same"
            )


# How each spec field is given on the command line (for check_resumable's message).
_RESUME_OPTIONS = {
    "start_urls": "the start URLs",
    "sitemaps": "--sitemap",
    "settings": "the crawl options (--include, --concurrency, ...) and --config",
}


def crawl(
    start_urls: list[str] | tuple[str, ...] | str = (),
    *,
    sitemaps: list[str] | tuple[str, ...] = (),
    out: str | os.PathLike[str] | None = None,
    max_pages: int | None = None,
    max_depth: int | None = None,
    render: str | None = None,
    render_sample: int | None = None,
    resume: bool = False,
    settings: Settings | None = None,
    workspace: Workspace | str | os.PathLike[str] | None = None,
    week: date | datetime | None = None,
    label: str | None = None,
    show_progress: bool | None = None,
    frontier: str | None = None,
    join: str | None = None,
) -> Path:
    """Crawl ``start_urls`` (and ``sitemaps``) into a run folder and return its path.

    Runs Scrapy in a child process (Twisted's reactor cannot restart in one process),
    so it can be called any number of times. ``render`` is never (the default), auto or
    always; auto without Chromium crawls anyway, warns once and records the pages that
    look JavaScript-built (``needs_render``). ``render_sample=N`` also renders N pages of
    each template (``[vitals.templates]``) to compare their raw and rendered HTML; every
    rendered page is fetched raw first and keeps its raw facts (``raw_*``). ``resume=True`` continues the interrupted
    crawl in ``out`` from its spec; other arguments may be omitted (given, they must
    match it). Registers the run (kind="crawl") when a ``workspace`` is given.

    Raises :class:`SearchopsError` on bad input, a failed crawler process, or when no
    start URL could be fetched (DNS, connection, timeout, 5xx): the run folder then
    still holds what was collected, and is not registered.

    ``frontier="redis://HOST:PORT/DB"`` makes the crawl shared: its frontier and seen-set live
    in Redis, this process is its first worker, and ``join=CRAWL_ID`` (with the same
    ``frontier``) adds a worker from any machine that sees the run folder
    (:mod:`seo_crawler.shared`). One worker finalizes the run folder once the crawl is done;
    the others return the run folder unfinalized (its manifest comes with the last).
    """
    urls = [start_urls] if isinstance(start_urls, str) else list(start_urls)
    sitemap_list = list(sitemaps)
    out_path = Path(out) if out is not None else None
    if join is not None or frontier is not None:
        from seo_crawler import shared

        if resume:
            raise SearchopsError(
                "--resume is for a single-process crawl: a shared crawl resumes by "
                "--join CRAWL_ID (its frontier is in Redis)"
            )
        if frontier is None:
            raise SearchopsError("--join needs --frontier redis://HOST:PORT/DB")
        if join is not None:
            return shared.join(
                join, frontier, out_path, show_progress=show_progress, workspace=workspace
            )
        spec = new_spec(
            urls, sitemap_list, settings=settings or load_settings().settings,
            max_pages=max_pages, max_depth=max_depth, render=render,
            render_sample=render_sample or 0,
            week=week.date() if isinstance(week, datetime) else week, label=label,
        )  # fmt: skip
        return shared.start(
            spec, frontier, new_folder(out_path), show_progress=show_progress, workspace=workspace
        )
    if resume:
        run = interrupted_folder(out_path)
        spec = CrawlSpec.read(run)
        check_resumable(
            spec, run, start_urls=urls, sitemaps=sitemap_list, max_pages=max_pages,
            max_depth=max_depth, render=render, settings=settings, label=label,
            render_sample=render_sample or None,
            week=week.date() if isinstance(week, datetime) else week,
        )  # fmt: skip
    else:
        spec = new_spec(
            urls, sitemap_list, settings=settings or load_settings().settings,
            max_pages=max_pages, max_depth=max_depth, render=render,
            render_sample=render_sample or 0,
            week=week.date() if isinstance(week, datetime) else week, label=label,
        )  # fmt: skip
        run = new_folder(out_path)
        spec.write(run)
    if spec.render_off:
        log.warning(
            "JavaScript rendering is off: %s; pages that look like they need it are "
            "recorded (pages.needs_render, rule SEO-CONTENT-007)",
            spec.render_off,
        )
    started = datetime.now(UTC)
    (run / layout.PROGRESS).unlink(missing_ok=True)
    show = show_progress if show_progress is not None else console.interactive()
    progress = _run_child(run, resume=resume, show=show, every_s=spec.crawl.progress_every_s)
    return finish(run, spec, progress, started, resume=resume, show=show, workspace=workspace)


def finish(
    run: Path,
    spec: CrawlSpec,
    progress: dict[str, Any],
    started: datetime,
    *,
    resume: bool,
    show: bool,
    workspace: Workspace | str | os.PathLike[str] | None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Finalize the run folder of a finished crawl: Parquet tables, crawl.json, registration."""
    from seo_crawler import store  # pyarrow and DuckDB: only once the crawler process is done

    stats = store.finalize(run)
    failure = unreachable_start(run, spec)
    if not failure:
        from seo_crawler import image_sample

        sampled = image_sample.sample(run, spec.crawl, spec.start_urls + spec.sitemaps)
        if sampled:
            stats["images_sampled"] = sampled
    finished = datetime.now(UTC)
    stats["pages_per_second"] = _rate(progress)
    previous = read_manifest(run) if resume and (run / MANIFEST).exists() else {}
    manifest = {
        "kind": "crawl",
        "complete": True,
        "failed": failure,
        "start_urls": spec.start_urls,
        "sitemaps": spec.sitemaps,
        "max_pages": spec.max_pages,
        "max_depth": spec.max_depth,
        "render": spec.render,
        "render_off": spec.render_off,
        "resumed": resume,
        "settings": {
            "crawl": spec.crawl.model_dump(mode="json"),
            "render": spec.render_config.model_dump(mode="json"),
        },
        "stats": stats,
        "timings": {
            "started_at": previous.get("timings", {}).get("started_at", started.isoformat()),
            "finished_at": finished.isoformat(),
            "crawl_seconds": round(progress.get("elapsed", 0.0), 3),
            "total_seconds": round((finished - started).total_seconds(), 3),
        },
        "week": spec.week.isoformat() if spec.week else None,
        "label": spec.label,
        **(extra or {}),
    }
    write_manifest(run, manifest)
    store.clean_working_files(run)
    if failure:
        raise SearchopsError(
            f"crawl failed: {failure}; what was collected is in {run} (not registered)"
        )
    if workspace is not None:
        _register(run, workspace, started, finished, spec.week, spec.label, stats)
    if show:
        print_summary(stats)
    return run


def register_written(run: Path, workspace: Workspace | str | os.PathLike[str]) -> None:
    """Register a finalized run folder from its manifest (a shared crawl whose finalizer
    was killed between writing the folder and registering it)."""
    manifest = read_manifest(run)
    timings = manifest.get("timings", {})
    week = manifest.get("week")
    _register(
        run,
        workspace,
        datetime.fromisoformat(timings["started_at"]),
        datetime.fromisoformat(timings["finished_at"]),
        date.fromisoformat(week) if week else None,
        manifest.get("label"),
        manifest.get("stats", {}),
    )


def unreachable_start(run: Path, spec: CrawlSpec) -> str | None:
    """Why the site could not be crawled at all, or None: every start URL failed to fetch
    (DNS, connection, timeout, TLS) or answered 5xx; for a sitemap-only crawl, every
    sitemap did and no page was fetched."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from seo_crawler.memory import row_groups

    # A row group at a time: the columns of a million pages would cost ~200 MB of the
    # crawl's budget (and iter_batches keeps what it read: see seo_crawler.memory)
    columns = ["url", "discovered_from", "fetch_state", "status", "error"]
    starts: list[dict[str, Any]] = []
    fetched = 0
    for batch in row_groups(parquet_path(run, "pages"), columns):
        starts += batch.filter(pc.equal(batch.column(1), "start")).to_pylist()
        fetched += pc.sum(pc.equal(batch.column(2), "fetched")).as_py() or 0
    if spec.start_urls:
        failed = [row for row in starts if _fetch_failed(row)]
        if not starts or len(failed) < len(starts):
            return None
        first = failed[0]
        more = f" (and {len(failed) - 1} more start URLs)" if len(failed) > 1 else ""
        return f"{console.safe_text(first['url'])}: {_failure_text(first)}{more}"
    sitemaps = pq.read_table(parquet_path(run, "sitemaps"), columns=["sitemap", "status", "error"])
    roots = [row for row in sitemaps.to_pylist() if row["sitemap"] in spec.sitemaps]
    if fetched or not roots:
        return None
    if all(_fetch_failed(row) for row in roots):
        return f"{console.safe_text(roots[0]['sitemap'])}: {_failure_text(roots[0])}"
    return None


def _fetch_failed(row: dict[str, Any]) -> bool:
    """A pages or sitemaps row of a URL that gave no usable answer."""
    if row.get("status") is not None:
        return bool(row["status"] >= 500)
    return bool(row.get("error")) and row.get("fetch_state", "error") in ("error", "blocked_unsafe")


def _failure_text(row: dict[str, Any]) -> str:
    if row.get("status") is not None and row["status"] >= 500:
        return f"HTTP {row['status']}"
    return console.safe_text(row.get("error") or "not fetched", 200)


def _register(
    run: Path,
    workspace: Workspace | str | os.PathLike[str],
    started: datetime,
    finished: datetime,
    week: date | datetime | None,
    label: str | None,
    stats: dict[str, Any],
) -> None:
    from searchops.workspace import register_run_when_free

    week_dt = (
        datetime.combine(week, datetime.min.time())
        if isinstance(week, date) and not isinstance(week, datetime)
        else week
    )
    # A workspace busy past the lock wait queues the registration (one warning) instead of
    # failing an hour-long crawl whose run folder is complete.
    register_run_when_free(
        workspace,
        run.name,
        "crawl",
        path=run,
        started_at=started.replace(tzinfo=None),
        finished_at=finished.replace(tzinfo=None),
        week=week_dt,
        label=label,
        stats=stats,
    )


def _read_progress(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return {}


def _run_child(
    run: Path,
    *,
    resume: bool,
    show: bool,
    shared: dict[str, Any] | None = None,
    every_s: float = 0.0,
) -> dict[str, Any]:
    """Start ``python -m seo_crawler.process``, follow its progress file, fail loudly if it
    fails. ``shared``: a worker of a shared crawl ({frontier, crawl_id, worker, join})."""
    worker = shared["worker"] if shared else ""
    progress_file = run / layout.worker_file(layout.PROGRESS, worker)
    pid_file = run / layout.worker_file(layout.PID, worker)
    log = (run / layout.LOG).open("ab")
    # The child logs at our level: --debug / -v reach crawl.log (with tracebacks on --debug).
    level = level_name(logging.getLogger().getEffectiveLevel())
    command = [sys.executable, "-m", "seo_crawler.process", str(run), "--log-level", level]
    if shared:
        command += ["--frontier", shared["frontier"], "--crawl-id", shared["crawl_id"]]
        command += ["--worker", worker] + (["--join"] if shared.get("join") else [])
    # The crawler runs in its own session: whatever stops this process (Ctrl-C, SIGTERM from
    # `timeout` or a cancelled CI job, to this process or its whole group) reaches the
    # crawler exactly once, from here (a second signal would make Scrapy stop uncleanly).
    # It ends with this process, kill -9 included (seo_crawler.process watches its parent).
    child = subprocess.Popen(
        command + (["--resume"] if resume else []),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    pid_file.write_text(str(child.pid))
    progress: dict[str, Any] = {}
    display = console.progress() if show else None
    piped = console.PipedProgress("crawl", every_s if display is None else 0.0)
    previous_term = _sigterm_as_interrupt()
    try:
        if display is not None:
            display.start()
            task = display.add_task("crawl", total=None, status="starting")
        while child.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=0.25)  # returns as soon as the crawler exits
            progress = _read_progress(progress_file) or progress
            if progress:
                piped.tick(_progress_text(progress))
            if display is not None and progress:
                display.update(
                    task,
                    completed=progress.get("pages", 0),
                    status=f"{_rate(progress):.0f} pages/s  queued {progress.get('queued', 0)}  errors {progress.get('errors', 0)}",
                )
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM: Scrapy closes gracefully on one SIGINT (the crawler, its
        # extraction workers and Chromium stop; committed rows stay, ready for --resume).
        # Interrupted again while it does: stop it now (resume re-fetches the unflushed rows).
        try:
            child.send_signal(signal.SIGINT)
            child.wait()
        except KeyboardInterrupt:
            child.kill()
            child.wait()
        if shared:
            raise SearchopsError(
                "interrupted; this worker's URLs go back to the shared queue when their "
                f"leases expire; add a worker with: {join_command(shared)}"
            ) from None
        raise SearchopsError(
            f"interrupted; continue with: searchops crawl --out {run} --resume"
        ) from None
    finally:
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)
        if display is not None:
            display.stop()
        log.close()
        pid_file.unlink(missing_ok=True)
    progress = _read_progress(progress_file) or progress
    if child.returncode != 0 or not progress.get("finished"):
        how = (
            f"was killed by signal {-child.returncode}"
            if child.returncode < 0
            else f"exited with {child.returncode}"
        )
        tail = _last_error_line(run / layout.LOG)
        raise SearchopsError(
            f"crawler process {how}{': ' + tail if tail else ''} (log: {run / layout.LOG}; continue with --resume)"
        )
    return progress


def join_command(shared: dict[str, Any]) -> str:
    """The command that adds a worker to a shared crawl."""
    import shlex

    return (
        f"searchops crawl --join {shared['crawl_id']} --frontier {shlex.quote(shared['frontier'])}"
    )


def _progress_text(progress: dict[str, Any]) -> str:
    return (
        f"{progress.get('pages', 0):,} pages ({_rate(progress)} pages/s), queued "
        f"{progress.get('queued', 0):,}, errors {progress.get('errors', 0):,}"
    )


def _rate(progress: dict[str, Any]) -> float:
    """Pages per second of this session: pages recorded before a resume were not fetched
    in its time."""
    fetched = progress.get("pages", 0) - progress.get("pages_before", 0)
    elapsed = progress.get("elapsed", 0.0) or 0.0
    return round(fetched / elapsed, 1) if elapsed > 0 else 0.0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _sigterm_as_interrupt() -> Any:
    """Handle SIGTERM as Ctrl-C (returns the previous handler; None off the main thread,
    where Python cannot install one)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt)


def _last_error_line(log: Path) -> str:
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    for line in reversed(lines):  # the child's own last word (seo_crawler.process) first
        if line.startswith("crawler: "):
            return console.safe_text(line.removeprefix("crawler: ").strip(), 300)
    for line in reversed(lines):
        if "Error" in line or "error" in line:
            return console.safe_text(line.strip(), 200)
    return ""


def print_summary(stats: dict[str, Any]) -> None:
    """One line on stderr: pages, speed, errors, rendered, traps and pages per status."""
    by_status = ", ".join(f"{k}: {v}" for k, v in stats["pages_by_status"].items())
    console.stderr.print(
        f"[bold]crawl done[/]: {stats['pages']} pages ({stats['pages_per_second']} pages/s), "
        f"{stats['errors']} errors, {stats['rendered']} rendered, {stats['traps']} traps; status {console.safe_text(by_status)}"
    )
    if stats.get("browser_blocked"):
        console.stderr.print(
            f"the rendering browser was kept from {stats['browser_blocked']} request(s) outside "
            "the crawl's scope (pages.browser_blocked; audit rule SEO-LINKS-030)"
        )


def load_pages(run: str | os.PathLike[str]) -> pd.DataFrame:
    """``pages.parquet`` of a run folder as a DataFrame (one row per URL)."""
    import pandas as pd

    return pd.read_parquet(parquet_path(Path(run), "pages"), dtype_backend="numpy_nullable")


def load_links(run: str | os.PathLike[str]) -> pd.DataFrame:
    """``links.parquet`` of a run folder as a DataFrame (one row per reference)."""
    import pandas as pd

    return pd.read_parquet(parquet_path(Path(run), "links"), dtype_backend="numpy_nullable")
