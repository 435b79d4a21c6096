"""``searchops demo``: the whole pipeline on the bundled demo site, over two simulated weeks.

Week 1 crawls the demo site as first generated; week 2 serves its ``week=2`` variant
(some defects fixed, some new) with the product template's hero image slowed down.
Each week: crawl -> lab vitals -> audit (week 2 against week 1) -> AI-search access
check (robots.txt and server answers per search and AI crawler) -> SEM data pulled
through the local Google Ads API server with the real client -> Merchant Center: the demo
feed imported (English items) and pulled through a local Merchant API (French items), then
checked against the week's crawl (demo.merchant_account: seeded mismatches, their manifest
in OUT/merchant/) -> bid recommendations -> catalog coverage (the feed as the catalog). Every run is registered with its simulated ``week``, so the weekly
report written at the end shows real week-over-week deltas.

Python API::

    from demo.pipeline import DemoOptions, run_demo
    report = run_demo(DemoOptions(out=Path("demo-output"), products=200, keywords=1000))
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from searchops import clock
from searchops.console import progress, safe_text, stdout
from searchops.errors import SearchopsError
from searchops.settings import Settings
from searchops.workspace import Workspace, monday_of

# A folder holding this file was written by the demo, so a rerun may clear it.
MARKER = ".searchops-demo"
STAGES = ("crawl", "vitals", "audit", "ai-access", "sem", "merchant", "bids", "coverage")
# Week 2's slower template: the hero image of product pages arrives this much later. 2.5 s
# pushes the product LCP past web.dev's 2.5 s "good" bound even on a fast machine, so the
# regression is visible in the pass rates and to the vitals regression rule.
SLOW_TEMPLATE = "product"
SLOWDOWN_MS = 2500
# Lab vitals: pages per template x loads per page. Three of each is the fewest that gives
# the vitals regression test (Mann-Whitney U across weeks) samples to compare; the desktop
# profile keeps a load to a second or two where mobile throttling would take several.
VITALS_PER_TEMPLATE = 3
VITALS_RUNS = 2
VITALS_PROFILE = "desktop"
# SEM history pulled in week 1 (then one more week in week 2): eight weeks is enough for the
# ROI models' weekly bid variation and a report trend, and keeps the API pull short.
HISTORY_DAYS = 56


@dataclass(frozen=True)
class DemoOptions:
    out: Path
    products: int = 300
    keywords: int = 2000
    seed: int = 0
    config_file: Path | None = None  # the user's --config, handed to the stages run as commands


@dataclass(frozen=True)
class Week:
    number: int  # 1 or 2: the demo site's variant
    monday: date

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, datetime.min.time())


def demo_weeks(today: date) -> list[Week]:
    """The two most recent complete weeks before ``today``, oldest first."""
    this_monday = monday_of(datetime.combine(today, datetime.min.time())).date()
    return [Week(1, this_monday - timedelta(weeks=2)), Week(2, this_monday - timedelta(weeks=1))]


def prepare_out(out: Path) -> None:
    """Create ``out``, or clear a previous demo's output; never touch a folder not ours."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise SearchopsError(f"{out} is not empty and not a demo output folder; choose --out")
        for child in out.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by searchops demo; cleared on the next run\n")


def _free_port() -> int:
    # Both weeks must serve the site on the same port: URLs (and so finding fingerprints)
    # have to match across weeks for new/fixed to mean anything.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pull_sem(ws: Workspace, opts: DemoOptions, week: Week, site_url: str) -> str:
    """Generate the demo account as of the week's Sunday, serve it as a local Google Ads
    API and pull it back with the production client (week 1: history; week 2: the new days)."""
    from google.ads.googleads.client import GoogleAdsClient
    from google.oauth2.credentials import Credentials

    from demo import ads_account as sem_demo
    from demo import ads_server
    from sem import ads_api

    ads_server.trust_local_server()  # before the first gRPC channel of this process
    account = sem_demo.generate(
        keywords=opts.keywords,
        days=HISTORY_DAYS + 7 * (week.number - 1),
        seed=opts.seed,
        products=opts.products,
        until=week.sunday,
        site_url=site_url,
        catalog_seed=opts.seed,
        site_week=week.number,
    )
    since = account.since if week.number == 1 else week.monday
    with ads_server.serve(account) as server:
        client = GoogleAdsClient(
            credentials=Credentials(token=server.access_token),
            developer_token=server.developer_token,
            endpoint=server.endpoint,
            version=ads_server.API_VERSION,
        )
        frames = ads_api.pull(client, account.customer_id, since, week.sunday)
    ads_api.save_pull(ws, frames, account.customer_id, since, week.sunday)
    return f"{len(frames['sem_keyword_daily']):,} keyword-days {since}..{week.sunday}"


