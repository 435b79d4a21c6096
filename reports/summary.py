"""The executive summary: what improved, what regressed and what to do next, in sentences.

Generated from the sections' numbers only; a change is called out when it moves
more than the ``notable_*`` thresholds of ``[report]`` (smaller moves are noise).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reports.config import ReportConfig
from reports.formatting import count, money, pct
from reports.sections import Bids, Coverage, Findings, Health, Sem, Vitals


@dataclass
class Summary:
    improved: list[str] = field(default_factory=list)
    regressed: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)


def _plural(n: int, word: str) -> str:
    return f"{count(n)} {word}{'' if n == 1 else 's'}"


def _health(health: Health, cfg: ReportConfig, out: Summary) -> None:
    moved = [
        f
        for f in health.families
        if f.change is not None and abs(f.change) >= cfg.notable_score_change
    ]
    for rising, verb, target in ((True, "rose", out.improved), (False, "fell", out.regressed)):
        group = sorted(
            (f for f in moved if (f.change or 0) > 0)
            if rising
            else (f for f in moved if (f.change or 0) < 0),
            key=lambda f: -abs(f.change or 0),
        )
        if not group:
            continue
        details = ", ".join(
            f"{f.name} {f.previous:.0f} to {f.current:.0f} ({f.change:+.0f})" for f in group
        )
        noun = "family" if len(group) == 1 else "families"
        target.append(f"Health scores {verb} in {len(group)} audit {noun}: {details}.")


def _findings(findings: Findings, out: Summary) -> None:
    since = f" since the week of {findings.baseline_week:%b %d}" if findings.baseline_week else ""
    if findings.fixed_total:
        top = findings.fixed[0]
        out.improved.append(
            f"{_plural(findings.fixed_total, 'finding')} were fixed{since}; the most in "
            f"{top.rule_id} ({_plural(top.count, 'page')})."
        )
    if findings.new_total:
        top = findings.new[0]
        out.regressed.append(
            f"{_plural(findings.new_total, 'new finding')} appeared{since}, "
            f"{count(findings.new_errors)} of them errors; the largest is {top.rule_id} "
            f"({_plural(top.count, 'page')})."
        )
    errors = [r for r in findings.new if r.severity == "error"]
    if errors:
        first = errors[0]
        out.next_steps.append(
            f"Fix the {_plural(findings.new_errors, 'new error')} first, starting with "
            f"{first.rule_id} on {_plural(first.count, 'page')}: {first.message.rstrip('.')}."
        )


def _vitals(vitals: Vitals, cfg: ReportConfig, out: Summary) -> None:
    for tpl in vitals.templates:
        change = tpl.change
        if change is None or abs(change) < cfg.notable_pass_rate_change:
            continue
        verb, target = ("rose", out.improved) if change > 0 else ("fell", out.regressed)
        target.append(
            f"Core Web Vitals pass rate of {tpl.name} pages {verb} from {pct(tpl.previous)} "
            f"to {pct(tpl.current)}."
        )
        if change < 0:
            out.next_steps.append(
                f"Find what slowed the {tpl.name} template this week (its lab measurements "
                "are in the Core Web Vitals section) before it reaches field data."
            )


def _sem(sem: Sem, cfg: ReportConfig, out: Summary) -> None:
    change = sem.roas.change
    if change is None or sem.roas.previous is None or abs(change) < cfg.notable_roas_change:
        return
    verb, target = ("rose", out.improved) if change > 0 else ("fell", out.regressed)
    target.append(
        f"Paid search ROAS {verb} from {sem.roas.previous:.2f} to {sem.roas.current:.2f} "
        f"on {money(sem.spend.current, cfg.currency)} of spend in the week of "
        f"{sem.weeks[-1]:%b %d}."
    )


def _bids(bids: Bids, cfg: ReportConfig, out: Summary) -> None:
    changed = bids.increases + bids.decreases
    if not changed:
        return
    d = bids.delta
    interval = ""
    if "d_profit_lo" in d and "d_profit_hi" in d and bids.interval_level:
        interval = (
            f" ({bids.interval_level:.0%} interval {money(d['d_profit_lo'], cfg.currency, signed=True)} to "
            f"{money(d['d_profit_hi'], cfg.currency, signed=True)})"
        )
    horizon = f" over {bids.horizon_days} days" if bids.horizon_days else ""
    out.next_steps.append(
        f"Review and apply {_plural(changed, 'bid change')} ({count(bids.increases)} up, "
        f"{count(bids.decreases)} down): expected profit "
        f"{money(d['d_profit'], cfg.currency, signed=True)}{interval}{horizon}, with spend "
        f"{money(d['d_cost'], cfg.currency, signed=True)}."
    )


def _coverage(coverage: Coverage, cfg: ReportConfig, out: Summary) -> None:
    if coverage.waste_count:
        out.next_steps.append(
            f"Stop paying for {_plural(coverage.waste_count, 'ad target')} that land on "
            f"out-of-stock, missing or noindex pages ({money(coverage.waste_spend, cfg.currency)} "
            "of spend at stake)."
        )
    if coverage.profitable_count:
        out.next_steps.append(
            f"Add paid coverage for {_plural(coverage.profitable_count, 'in-stock product')} "
            f"expected to pay off (of {count(coverage.opportunity_count)} without ads): "
            f"expected profit {money(coverage.profitable_profit, cfg.currency, signed=True)}; "
            "the largest are listed under Catalog coverage."
        )


def summarize(sections: dict[str, object], cfg: ReportConfig) -> Summary:
    """Sentences for every section that has data; sections given as ``Missing`` are skipped."""
    out = Summary()
    if isinstance(health := sections.get("health"), Health):
        _health(health, cfg, out)
    if isinstance(findings := sections.get("findings"), Findings):
        _findings(findings, out)
    if isinstance(vitals := sections.get("vitals"), Vitals):
        _vitals(vitals, cfg, out)
    if isinstance(sem := sections.get("sem"), Sem):
        _sem(sem, cfg, out)
    if isinstance(bids := sections.get("bids"), Bids):
        _bids(bids, cfg, out)
    if isinstance(coverage := sections.get("coverage"), Coverage):
        _coverage(coverage, cfg, out)
    return out
