"""``searchops vitals``: lab Core Web Vitals of URLs or of a crawl's templates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import pandas as pd
from rich.table import Table
from rich.text import Text

from searchops.console import PipedProgress, clean_text, progress, safe_text, stderr, stdout
from searchops.errors import SearchopsError
from searchops.run_folder import new_run_dir
from seo_crawler.vitals import api, summary

_RATING_STYLE = {"good": "green", "ni": "yellow", "poor": "bold red"}
# The metrics shown in the tables (bytes and requests stay in the data).
_LABELS = {
    "lcp_ms": "LCP ms",
    "cls": "CLS",
    "inp_ms": "INP ms",
    "fcp_ms": "FCP ms",
    "ttfb_ms": "TTFB ms",
    "tbt_ms": "TBT ms",
}


def _fmt(metric: str, value: float) -> str:
    if metric == "cls":
        return f"{value:.3f}"
    return f"{value:.0f}"


def _table(title: str, stats: pd.DataFrame, keys: list[str]) -> Table:
    """One row per group; each cell: median ±IQR, then the p75 colored by its rating."""
    table = Table(
        title=title,
        title_justify="left",
        caption="median ±IQR (p75: green good, yellow needs improvement, red poor)",
        caption_justify="left",
    )
    for key in keys:
        table.add_column(key, overflow="fold")
    metrics = [m for m in _LABELS if m in set(stats["metric"])]
    for metric in metrics:
        # A cell is three numbers that only read together: never wrapped inside.
        table.add_column(_LABELS[metric], justify="right", no_wrap=True)
    for group, rows in stats.groupby(keys, sort=True):
        values = group if isinstance(group, tuple) else (group,)
        cells = [safe_text(_short(str(v)), limit=80) for v in values]
        by_metric = {r["metric"]: r for r in rows.to_dict("records")}
        for metric in metrics:
            if metric not in by_metric:
                cells.append("-")
                continue
            row = by_metric[metric]
            style = _RATING_STYLE.get(str(row["rating"]), "")
            p75 = _fmt(metric, row["p75"])
            cells.append(
                f"{_fmt(metric, row['p50'])} ±{_fmt(metric, row['iqr'])} "
                + (f"[{style}]{p75}[/]" if style else p75)
            )
        table.add_row(*cells)
    return table


def _page_lines(stats: pd.DataFrame) -> Iterator[Text]:
    """Per page: its path on a line of its own (whole, so it can be copied, however narrow
    the terminal), then its template and the p75 of each metric, coloured by rating."""
    yield Text("Pages: p75 of the loads (green good, yellow needs improvement, red poor)")
    metrics = [m for m in _LABELS if m in set(stats["metric"])]
    for (template, url), rows in stats.groupby(["template", "url"], sort=True):
        yield Text(clean_text(_short(str(url)), limit=400), style="bold")
        by_metric = {r["metric"]: r for r in rows.to_dict("records")}
        line = Text("    " + clean_text(template, limit=40))
        for metric in metrics:
            if metric in by_metric:
                row = by_metric[metric]
                line.append(f"  {_LABELS[metric]} ")
                line.append(
                    _fmt(metric, row["p75"]), style=_RATING_STYLE.get(str(row["rating"]), "")
                )
        yield line


def _short(url: str) -> str:
    """A URL without scheme and host: the path is what tells pages of one site apart."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url
    return parts.path + (f"?{parts.query}" if parts.query else "")


