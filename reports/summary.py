"""The executive summary: what improved, what regressed and what to do next, in sentences.

Generated from the sections' numbers only; a change is called out when it moves
more than the ``notable_*`` thresholds of ``[report]`` (smaller moves are noise).
Every sentence is for a reader who knows the business, not the tools: amounts in
the report's currency, good news and bad news alike, no rule IDs, setting names
or reason codes, and an action wherever there is one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reports.config import ReportConfig
from reports.drivers import Drivers
from reports.formatting import count, money, pct, points
from reports.sections import Bids, Coverage, Findings, Health, Products, Sem, Vitals
from reports.wording import family, waste_reason


class Line(str):
    """A summary sentence, and the section (its id in the page) whose numbers it repeats:
    every number in it is shown there, formatted the same way."""

    section: str

    def __new__(cls, text: str, section: str) -> Line:
        line = super().__new__(cls, text)
        line.section = section
        return line


@dataclass
class Summary:
    improved: list[str] = field(default_factory=list)
    regressed: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)


def _plural(n: int, word: str) -> str:
    return f"{count(n)} {word}{'' if n == 1 else 's'}"


def _moved(previous: float | None, current: float | None, unit: str = " out of 100") -> str:
    """ "92.5 to 88.0 out of 100 (-4.5": the numbers the Health section shows (scores are
    kept to one decimal when loaded, so the change is exactly the difference read)."""
    before, after = previous or 0.0, current or 0.0
    return f"{before:.1f} to {after:.1f}{unit} ({points(after - before)}"


def _health(health: Health, cfg: ReportConfig, out: Summary) -> None:
    overall = health.overall
    if overall.change is not None and abs(overall.change) >= cfg.notable_score_change:
        verb, target = ("rose", out.improved) if overall.change > 0 else ("fell", out.regressed)
        target.append(
            f"Overall site health {verb} from {_moved(overall.previous, overall.current)} points)."
        )
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
            f"{family(f.name)} {_moved(f.previous, f.current, unit='')})" for f in group
        )
        target.append(f"Health scores {verb}: {details}.")


def _findings(findings: Findings, cfg: ReportConfig, out: Summary) -> None:
    since = f" since the week of {findings.baseline_week:%b %d}" if findings.baseline_week else ""
    if findings.fixed_total:
        top = findings.fixed[0]
        out.improved.append(
            f"{_plural(findings.fixed_total, 'site problem')} were fixed{since}; the most: "
            f"“{top.message.rstrip('.')}” ({_plural(top.count, 'page')})."
        )
    if findings.new_total:
        top = findings.new[0]
        out.regressed.append(
            f"{_plural(findings.new_total, 'new site problem')} appeared{since}, "
            f"{count(findings.new_errors)} of them errors; the largest: "
            f"“{top.message.rstrip('.')}” ({_plural(top.count, 'page')})."
        )
    errors = [r for r in findings.new if r.severity == "error"]
    if errors:
        first = errors[0]
        out.next_steps.append(
            f"Have the site team fix the {_plural(findings.new_errors, 'new error')} first, "
            f"starting with “{first.message.rstrip('.')}” on {_plural(first.count, 'page')} "
            "(the pages are listed under Findings)."
        )


def _vitals(vitals: Vitals, cfg: ReportConfig, out: Summary) -> None:
    """A template's pass rate, with how many pages it rests on and whether the statistical
    regression rule confirms a slowdown: a few lab pages swing from all to none passing on
    noise alone, so only the rule's verdict makes a regression."""
    for tpl in vitals.templates:
        change = tpl.change
        if change is None or abs(change) < cfg.notable_pass_rate_change:
            continue
        verb, target = ("rose", out.improved) if change > 0 else ("fell", out.regressed)
        sample = vitals.samples.get(tpl.name)
        sentence = (
            f"Page speed (Core Web Vitals): the share of {tpl.name} pages passing {verb} from "
            f"{pct(tpl.previous)} to {pct(tpl.current)}"
        )
        if sample is None:
            target.append(sentence + ".")
            continue
        sentence += f" ({sample.passing} of {_plural(sample.pages, 'page')} measured"
        if sample.previous_pages is not None:
            sentence += f", {sample.previous_passing} of {sample.previous_pages} the week before"
        sentence += ")"
        if change > 0:
            target.append(sentence + ".")
        elif sample.verdict == "confirmed":
            target.append(
                f"{sentence}; the statistical regression test confirms the {tpl.name} template "
                f"got slower: {'; '.join(_without_template(m) for m in sample.evidence)}."
            )
            out.next_steps.append(
                f"Find what slowed the {tpl.name} pages this week (the measurements are in the "
                "Core Web Vitals section) before it reaches customers' field data and rankings."
            )
        else:
            why = (
                "the statistical regression test over every load finds no slowdown beyond lab noise"
                if sample.verdict == "not confirmed"
                else "the audit has not compared it with an earlier measurement"
            )
            target.append(
                f"{sentence}: with {_plural(sample.pages, 'page')} measured this is not a "
                f"confirmed regression ({why})."
            )
            out.next_steps.append(
                f"Before acting on the {tpl.name} pages' speed, have more of them measured: "
                f"{_plural(sample.pages, 'page')} cannot tell a slower template from lab noise."
            )


