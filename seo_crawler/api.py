"""``crawl()``: run the spider in a child process, show progress, finalize the run folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searchops import console
from searchops.errors import SearchopsError
from searchops.run_folder import MANIFEST, new_run_dir, parquet_path, read_manifest, write_manifest
from searchops.settings import Settings, load_settings
from seo_crawler import layout

# pandas and the workspace (DuckDB) are imported where used: this module is also the
# lean parent process of `searchops crawl` (see main()), whose RSS counts in the
# crawler's memory budget.
if TYPE_CHECKING:
    import pandas as pd

    from searchops.workspace import Workspace

RENDER_MODES = ("never", "auto", "always")


def validate(start_urls: list[str], sitemaps: list[str], render: str) -> None:
    if not start_urls and not sitemaps:
        raise SearchopsError("nothing to crawl: give at least one start URL or --sitemap")
    for url in [*start_urls, *sitemaps]:
        if not url.startswith(("http://", "https://")):
            raise SearchopsError(f"not an http(s) URL: {console.safe_text(url)}")
    if render not in RENDER_MODES:
        raise SearchopsError(f"render must be one of {', '.join(RENDER_MODES)}, not {render!r}")


def prepare_folder(out: Path | None, resume: bool) -> Path:
    if resume:
        if out is None:
            raise SearchopsError("--resume needs --out RUN: the run folder to continue")
        if not (out / layout.FRONTIER).exists():
            if (out / MANIFEST).exists() and read_manifest(out).get("complete"):
                raise SearchopsError(f"{out}: this crawl is complete; nothing to resume")
            raise SearchopsError(f"{out}: no interrupted crawl to resume here")
        return out
    if out is None:
        return new_run_dir(label="crawl")
    if out.exists() and any(out.iterdir()):
        raise SearchopsError(f"{out}: folder exists and is not empty (use --resume to continue it)")
    out.mkdir(parents=True, exist_ok=True)
    return out


def crawl(
    start_urls: list[str] | tuple[str, ...] | str,
    *,
    sitemaps: list[str] | tuple[str, ...] = (),
    out: str | os.PathLike[str] | None = None,
    max_pages: int | None = None,
    max_depth: int | None = None,
    render: str = "never",
    resume: bool = False,
    settings: Settings | None = None,
    workspace: Workspace | str | os.PathLike[str] | None = None,
    week: date | datetime | None = None,
    label: str | None = None,
    show_progress: bool | None = None,
) -> Path:
    """Crawl ``start_urls`` (and ``sitemaps``) into a run folder and return its path.

    Runs Scrapy in a child process (Twisted's reactor cannot restart in one process),
    so it can be called any number of times. Registers the run (kind="crawl") when a
    ``workspace`` is given. Raises :class:`SearchopsError` on bad input or a failed crawl.
    """
    urls = [start_urls] if isinstance(start_urls, str) else list(start_urls)
    sitemap_list = list(sitemaps)
    validate(urls, sitemap_list, render)
    settings = settings or load_settings().settings
    if render != "never" and not Path(settings.render.chromium_path).exists():
        raise SearchopsError(
            f"--render {render} needs Chromium at {settings.render.chromium_path} (apt-get install chromium)"
        )
    run = prepare_folder(Path(out) if out is not None else None, resume)
    started = datetime.now(UTC)
    spec = {
        "run": str(run.resolve()),
        "start_urls": urls,
        "sitemaps": sitemap_list,
        "max_pages": max_pages if max_pages is not None else settings.crawl.max_pages,
        "max_depth": max_depth if max_depth is not None else settings.crawl.max_depth,
        "render": render,
        "resume": resume,
        "crawl": settings.crawl.model_dump(mode="json"),
        "render_config": settings.render.model_dump(mode="json"),
    }
    (run / layout.SPEC).write_text(json.dumps(spec), encoding="utf-8")
    (run / layout.PROGRESS).unlink(missing_ok=True)
    progress = _run_child(
        run, show_progress if show_progress is not None else console.interactive()
    )
    from seo_crawler import store  # pyarrow and DuckDB: only once the crawler process is done

    stats = store.finalize(run)
    finished = datetime.now(UTC)
    stats["pages_per_second"] = round(
        stats["pages"] / max(progress.get("elapsed", 0.0) or 1e-9, 1e-9), 1
    )
    previous = read_manifest(run) if resume and (run / MANIFEST).exists() else {}
    manifest = {
        "kind": "crawl",
        "complete": True,
        "start_urls": urls,
        "sitemaps": sitemap_list,
        "max_pages": spec["max_pages"],
        "max_depth": spec["max_depth"],
        "render": render,
        "resumed": resume,
        "settings": {"crawl": spec["crawl"], "render": spec["render_config"]},
        "stats": stats,
        "timings": {
            "started_at": previous.get("timings", {}).get("started_at", started.isoformat()),
            "finished_at": finished.isoformat(),
            "crawl_seconds": round(progress.get("elapsed", 0.0), 3),
            "total_seconds": round((finished - started).total_seconds(), 3),
        },
        "label": label,
    }
    write_manifest(run, manifest)
    store.clean_working_files(run)
    if workspace is not None:
        _register(run, workspace, started, finished, week, label, stats)
    if show_progress if show_progress is not None else console.interactive():
        _summary(run, stats)
    return run


def _register(
    run: Path,
    workspace: Workspace | str | os.PathLike[str],
    started: datetime,
    finished: datetime,
    week: date | datetime | None,
    label: str | None,
    stats: dict[str, Any],
) -> None:
    from searchops.workspace import Workspace

    week_dt = (
        datetime.combine(week, datetime.min.time())
        if isinstance(week, date) and not isinstance(week, datetime)
        else week
    )
    own = not isinstance(workspace, Workspace)
    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
    try:
        ws.register_run(
            run.name,
            "crawl",
            path=run,
            started_at=started.replace(tzinfo=None),
            finished_at=finished.replace(tzinfo=None),
            week=week_dt,
            label=label,
            stats=stats,
        )
    finally:
        if own:
            ws.close()


def _read_progress(run: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((run / layout.PROGRESS).read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return {}


def _run_child(run: Path, show: bool) -> dict[str, Any]:
    """Start ``python -m seo_crawler.process``, follow its progress file, fail loudly if it fails."""
    log = (run / layout.LOG).open("ab")
    child = subprocess.Popen(
        [sys.executable, "-m", "seo_crawler.process", str(run / layout.SPEC)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    (run / layout.PID).write_text(str(child.pid))
    progress: dict[str, Any] = {}
    display = console.progress() if show else None
    try:
        if display is not None:
            display.start()
            task = display.add_task("crawl", total=None, status="starting")
        while child.poll() is None:
            time.sleep(0.25)
            progress = _read_progress(run) or progress
            if display is not None and progress:
                elapsed = max(progress.get("elapsed", 0.0), 1e-6)
                display.update(
                    task,
                    completed=progress.get("pages", 0),
                    status=f"{progress.get('pages', 0) / elapsed:.0f} pages/s  queued {progress.get('queued', 0)}  errors {progress.get('errors', 0)}",
                )
    except KeyboardInterrupt:
        # Ctrl-C reached the crawler too (same process group): Scrapy closes gracefully and
        # flushes its rows. A second SIGINT would force an unclean stop, so send one only
        # if the crawler did not get the first.
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGINT)
            child.wait()
        raise SearchopsError(
            f"interrupted; continue with: searchops crawl ... --out {run} --resume"
        ) from None
    finally:
        if display is not None:
            display.stop()
        log.close()
        (run / layout.PID).unlink(missing_ok=True)
    progress = _read_progress(run) or progress
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


def _last_error_line(log: Path) -> str:
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        if "Error" in line or "error" in line:
            return console.safe_text(line.strip(), 200)
    return ""


def _summary(run: Path, stats: dict[str, Any]) -> None:
    by_status = ", ".join(f"{k}: {v}" for k, v in stats["pages_by_status"].items())
    console.stderr.print(
        f"[bold]crawl done[/]: {stats['pages']} pages ({stats['pages_per_second']} pages/s), "
        f"{stats['errors']} errors, {stats['rendered']} rendered, {stats['traps']} traps; status {console.safe_text(by_status)}"
    )


def load_pages(run: str | os.PathLike[str]) -> pd.DataFrame:
    """``pages.parquet`` of a run folder as a DataFrame (one row per URL)."""
    import pandas as pd

    return pd.read_parquet(parquet_path(Path(run), "pages"), dtype_backend="numpy_nullable")


def load_links(run: str | os.PathLike[str]) -> pd.DataFrame:
    """``links.parquet`` of a run folder as a DataFrame (one row per reference)."""
    import pandas as pd

    return pd.read_parquet(parquet_path(Path(run), "links"), dtype_backend="numpy_nullable")


def main(argv: list[str]) -> int:
    """``python -m seo_crawler.api ARGS_JSON``: the lean parent of ``searchops crawl``.

    The CLI process has pandas, DuckDB and every stage's settings loaded (~130 MB);
    it validates the arguments, then execs this module, which holds only what it needs
    while the crawler child runs (~35 MB) and imports DuckDB only to finalize.
    """
    args = json.loads(argv[1])
    try:
        settings = Settings.model_validate(args.pop("settings"))
        week = date.fromisoformat(args.pop("week")) if args.get("week") else None
        args.pop("week", None)
        run = crawl(args.pop("start_urls"), settings=settings, week=week, **args)
    except SearchopsError as exc:
        print(f"searchops: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("searchops: interrupted", file=sys.stderr)
        return 2
    console.stdout.print(str(run.resolve()), markup=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