def _merchant(
    ws: Workspace, opts: DemoOptions, week: Week, settings: Settings, base: str, run: Path
) -> str:
    """The demo Merchant Center account: English items imported from a feed file, French
    items pulled through a local Merchant API with the production client, then checked
    against the week's crawl; the manifest of what the check must find beside the feed."""
    import json

    from google.api_core.client_options import ClientOptions
    from google.oauth2.credentials import Credentials
    from google.shopping.merchant_products_v1 import ProductsServiceClient

    from demo import ads_server, merchant_server
    from demo import merchant_account as account
    from demo.site.catalog import Catalog
    from merchant.api import pull_products
    from merchant.check import at_risk, check, save
    from merchant.imports import import_feed

    folder = opts.out / "merchant"
    folder.mkdir(parents=True, exist_ok=True)
    rows = account.items(Catalog(products=opts.products, seed=opts.seed), base)
    feed = folder / f"{account.FEED_SOURCE}.txt"
    feed.write_text(account.feed_tsv(rows), encoding="utf-8")
    manifest = account.manifest(opts.products, opts.seed, week.number, base)
    (folder / f"manifest-week{week.number}.json").write_text(json.dumps(manifest, indent=1))
    imported = import_feed(ws, feed, source=account.FEED_SOURCE, language="en")
    ads_server.trust_local_server()  # the same localhost certificate as the Ads API's
    with merchant_server.serve({account.ACCOUNT_ID: account.api_products(rows)}) as server:
        products = ProductsServiceClient(
            credentials=Credentials(token=server.access_token),
            client_options=ClientOptions(api_endpoint=server.endpoint),
        )
        pulled, _issues = pull_products(ws, products, account.ACCOUNT_ID)
    cfg = settings.merchant
    findings = check(
        ws, run, spend_window_days=cfg.spend_window_days, memory_limit=cfg.join_memory_limit
    )
    save(ws, findings, run, checked_at=datetime.combine(week.sunday, datetime.min.time()))
    items, spend, _revenue = at_risk(findings)
    return (
        f"{imported.items:,} feed + {pulled:,} API items, {len(findings):,} findings, "
        f"{items:,} items Google may disapprove, {spend:,.2f} spend at risk -> {folder}"
    )


def _check_ai_access(ws: Workspace, run: Path, settings: Settings, week: Week) -> str:
    """``searchops ai-access`` on the home page and one page of each other template crawled,
    stored with the week's date as the check's time (the demo replays past weeks)."""
    from seo_crawler import load_pages
    from seo_crawler.ai_access import check_access
    from seo_crawler.urls import page_template

    pages = load_pages(run)
    fetched = sorted(pages.loc[pages["status"] == 200, "url"])
    by_template: dict[str, str] = {}
    for url in fetched:
        by_template.setdefault(page_template(url, settings.vitals.templates), url)
    urls = sorted(
        by_template.values(), key=lambda u: page_template(u, settings.vitals.templates) != "home"
    )
    frame = check_access(
        urls,
        config=settings.ai_access,
        checked_at=datetime.combine(week.sunday, datetime.min.time(), UTC),
    )
    ws.append_df("ai_access", frame)
    against = int((frame["verdict"] == "fail").sum())
    return f"{len(urls)} URLs, {against} crawler(s) against the policy"


def run_week(
    ws: Workspace,
    opts: DemoOptions,
    week: Week,
    settings: Settings,
    port: int,
    stage: Callable[[str], Any],
    status: Callable[[str], None],
) -> None:
    import audits
    import bidding
    import seo_crawler
    from demo import site as demosite
    from seo_crawler.vitals import measure_run

    slow = SLOW_TEMPLATE if week.number == 2 else None
    with demosite.serve(
        products=opts.products,
        seed=opts.seed,
        week=week.number,
        slow_template=slow,
        slowdown_ms=SLOWDOWN_MS,
        port=port,
    ) as base:
        with stage("crawl") as done:
            run = seo_crawler.crawl(
                [f"{base}/"],
                sitemaps=[f"{base}/sitemap_index.xml"],
                out=opts.out / "runs" / f"crawl-week{week.number}",
                # auto: the demo site has a product page whose details only appear after
                # JavaScript runs; Chromium renders just the pages that need it.
                render="auto",
                settings=settings,
                workspace=ws,
                week=week.start,
                label=f"demo week {week.number}",
                show_progress=False,
            )
            done(f"{len(seo_crawler.load_pages(run)):,} URLs -> {run}")
        with stage("vitals") as done:
            loads = itertools.count(1)
            measure_run(
                run,
                on_done=lambda _record: status(f"{next(loads)} page loads"),
                per_template=VITALS_PER_TEMPLATE,
                runs=VITALS_RUNS,
                profile=VITALS_PROFILE,
                concurrency=2,
                workspace=ws,
                settings=settings,
            )
            done(f"{VITALS_PER_TEMPLATE} pages x {VITALS_RUNS} loads per template")
        with stage("audit") as done:
            result = audits.audit(
                run, baseline="last" if week.number > 1 else None, settings=settings, workspace=ws
            )
            changes = result.findings["change"].value_counts()
            detail = ", ".join(f"{n:,} {change}" for change, n in changes.items())
            done(f"{len(result.findings):,} findings" + (f": {detail}" if detail else ""))
        with stage("ai-access") as done:
            done(_check_ai_access(ws, run, settings, week))
        with stage("sem") as done:
            done(_pull_sem(ws, opts, week, base))
        with stage("merchant") as done:
            done(_merchant(ws, opts, week, settings, base, run))
        # Bid and coverage runs register the day they ran; this demo replays past weeks.
        replayed_from = datetime.now(UTC).replace(tzinfo=None)
        with stage("bids") as done:
            bids_out = opts.out / "bids" / f"week{week.number}"
            bids = bidding.recommend_bids(workspace=ws, settings=settings, out=bids_out)
            terms = bidding.mine_search_terms(
                workspace=ws, settings=settings, out=opts.out / "terms" / f"week{week.number}"
            )
            s = bids.summary
            done(
                f"{s['raised']:,} up, {s['lowered']:,} down, {s.get('paused', 0):,} paused; "
                "search terms: "
                f"{len(terms.new_keywords):,} new keywords, {len(terms.negatives):,} negatives "
                f"-> {bids_out}"
            )
        with stage("coverage") as done:
            coverage_out = opts.out / "coverage" / f"week{week.number}"
            found = bidding.find_coverage(
                workspace=ws, crawl=run, settings=settings, out=coverage_out
            )
            done(f"{len(found.opportunities):,} uncovered products -> {coverage_out}")
    ws.con.execute(
        "UPDATE runs SET week = ? WHERE kind IN ('bid', 'coverage', 'terms') AND started_at >= ?",
        [week.monday, replayed_from],
    )