def _without_template(message: str) -> str:
    """The rule's "Template 'x': LCP median ..." without the template, named already."""
    head, sep, rest = message.partition("': ")
    return (
        rest.removesuffix(" since the baseline")
        if sep and head.startswith("Template '")
        else message
    )


def _sem(sem: Sem, cfg: ReportConfig, out: Summary) -> None:
    week = f"the week of {sem.weeks[-1]:%b %d}"
    cur = cfg.currency
    revenue, spend, roas = sem.revenue, sem.spend, sem.roas
    share = (
        revenue.change / revenue.previous
        if revenue.change is not None and revenue.previous
        else None
    )
    roas_moved = (
        roas.change is not None
        and roas.previous is not None
        and abs(roas.change) >= cfg.notable_roas_change
    )
    if share is not None and abs(share) >= cfg.notable_revenue_change:
        rising = share > 0
        target = out.improved if rising else out.regressed
        # A change is confirmed only when the lag model's range of it leaves out zero.
        span = sem.change_range
        confirmed = span is None or (span[0] > 0 if rising else span[1] < 0)
        what = "Paid search revenue (lag-adjusted)" if sem.adjusted else "Paid search revenue"
        sentence = (
            f"{what} {'rose' if rising else 'fell'} by {money(abs(revenue.change or 0), cur)} "
            f"({pct(abs(share))}) to {money(revenue.current, cur)} in {week}"
        )
        if sem.adjusted and sem.revenue_reported and sem.revenue_range and sem.interval_level:
            lo, hi = sem.revenue_range
            sentence += (
                f" ({money(sem.revenue_reported.current, cur)} reported so far; with the "
                f"conversions still to come from its clicks, between {money(lo, cur)} and "
                f"{money(hi, cur)}, {pct(sem.interval_level)} range)"
            )
        sentence += (
            f", on {money(spend.current, cur)} of spend "
            f"({money(spend.change, cur, signed=True)} week over week)"
        )
        if roas.previous is not None and roas.current is not None:
            sentence += (
                f"; each dollar of spend brought back {roas.current:.2f} (was {roas.previous:.2f})"
            )
        if span is not None and not confirmed:
            sentence += (
                f". Late conversions can still move the change anywhere between "
                f"{money(span[0], cur, signed=True)} and {money(span[1], cur, signed=True)}: "
                f"not yet a confirmed {'gain' if rising else 'loss'}"
            )
        target.append(sentence + ".")
        if sem.drivers is not None and confirmed:
            target.append(_why(sem.drivers, rising, cfg))
        if not rising and confirmed:
            out.next_steps.append(_loss_step(sem, cfg))
    elif roas_moved:
        verb, target = ("rose", out.improved) if (roas.change or 0) > 0 else ("fell", out.regressed)
        target.append(
            f"Paid search ROAS {verb} from {roas.previous:.2f} to {roas.current:.2f} "
            f"on {money(spend.current, cur)} of spend in {week}."
        )


