"""``searchops crawl``: crawl a catalog site into a run folder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from searchops import console
from searchops.run_folder import MANIFEST, read_manifest
from seo_crawler import api
from seo_crawler.spec import RENDER_MODES


@click.command("crawl")
@click.argument("urls", nargs=-1)
@click.option(
    "--sitemap",
    "sitemaps",
    multiple=True,
    metavar="URL",
    help="Sitemap, sitemap index (gzip ok) or robots.txt to read URLs from. Repeatable.",
)
@click.option(
    "--max-pages", type=click.IntRange(min=1), help="Page budget (default [crawl] max_pages)."
)
@click.option(
    "--max-depth",
    type=click.IntRange(min=0),
    help="Deepest click depth followed (default [crawl] max_depth).",
)
@click.option(
    "--render",
    type=click.Choice(RENDER_MODES),
    help="Render pages in Chromium: never, auto (pages/templates that need JS) or always (default [render] mode).",
)
@click.option(
    "--render-sample",
    type=click.IntRange(min=0),
    metavar="N",
    help="Also render N pages of each template ([vitals.templates]: home, category, product, "
    "other) on purpose, to compare their raw and rendered HTML (rules SEO-RENDER-*). Needs Chromium.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder (default runs/crawl-<timestamp>).",
)
@click.option("--resume", is_flag=True, help="Continue the interrupted crawl in --out.")
@click.option(
    "--frontier",
    metavar="redis://HOST:PORT/DB",
    help="Share the crawl through Redis: prints a crawl id and the command that adds a "
    "worker from any machine (--join); --out must then be a path every worker sees.",
)
@click.option(
    "--join",
    "join",
    metavar="CRAWL_ID",
    help="Add a worker to the shared crawl CRAWL_ID (needs --frontier; --out only if the "
    "run folder is mounted at another path here).",
)
@click.option(
    "--include",
    multiple=True,
    metavar="REGEX",
    help="Only fetch URLs matching one of these regexes. Repeatable.",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="REGEX",
    help="Never fetch URLs matching these regexes. Repeatable.",
)
@click.option(
    "--allow-host",
    "allowed_hosts",
    multiple=True,
    metavar="HOST",
    help="Extra host in scope (e.g. the fr. subdomain), on the start URLs' ports; HOST:PORT "
    "for one port. Repeatable.",
)
@click.option(
    "--resolve",
    "resolve",
    multiple=True,
    metavar="HOST=IP",
    help="Resolve HOST to IP instead of asking DNS (a staging server under the live name). Repeatable.",
)
@click.option(
    "--ignore-robots", is_flag=True, help="Fetch URLs robots.txt disallows (only on sites you own)."
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    help="Concurrent requests (default [crawl] concurrency).",
)
@click.option(
    "--week",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Monday of the week this crawl describes (workspace history).",
)
@click.option("--label", help="Label stored with the run in the workspace.")
@click.pass_obj
def crawl(
    obj: Any,
    urls: tuple[str, ...],
    sitemaps: tuple[str, ...],
    max_pages: int | None,
    max_depth: int | None,
    render: str | None,
    render_sample: int | None,
    out: Path | None,
    resume: bool,
    frontier: str | None,
    join: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    allowed_hosts: tuple[str, ...],
    resolve: tuple[str, ...],
    ignore_robots: bool,
    concurrency: int | None,
    week: datetime | None,
    label: str | None,
) -> None:
    """Crawl a catalog site into a run folder and register it in the workspace.

    Breadth-first from the start URLs and sitemaps; robots.txt is obeyed and what it
    blocks is recorded. Every URL met gets one row in RUN/pages.parquet (status,
    redirect chain, meta tags, canonicals, hreflang, structured data, ...); links go
    to RUN/links.parquet. The run folder path is printed on stdout.

    \b
    Examples:
      searchops crawl https://www.example.ca/
      searchops crawl https://www.example.ca/ --sitemap https://www.example.ca/sitemap.xml --max-pages 5000
      searchops crawl https://www.example.ca/fr/ --include '/fr/' --exclude '\\?sort=' --render auto
      searchops crawl https://www.example.ca/ --render-sample 5   # raw vs rendered, 5 pages a template
      searchops crawl https://www.example.ca/ --out runs/weekly --resume   # after an interruption
      searchops crawl https://www.example.ca/ --resolve www.example.ca=10.0.0.5   # staging server
      searchops crawl https://www.example.ca/ --frontier redis://10.0.0.9:6379/0 --out /mnt/runs/weekly
      searchops crawl --join 3f2a9c1b7d4e --frontier redis://10.0.0.9:6379/0   # another worker

    Then: searchops audit RUN
    """
    if join:
        if urls or sitemaps:
            raise click.UsageError("--join takes no start URL or --sitemap: the crawl has them")
        if not frontier:
            raise click.UsageError("--join needs --frontier redis://HOST:PORT/DB")
        run = api.crawl(frontier=frontier, join=join, out=out, workspace=obj.workspace)
        _summary_for_logs(run)
        console.stdout.print(str(run.resolve()), markup=False)
        return
    if not urls and not sitemaps and not resume:
        raise click.UsageError("give at least one start URL or --sitemap")
    overrides: dict[str, Any] = {"crawl": {}}
    for key, value in (
        ("include", list(include)),
        ("exclude", list(exclude)),
        ("allowed_hosts", list(allowed_hosts)),
    ):
        if value:
            overrides["crawl"][key] = value
    if resolve:
        pairs = [item.partition("=") for item in resolve]
        if any(not host or not sep or not ip for host, sep, ip in pairs):
            raise click.BadParameter("expected HOST=IP", param_hint="--resolve")
        overrides["crawl"]["resolve"] = {host.strip(): ip.strip() for host, _, ip in pairs}
    if ignore_robots:
        overrides["crawl"]["obey_robots"] = False
    if concurrency:
        overrides["crawl"]["concurrency"] = concurrency
    if resume:
        # The crawl as it was started (RUN/.spec.json); options given again must say the same.
        settings_given = any(_given(name) for name in _SETTINGS_OPTIONS)
        run = api.crawl(
            list(urls), sitemaps=list(sitemaps), out=out, resume=True, workspace=obj.workspace,
            max_pages=max_pages, max_depth=max_depth, render=render, render_sample=render_sample,
            settings=obj.settings(overrides).settings if settings_given else None,
            week=week.date() if week else None, label=label,
        )  # fmt: skip
        _summary_for_logs(run)
        console.stdout.print(str(run.resolve()), markup=False)
        return
    settings = obj.settings(overrides).settings
    run = api.crawl(
        list(urls),
        sitemaps=list(sitemaps),
        out=out,
        max_pages=max_pages,
        max_depth=max_depth,
        render=render or settings.render.mode,
        render_sample=render_sample,
        settings=settings,
        # The workspace path, not an open connection: DuckDB locks the file, and a crawl is long.
        workspace=obj.workspace,
        week=week.date() if week else None,
        label=label,
        frontier=frontier,
    )
    _summary_for_logs(run)
    console.stdout.print(str(run.resolve()), markup=False)


def _summary_for_logs(run: Path) -> None:
    """On a terminal the crawl prints its summary after its progress display; in a log
    or a pipe (CI, `make demo`) there is no progress display, so the summary comes here."""
    if console.interactive() or console.is_quiet():
        return
    if not (run / MANIFEST).exists():  # a shared crawl's worker: another one finalizes
        return
    api.print_summary(read_manifest(run)["stats"])


# Options that become crawl settings: given with --resume, the settings they make must be
# the crawl's (its spec is written once).
_SETTINGS_OPTIONS = (
    "include",
    "exclude",
    "allowed_hosts",
    "resolve",
    "ignore_robots",
    "concurrency",
)


def _given(name: str) -> bool:
    source = click.get_current_context().get_parameter_source(name)
    return source is click.core.ParameterSource.COMMANDLINE