def run_demo(opts: DemoOptions, settings: Settings, today: date | None = None) -> Path:
    """Run both weeks and write ``OUT/weekly-report.html``; returns its path."""
    from reports.weekly import write_report

    if opts.products < 80 or opts.keywords < 100:  # 80: the demo site's smallest catalog
        raise SearchopsError("--products must be >= 80 and --keywords >= 100")
    prepare_out(opts.out)
    weeks = demo_weeks(today or clock.today())
    port = _free_port()
    with progress() as bar, Workspace(opts.out / "searchops.duckdb") as ws:
        task = bar.add_task("demo", total=len(weeks) * len(STAGES) + 1, status="")

        @contextlib.contextmanager
        def stage(name: str, week: Week | None = None) -> Iterator[Callable[[str], None]]:
            title = f"week {week.number} ({week.monday}) {name}" if week else name
            bar.update(task, description=title, status="")
            started = time.monotonic()
            notes: list[str] = []
            try:
                yield notes.append
            except SearchopsError as exc:
                raise SearchopsError(f"demo {title}: {exc}") from None
            except Exception as exc:  # another stage's bug: name the stage, keep the traceback
                raise SearchopsError(f"demo {title}: {type(exc).__name__}: {exc}") from exc
            bar.console.print(
                f"[green]done[/] {safe_text(title)} in {time.monotonic() - started:.0f} s"
                + (f": {safe_text(notes[-1])}" if notes else "")
            )
            bar.advance(task)

        for week in weeks:
            run_week(
                ws,
                opts,
                week,
                settings,
                port,
                functools.partial(stage, week=week),
                lambda text: bar.update(task, status=text),
            )
        with stage("weekly report") as done:
            report = write_report(ws, opts.out / "weekly-report.html", settings=settings)
            done(str(report))
    return report


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the workspace, run folders, exports and the report (cleared on rerun).",
)
@click.option(
    "--products",
    type=click.IntRange(80),
    default=300,
    show_default=True,
    help="Products in the demo catalog.",
)
@click.option(
    "--keywords",
    type=click.IntRange(100),
    default=2000,
    show_default=True,
    help="Keywords in the demo account.",
)
@click.option("--seed", default=0, show_default=True, help="Seed of the catalog and the account.")
@click.pass_obj
def demo(obj: Any, out: Path, products: int, keywords: int, seed: int) -> None:
    """Run the whole pipeline on the bundled demo site and write the weekly report.

    Serves the demo catalog site and a local Google Ads API server on 127.0.0.1, then for
    two simulated weeks (the second with some defects fixed, some new and a slower
    product template): crawl, lab Core Web Vitals, audit (week 2 against week 1), AI-search
    access (searchops ai-access on one page per template), SEM data pulled through the
    Google Ads API client, the demo Merchant Center feed and API checked against the crawl,
    bid recommendations and catalog coverage. Everything goes under OUT (workspace OUT/searchops.duckdb); the last line
    printed is the path of the report. Nothing leaves the machine.

    \b
    Examples:
      searchops demo
      searchops demo --out /tmp/demo --products 200 --keywords 1000
      searchops --workspace demo-output/searchops.duckdb report weekly --out again.html
    """
    settings = obj.settings().settings
    report = run_demo(DemoOptions(out, products, keywords, seed, obj.config_file), settings)
    stdout.print(str(report.resolve()), markup=False, soft_wrap=True)