def _why(drivers: Drivers, rising: bool, cfg: ReportConfig) -> str:
    """The change's causes, largest first, in the amounts the Paid search section shows."""
    parts = sorted(
        ((label, shown) for key, label, _, shown in drivers.lines if shown),
        key=lambda part: -abs(part[1]),
    )
    listed = ", ".join(
        f"{label[0].lower() + label[1:]} {money(float(shown), cfg.currency, signed=True)}"
        for label, shown in parts
    )
    return (
        f"Why revenue {'rose' if rising else 'fell'}: the "
        f"{money(float(drivers.total_shown), cfg.currency, signed=True)} change comes from "
        f"{listed}."
    )


def _loss_step(sem: Sem, cfg: ReportConfig) -> str:
    lost = money(abs(sem.revenue.change or 0), cfg.currency)
    drivers = sem.drivers
    worst = min(drivers.lines, key=lambda line: line[3], default=None) if drivers else None
    if worst is None or worst[3] >= 0:
        return (
            f"Find where the {lost} of paid search revenue was lost (campaigns, products out "
            "of stock, landing pages) before changing budgets."
        )
    key, label, _, shown = worst
    action = {
        "out_of_stock": "restock the products, or pause their ads until they are back",
        "landing_pages": "fix the broken or hidden landing pages, or point the ads elsewhere",
        "bids": "review the bid changes made since the week before",
        "value_per_click": "look at conversion rates and order values (site, prices, offers)",
        "demand": "fewer searches, not something bids fix: check seasonality and competitors",
        "paused": "check that the campaigns and keywords were paused on purpose",
    }.get(key, "look at the campaigns listed under Paid search")
    return (
        f"Start with the largest cause of the {lost} drop, {label.lower()} "
        f"({money(float(shown), cfg.currency, signed=True)}): {action}."
    )


def _bids(bids: Bids, cfg: ReportConfig, out: Summary) -> None:
    changed = bids.increases + bids.decreases
    days = f" over the next {bids.horizon_days} days" if bids.horizon_days else ""
    if bids.paused_site:
        out.next_steps.append(
            f"Apply the pause of {_plural(bids.paused_site, 'keyword')} advertising out-of-stock "
            f"products or failing landing pages: {money(bids.spend_saved_site, cfg.currency)} of "
            f"spend saved{days}; restart them when the stock or the page is back."
        )
    if bids.paused_no_conversions:
        out.next_steps.append(
            f"Apply the pause of {_plural(bids.paused_no_conversions, 'keyword')} that spend "
            "without converting enough to pay for their clicks: "
            f"{money(bids.spend_saved_no_conversions, cfg.currency)} of spend saved{days}, "
            f"about {money(bids.value_lost, cfg.currency)} of conversion value given up; "
            "try them again after a change to the offer or the landing page."
        )
    if bids.out_of_stock:
        out.next_steps.append(
            f"Pause the {_plural(bids.out_of_stock, 'keyword')} advertising out-of-stock "
            "products instead of only lowering their bids, and restart them when the stock is back."
        )
    if not changed:
        return
    d = bids.delta
    interval = ""
    if "d_profit_lo" in d and "d_profit_hi" in d and bids.interval_level:
        interval = (
            f" (likely between {money(d['d_profit_lo'], cfg.currency, signed=True)} and "
            f"{money(d['d_profit_hi'], cfg.currency, signed=True)})"
        )
    horizon = f" over the next {bids.horizon_days} days" if bids.horizon_days else ""
    value, cost, profit = d.get("d_value", 0.0), d.get("d_cost", 0.0), d.get("d_profit", 0.0)
    sentence = (
        f"Review and apply {_plural(changed, 'bid change')} ({count(bids.increases)} up, "
        f"{count(bids.decreases)} down): expected profit "
        f"{money(profit, cfg.currency, signed=True)}{interval}{horizon}, with conversion value "
        f"(revenue) {money(value, cfg.currency, signed=True)} and spend "
        f"{money(cost, cfg.currency, signed=True)}."
    )
    if value < 0 < profit:
        sentence += (
            f" Revenue goes down by {money(abs(value), cfg.currency)}: the bids stop buying "
            "clicks that cost more than they bring back, so profit rises while sales fall."
        )
    elif profit < 0:
        sentence += " Profit goes down: apply only if the extra revenue is the goal."
    out.next_steps.append(sentence)