@click.command()
@click.argument("urls", nargs=-1)
@click.option(
    "--from",
    "from_run",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Crawl run folder: sample pages per template from its pages.parquet.",
)
@click.option(
    "--profile",
    help="Emulation profile: mobile, desktop or none (or one of yours). Default: [vitals] profile.",
)
@click.option("--runs", type=click.IntRange(min=1), help="Loads per page (default 3).")
@click.option(
    "--per-template",
    type=click.IntRange(min=1),
    help="Pages sampled per template with --from (default 3).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    help="Browser contexts measuring at once (default 2).",
)
@click.option(
    "--interact",
    metavar="SELECTOR",
    help="CSS selector to click after load for INP (e.g. '#add-to-cart').",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for vitals.parquet (default: the --from run, or a new runs/vitals-... folder).",
)
@click.pass_obj
def vitals(
    obj: Any,
    urls: tuple[str, ...],
    from_run: Path | None,
    profile: str | None,
    runs: int | None,
    per_template: int | None,
    concurrency: int | None,
    interact: str | None,
    out: Path | None,
) -> int:
    """Measure lab Core Web Vitals (LCP, CLS, INP, FCP, TTFB, TBT) in Chromium.

    Give URLs, or --from a crawl run: its 200 HTML pages are grouped into templates
    (home, category, product, other; regexes in [vitals.templates]) and
    --per-template pages of each, picked deterministically, are measured --runs
    times each in fresh browser contexts. Prints the median ± IQR and the 75th
    percentile (colored good / needs improvement / poor) per template and per page;
    writes vitals.parquet (one row per load) and the workspace tables vitals_pages
    and vitals_templates. A load that fails is retried once and recorded; it never
    stops the run. `searchops audit RUN` then judges the templates, and flags
    regressions with --baseline.

    \b
    Examples:
      searchops vitals --from runs/crawl-20260105T030000Z
      searchops vitals --from runs/crawl-... --profile desktop --per-template 5 --runs 5
      searchops vitals https://www.example.ca/p/123 --interact '#add-to-cart' --runs 5
      searchops vitals http://127.0.0.1:8000/__lab/hero?delay=800 --profile none
    """
    if bool(urls) == bool(from_run):
        raise SearchopsError("give URLs or --from RUN (not both)")
    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "profile": profile,
            "runs": runs,
            "per_template": per_template,
            "concurrency": concurrency,
        }.items()
        if value is not None
    }
    settings = obj.settings({"vitals": overrides} if overrides else None).settings
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise SearchopsError(f"{safe_text(url)}: not an http(s) URL")
    with progress(transient=True) as bar, obj.open_workspace() as ws:
        task = bar.add_task("measuring", total=None, status="")
        piped = PipedProgress("vitals", settings.vitals.progress_every_s)
        measured = [0]

        def done(row: dict[str, Any]) -> None:
            bar.update(task, advance=1, status=safe_text(row["url"], limit=60))
            measured[0] += 1
            total = bar.tasks[0].total
            piped.tick(f"{measured[0]:,}{f' of {total:,.0f}' if total else ''} loads measured")

        if from_run is not None:
            path = api.measure_run(
                from_run,
                interact=interact,
                settings=settings,
                workspace=ws,
                out=out,
                on_done=done,
            )
        else:
            folder = out or new_run_dir(label="vitals")
            started = datetime.now(UTC)
            bar.update(task, total=len(set(urls)) * settings.vitals.runs)
            measurements = api.measure_urls(
                urls, interact=interact, settings=settings, on_done=done
            )
            path = api.write_results(
                measurements,
                folder,
                settings=settings,
                profile=settings.vitals.profile,
                started_at=started,
                workspace=ws,
                register_kind="vitals",
            )
    measurements = api.load_vitals(path.parent)
    _report(measurements, settings)
    stderr.print(f"wrote {safe_text(path)}")
    if measurements["error"].notna().all():
        raise SearchopsError(
            f"no page could be measured; first error: {measurements['error'].iloc[0]}"
        )
    return 0


def _report(measurements: pd.DataFrame, settings: Any) -> None:
    thresholds = settings.vitals.thresholds
    stdout.print(_table("Templates", summary.summarize(measurements, thresholds), ["template"]))
    pages = summary.summarize(measurements, thresholds, by=("template", "url"))
    for line in _page_lines(pages):
        stdout.print(line)
    failed = measurements[measurements["error"].notna()]
    for row in failed.itertuples():
        stderr.print(
            f"[yellow]failed[/] {safe_text(row.url)} (run {row.run_index}, "
            f"{row.attempts} attempts): {safe_text(row.error)}"
        )
    if "browser_blocked" in measurements.columns:
        blocked = measurements["browser_blocked"].dropna()
        count = sum(len(listed) for listed in blocked)
        if count:
            stderr.print(
                f"[yellow]the browser was kept from {count} request(s) outside the scope[/] "
                f"(another host or port, a link-local or metadata address, a cross-origin "
                f"POST), first: {safe_text(blocked.iloc[0][0], 200)}"
            )
