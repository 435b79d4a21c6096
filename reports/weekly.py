"""The weekly report: one self-contained HTML file rendered only from workspace tables.

Self-contained means inline CSS and inline SVG, no script and no external
request: it opens the same from a mail attachment, a CI artifact or a file
share, and prints cleanly. Untrusted text (URLs, titles, messages from crawled
pages) is escaped by Jinja2's autoescape, and a strict Content-Security-Policy
forbids scripts and every network fetch even if an escape were missed.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reports import formatting, sections, svg, wording
from reports.config import ReportConfig
from reports.summary import Summary, summarize
from searchops.settings import Settings, load_settings
from searchops.workspace import Workspace

# No script-src: scripts cannot run at all. default-src 'none' blocks every fetch
# (fonts, images, frames, beacons); the only allowances are the inline <style> and
# data: images (the favicon). frame-ancestors is not honoured in a <meta> CSP.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

# The page's sections: id -> the link text the summary points at them with.
SECTION_TITLES = {
    "health": "Health",
    "findings": "Findings",
    "vitals": "Core Web Vitals",
    "sem": "Paid search",
    "bids": "Bids",
    "coverage": "Coverage",
    "products": "Products",
    "ai_access": "AI search access",
}

LOADERS = {
    "health": sections.load_health,
    "findings": sections.load_findings,
    "vitals": sections.load_vitals,
    "sem": sections.load_sem,
    "bids": sections.load_bids,
    "coverage": sections.load_coverage,
    "products": sections.load_products,
    "ai_access": sections.load_ai_access,
}


@dataclass
class WeeklyReport:
    """Everything the template renders: sections (data or ``Missing``), summary, charts."""

    generated_at: datetime
    weeks: list[date]
    sections: dict[str, Any]
    summary: Summary
    charts: dict[str, Markup]
    config: ReportConfig


# Charts are drawn twice: at laptop width, and narrower for phones, where a wide chart
# scaled down would shrink its text below reading size. CSS shows one of the two.
WIDE, NARROW = 640, 360


def _both(draw: Callable[[int], Markup]) -> Markup:
    return Markup('<div class="chart-wide">{}</div><div class="chart-narrow">{}</div>').format(
        draw(WIDE), draw(NARROW)
    )


def _charts(found: dict[str, Any], cfg: ReportConfig) -> dict[str, Markup]:
    charts: dict[str, Markup] = {}
    # Axis labels are compact ($800k): a phone-width chart has room for ~7 characters.
    axis = functools.partial(formatting.money_axis, currency=cfg.currency)
    money = functools.partial(formatting.money, currency=cfg.currency)
    if isinstance(health := found["health"], sections.Health):
        charts["health"] = _both(
            lambda px: svg.line_chart(
                [formatting.week_label(w) for w in health.weeks],
                [
                    svg.Series(wording.family(t.name), t.values)
                    for t in [health.overall, *health.families]
                ],
                title="Health score per audit family, by week",
                y_max=100,
                width=px,
            )
        )
    if isinstance(findings := found["findings"], sections.Findings):
        charts["findings"] = _both(
            lambda px: svg.line_chart(
                [formatting.week_label(w) for w in findings.weeks],
                [
                    svg.Series(t.name, t.values, svg.SEVERITY_COLOURS.get(t.name))
                    for t in findings.open_by_severity
                ],
                title="Open findings by severity, by week",
                y_min=0,
                width=px,
            )
        )
    if isinstance(vitals := found["vitals"], sections.Vitals):
        charts["vitals"] = _both(
            lambda px: svg.line_chart(
                [formatting.week_label(w) for w in vitals.weeks],
                [svg.Series(t.name, t.values) for t in vitals.templates],
                title="Share of pages passing Core Web Vitals, by template and week",
                y_format=formatting.pct,
                y_min=0,
                y_max=1,
                width=px,
            )
        )
    if isinstance(sem := found["sem"], sections.Sem):
        labels = [formatting.week_label(w) for w in sem.weeks]
        charts["sem_money"] = _both(
            lambda px: svg.line_chart(
                labels,
                [
                    svg.Series("spend", sem.spend.values),
                    svg.Series(
                        "revenue (lag-adjusted)" if sem.adjusted else "revenue", sem.revenue.values
                    ),
                    *(
                        [svg.Series("revenue reported so far", sem.revenue_reported.values)]
                        if sem.revenue_reported
                        else []
                    ),
                ],
                title="Paid search spend and revenue, by week",
                y_format=axis,
                y_min=0,
                width=px,
            )
        )
        charts["sem_roas"] = _both(
            lambda px: svg.line_chart(
                labels,
                [svg.Series("ROAS", sem.roas.values)],
                title="Return on ad spend (revenue / spend), by week",
                y_min=0,
                height=160,
                width=px,
            )
        )
    if isinstance(bids := found["bids"], sections.Bids) and bids.frontier:
        charts["frontier"] = _both(
            lambda px: svg.xy_chart(
                bids.frontier,
                marks=bids.marks,
                title="Spend vs conversion value along the optimal bid frontier",
                x_format=axis,
                y_format=axis,
                width=px,
            )
        )
    if isinstance(coverage := found["coverage"], sections.Coverage) and coverage.waste:
        charts["waste"] = _both(
            lambda px: svg.bar_chart(
                [(item["label"], item["spend"]) for item in coverage.waste],
                title="Spend on ads landing on broken or out-of-stock pages",
                value_format=money,
                width=px,
                titles=[f"{item['label']} → {item['url']}" for item in coverage.waste],
            )
        )
    return charts


def build_report(
    workspace: Workspace, *, settings: Settings | None = None, weeks: int | None = None
) -> WeeklyReport:
    """Read every section from ``workspace``; sections without data become ``Missing``."""
    settings = settings or load_settings().settings
    cfg = settings.report
    if weeks is not None:
        cfg = cfg.model_copy(update={"weeks": weeks})
    # Money in the account's own currency when its export or pull said it ([report] currency
    # is only the fallback): an EUR account is never shown in $.
    from sem.tables import source_currency

    if currency := source_currency(workspace):
        cfg = cfg.model_copy(update={"currency": currency})
    con = workspace.con
    week_list = sections.report_weeks(con, cfg.weeks)
    found = {name: load(con, week_list, cfg) for name, load in LOADERS.items()}
    return WeeklyReport(
        generated_at=datetime.now(UTC),
        weeks=week_list,
        sections=found,
        summary=summarize(found, cfg),
        charts=_charts(found, cfg),
        config=cfg,
    )


def _http_only(url: str) -> str | None:
    """Only http(s) URLs become links: never javascript:, data: or other schemes."""
    return url if urlsplit(url).scheme in ("http", "https") else None


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=formatting.money,
        pct=formatting.pct,
        points=formatting.points,
        count=formatting.count,
        metric=formatting.metric,
        week=formatting.week_label,
        http_only=_http_only,
        family=wording.family,
    )
    env.globals.update(
        sparkline=svg.sparkline,
        isinstance=isinstance,
        Missing=sections.Missing,
        severity_colours=svg.SEVERITY_COLOURS,
        waste_reason=wording.waste_reason,
        section_titles=SECTION_TITLES,
    )
    return env


def render_html(report: WeeklyReport) -> str:
    template = _environment().get_template("weekly.html")
    return template.render(r=report, csp=CONTENT_SECURITY_POLICY, s=report.sections)


def write_report(
    workspace: Workspace | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    settings: Settings | None = None,
    weeks: int | None = None,
) -> Path:
    """Write the weekly report of ``workspace`` (object or DuckDB path) to ``out``."""
    if isinstance(workspace, Workspace):
        report = build_report(workspace, settings=settings, weeks=weeks)
    else:
        with Workspace(workspace, read_only=True) as ws:
            report = build_report(ws, settings=settings, weeks=weeks)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(report), encoding="utf-8")
    return target