def _window(days: int | None) -> str:
    return f" over the next {days} days" if days else ""


def _coverage(coverage: Coverage, cfg: ReportConfig, out: Summary) -> None:
    # Spend at stake is the spend of the run's last horizon_days, expected to go on as long.
    window = _window(coverage.horizon_days)
    for reason, (n, spend) in coverage.waste_by_reason.items():
        problem, action = waste_reason(reason)
        out.next_steps.append(
            f"{action}: {_plural(n, 'ad target')} land on a {problem} "
            f"({money(spend, cfg.currency)} of spend at stake{window})."
        )
    if coverage.profitable_count:
        out.next_steps.append(
            f"Add paid coverage for {_plural(coverage.profitable_count, 'in-stock product')} "
            f"expected to pay off (of {count(coverage.opportunity_count)} without ads): "
            f"expected profit {money(coverage.profitable_profit, cfg.currency, signed=True)}"
            f"{window}; the largest are listed under Catalog coverage."
        )


def _mismatches(n: int) -> str:
    return f"{count(n)} feed mismatch{'' if n == 1 else 'es'}"


def _products(products: Products, cfg: ReportConfig, out: Summary) -> None:
    """The Products section's cards: products Google may disapprove (feed mismatches that are
    errors) with their Shopping spend at risk, and the product pages customers cannot judge."""
    if products.items_at_risk:
        out.next_steps.append(
            f"Correct the feed or the pages of the {_plural(products.items_at_risk, 'product')} "
            f"Google may disapprove: {money(products.spend_at_risk, cfg.currency)} of Shopping "
            f"spend at risk ({_mismatches(products.findings)}, "
            f"{count(products.errors)} of them errors; listed under Products)."
        )
    elif products.findings:
        out.next_steps.append(
            f"Review the {_mismatches(products.findings)} under Products: none "
            "makes Google disapprove a product, no Shopping spend at risk."
        )
    if products.incomplete_count:
        out.next_steps.append(
            f"Complete the {_plural(products.incomplete_count, 'product page')} customers "
            "cannot judge (the weakest of their category for a description, images, reviews, "
            "price or other parts), those with the most Shopping spend first (under Products)."
        )


def summarize(sections: dict[str, object], cfg: ReportConfig) -> Summary:
    """Sentences for every section that has data; sections given as ``Missing`` are skipped.

    Each sentence is a :class:`Line` naming the section it summarizes."""
    out = Summary()
    writers: tuple[tuple[str, type, Callable[[Any, ReportConfig, Summary], None]], ...] = (
        ("health", Health, _health),
        ("findings", Findings, _findings),
        ("vitals", Vitals, _vitals),
        ("sem", Sem, _sem),
        ("bids", Bids, _bids),
        ("coverage", Coverage, _coverage),
        ("products", Products, _products),
    )
    for name, kind, write in writers:
        if not isinstance(section := sections.get(name), kind):
            continue
        write(section, cfg, out)
        for lines in (out.improved, out.regressed, out.next_steps):
            lines[:] = [x if isinstance(x, Line) else Line(x, name) for x in lines]
    return out
