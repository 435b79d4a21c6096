"""Runs rules over a run folder, fingerprints and suppresses findings, compares with a baseline.

A baseline crawled on another host or port (a staging server, the demo site on a new
port, a crawl through a different proxy) is compared by URL path: when both runs
started at the same paths, the baseline's URLs are moved onto this run's origins
before fingerprinting, and the result says so in ``notes``. Otherwise every finding
would read as new and every old one as fixed.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pandas as pd
import pyarrow as pa

from audits.context import RuleContext, connect
from audits.registry import _matches, all_rules, select_rules
from audits.rule import SEVERITIES, Rule
from audits.scoring import health_scores
from searchops.errors import SearchopsError
from searchops.run_folder import read_manifest
from searchops.settings import Settings

log = logging.getLogger(__name__)

FINDING_COLUMNS = (
    "rule_id", "family", "severity", "url", "message", "evidence", "related_url", "fingerprint", "change",
)  # fmt: skip
CHANGES = ("new", "persisting", "fixed")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}  # error=0 is the worst

_FINDINGS_DDL = """
CREATE OR REPLACE TEMP TABLE {name} (
    rule_id VARCHAR, family VARCHAR, severity VARCHAR, url VARCHAR, message VARCHAR,
    evidence VARCHAR, related_url VARCHAR, key VARCHAR
)
"""
# Hash of what identifies a finding, never of its wording: a rule can reword its
# message or a page's evidence value can drift (a count) without making it "new".
_FINGERPRINT_SQL = (
    "substr(sha256(rule_id || chr(31) || url || chr(31) || "
    "lower(regexp_replace(trim(coalesce(key, related_url, '')), '\\s+', ' ', 'g'))), 1, 16)"
)


@dataclass
class AuditResult:
    """The outcome of one audit.

    ``findings``: one row per finding (:data:`FINDING_COLUMNS`); with a baseline,
    ``change`` is new | persisting | fixed (fixed rows come from the baseline).
    ``scores``: ``family, score (0-100), findings, pages``, plus ``family = "overall"``.
    ``rules``: per rule run ``rule_id, slug, family, severity, status (ran|skipped),
    reason, findings, seconds``.
    """

    run: Path
    baseline: Path | None
    findings: pd.DataFrame
    scores: pd.DataFrame
    rules: pd.DataFrame
    suppressed: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the reader must know (baseline hosts)

    def open_findings(self) -> pd.DataFrame:
        """Findings present in this run (not the ones the baseline had and this run fixed)."""
        return self.findings[self.findings["change"].fillna("") != "fixed"]

    def failing(self, fail_on: str) -> pd.DataFrame:
        """Findings that fail the build: at or above ``fail_on``; only new ones with a baseline."""
        if fail_on == "never":
            return self.findings.iloc[0:0]
        if fail_on not in SEVERITY_RANK:
            raise SearchopsError(f"--fail-on {fail_on!r}: use error, warning or never")
        found = self.open_findings()
        found = found[found["severity"].map(SEVERITY_RANK) <= SEVERITY_RANK[fail_on]]
        if self.baseline is not None:
            found = found[found["change"] == "new"]
        return found

    def exit_code(self, fail_on: str) -> int:
        return 1 if len(self.failing(fail_on)) else 0


def instantiate(rule_classes: Sequence[type[Rule]], settings: Settings) -> list[Rule]:
    """Rules with their configured options; ``enabled = false`` in config drops one."""
    configured = settings.audit.rules
    known = {rule.id for rule in all_rules()}
    for key in configured:
        if key not in known:
            raise SearchopsError(f"audit.rules.{key}: no such rule (searchops rules lists them)")
    rules = []
    for cls in rule_classes:
        rule = cls({**cls.inherited_options(settings), **configured.get(cls.id, {})})
        if rule.config.get("enabled", True):
            rules.append(rule)
    return rules


def evaluate(
    run: Path,
    rule_classes: Sequence[type[Rule]],
    settings: Settings,
    baseline: Path | None = None,
    *,
    rebase: dict[str, str] | None = None,
) -> AuditResult:
    """Run the rules over one run folder (no baseline diff, no writes).

    ``rebase`` (origin -> origin) moves the findings' URLs onto other origins before
    they are fingerprinted: how a baseline from another host or port is compared.
    """
    run = Path(run)
    read_manifest(run)  # a clear error when it is not a run folder
    with connect(settings) as con:
        return _evaluate(run, rule_classes, settings, baseline, con, rebase or {})


def origin_map(run: Path, baseline: Path) -> tuple[dict[str, str], list[str]]:
    """Baseline origin -> this run's origin, and notes for the reader.

    The origins map when both runs started at the same paths (position by position)
    on different scheme://host:port; when the starts differ otherwise, nothing maps
    and a note warns that the comparison is by full URL.
    """
    now = [str(u) for u in read_manifest(run).get("start_urls") or []]
    before = [str(u) for u in read_manifest(baseline).get("start_urls") or []]
    pairs = list(zip([urlsplit(u) for u in before], [urlsplit(u) for u in now], strict=False))
    mapping: dict[str, str] = {}
    same_paths = len(now) == len(before) and all(
        (b.path or "/", b.query) == (a.path or "/", a.query) for b, a in pairs
    )
    for b, a in pairs:
        old, new = f"{b.scheme}://{b.netloc}", f"{a.scheme}://{a.netloc}"
        if old != new and mapping.setdefault(old, new) != new:
            same_paths = False  # one baseline origin, two current ones: no single answer
    if not mapping:
        return {}, []
    shown = ", ".join(f"{old} -> {new}" for old, new in mapping.items())
    if not same_paths:
        return {}, [
            f"the baseline was crawled from other start URLs ({shown}) at other paths: "
            "findings are compared by full URL, so most read as new and fixed"
        ]
    return mapping, [
        f"the baseline was crawled on another host or port ({shown}): findings are "
        "compared by URL path, and the baseline's URLs are shown on this run's host"
    ]


def _rebase(con: duckdb.DuckDBPyConnection, mapping: dict[str, str]) -> None:
    for old, new in mapping.items():
        for column in ("url", "related_url", "key"):
            con.execute(
                f"UPDATE _findings SET {column} = ? || substr({column}, ?) "
                f"WHERE {column} = ? OR starts_with({column}, ?) OR starts_with({column}, ?)",
                [new, len(old) + 1, old, old + "/", old + "?"],
            )


def _evaluate(
    run: Path,
    rule_classes: Sequence[type[Rule]],
    settings: Settings,
    baseline: Path | None,
    con: duckdb.DuckDBPyConnection,
    rebase: dict[str, str],
) -> AuditResult:
    ctx = RuleContext.open(run, settings, baseline=baseline, con=con)
    statuses = []
    # Each rule's findings go to a Parquet file of their own, not to a table in DuckDB's
    # memory: a site whose every page has a finding or two (a site-wide template defect)
    # holds millions of them, which took the memory limit from the rules that ran after
    # (1,000,000 pages: out of memory in SEO-HREFLANG-014). They are read back once, at
    # the end, when no rule needs the memory.
    spill = Path(tempfile.mkdtemp(prefix="searchops-findings-"))
    try:
        for number, rule in enumerate(instantiate(rule_classes, settings)):
            started = time.perf_counter()
            reason = _skip_reason(rule, ctx)
            count = 0
            if reason is None:
                try:
                    count = _collect(rule, ctx, spill / f"{number:04d}.parquet")
                except Exception as exc:
                    exc.add_note(f"while running audit rule {rule.id} ({type(rule).__module__})")
                    raise
            statuses.append(_status(rule, reason, started))
            log.debug("%s: %d findings in %.2fs", rule.id, count, statuses[-1]["seconds"])
        con.execute(_FINDINGS_DDL.format(name="_findings"))
        if any(spill.glob("*.parquet")):
            con.execute(
                f"INSERT INTO _findings SELECT * FROM read_parquet('{_sql_text(str(spill))}/*.parquet')"
            )
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return _results(run, baseline, settings, rule_classes, ctx, rebase, statuses)


def _status(rule: Rule, reason: str | None, started: float) -> dict[str, Any]:
    return {
        "rule_id": rule.id,
        "slug": rule.slug,
        "family": rule.family,
        "severity": rule.effective_severity,
        "status": "skipped" if reason else "ran",
        "reason": reason or "",
        "seconds": round(time.perf_counter() - started, 4),
    }


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _results(
    run: Path,
    baseline: Path | None,
    settings: Settings,
    rule_classes: Sequence[type[Rule]],
    ctx: RuleContext,
    rebase: dict[str, str],
    statuses: list[dict[str, Any]],
) -> AuditResult:
    con = ctx.con
    suppressed = _suppress(con, settings, rule_classes)
    _rebase(con, rebase)
    findings = con.execute(
        f"""
        SELECT DISTINCT ON (fingerprint) rule_id, family, severity, url, message, evidence,
               related_url, fingerprint, CAST(NULL AS VARCHAR) AS change
        FROM (SELECT *, {_FINGERPRINT_SQL} AS fingerprint FROM _findings)
        ORDER BY fingerprint
        """
    ).df()
    findings = _sorted(findings)
    rules = pd.DataFrame(
        statuses, columns=["rule_id", "slug", "family", "severity", "status", "reason", "seconds"]
    )
    per_rule = findings.groupby("rule_id").size()
    rules.insert(6, "findings", rules["rule_id"].map(per_rule).fillna(0).astype(int))
    ctx.ensure("html_pages")
    pages = int(con.execute("SELECT count(*) FROM html_pages").fetchall()[0][0])
    ran_families = sorted(set(rules.loc[rules["status"] == "ran", "family"]))
    scores = health_scores(findings, pages, ran_families, settings, _populations(ctx))
    return AuditResult(
        run=run,
        baseline=baseline,
        findings=findings,
        scores=scores,
        rules=rules,
        suppressed=suppressed,
    )


def _populations(ctx: RuleContext) -> dict[str, int]:
    """What a family judges when it is not the HTML pages: vitals findings stand for
    templates (one per template measured), robots findings for robots.txt files (one per
    origin whose robots.txt exists or failed: a 404 means no file, nothing to judge)."""
    populations = {}
    if "robots" in ctx.artifacts:
        row = ctx.con.execute("SELECT count(*) FROM robots WHERE outcome <> 'allow_all'").fetchone()
        populations["robots"] = int(row[0]) if row else 0
    if "vitals" not in ctx.artifacts or "template" not in ctx.columns("vitals"):
        return populations
    row = ctx.con.execute("SELECT count(DISTINCT template) FROM vitals").fetchone()
    if row and row[0]:
        populations["vitals"] = int(row[0])
    return populations


# What each missing input is, and how to get it (for the "skipped" lines).
_INPUTS = {
    "baseline": "no baseline given (--baseline RUN or last)",
    "vitals": "no vitals measured for this run (searchops vitals --from RUN)",
    "images": "no image files sampled in this run ([crawl] image_sample_max = 0, or no images)",
}


def _missing_text(missing: list[str]) -> str:
    """'no vitals measured ...; no baseline given ...', not 'no vitals, baseline in this run'."""
    return "; ".join(_INPUTS.get(name, f"no {name} in this run") for name in missing)


def _skip_reason(rule: Rule, ctx: RuleContext) -> str | None:
    missing = [name for name in rule.needs if name not in ctx.artifacts]
    if missing:
        return _missing_text(missing)
    for spec in rule.fields:
        artifact, _, column = spec.rpartition(".")
        if column not in ctx.columns(artifact or "pages"):
            return f"the run's {artifact or 'pages'} has no column {column!r}"
    return None


def _collect(rule: Rule, ctx: RuleContext, target: Path) -> int:
    """Run ``rule`` and write its findings to the Parquet file ``target``; their count."""
    out = rule.check(ctx)
    con = ctx.con
    if isinstance(out, str):
        con.execute(f"CREATE OR REPLACE TEMP VIEW _rule_out AS {out}")
    elif isinstance(out, duckdb.DuckDBPyRelation):
        out.create_view("_rule_out", replace=True)
    elif isinstance(out, pd.DataFrame | pa.Table):
        con.register("_rule_out_data", out)
        con.execute("CREATE OR REPLACE TEMP VIEW _rule_out AS SELECT * FROM _rule_out_data")
    else:
        raise TypeError(f"{rule.id}.check() returned {type(out).__name__}, not SQL/relation/table")
    columns = ctx.columns("_rule_out")
    missing = {"url", "message", "evidence"} - columns
    if missing:
        raise TypeError(f"{rule.id}.check() result lacks column(s) {', '.join(sorted(missing))}")
    optional = {c: (c if c in columns else "NULL") for c in ("related_url", "key")}
    names = [f"'{_sql_text(v)}'" for v in (rule.id, rule.family, rule.effective_severity)]
    row = con.execute(
        f"""
        COPY (
            SELECT {names[0]} AS rule_id, {names[1]} AS family, {names[2]} AS severity,
                   url::VARCHAR AS url, message::VARCHAR AS message,
                   coalesce(evidence::VARCHAR, '') AS evidence,
                   {optional["related_url"]}::VARCHAR AS related_url, {optional["key"]}::VARCHAR AS key
            FROM _rule_out WHERE url IS NOT NULL
        ) TO '{_sql_text(str(target))}' (FORMAT parquet)
        """
    ).fetchone()
    con.execute("DROP VIEW IF EXISTS _rule_out")
    for (scratch,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, '_scratch_')"
    ).fetchall():
        con.execute(f'DROP TABLE "{scratch}"')
    if isinstance(out, pd.DataFrame | pa.Table):
        con.unregister("_rule_out_data")
    return int(row[0]) if row else 0


def _suppress(
    con: duckdb.DuckDBPyConnection, settings: Settings, rule_classes: Sequence[type[Rule]]
) -> int:
    """Drop findings whose URL matches an ``[audit.suppress]`` glob for their rule."""
    total = 0
    for rule_pattern, url_globs in settings.audit.suppress.items():
        ids = [r.id for r in rule_classes if rule_pattern == "*" or _matches(r, rule_pattern)]
        if not ids or not url_globs:
            continue
        where = " OR ".join("url GLOB ?" for _ in url_globs)
        placeholders = ", ".join("?" for _ in ids)
        row = con.execute(
            f"SELECT count(*) FROM _findings WHERE rule_id IN ({placeholders}) AND ({where})",
            [*ids, *url_globs],
        ).fetchall()
        con.execute(
            f"DELETE FROM _findings WHERE rule_id IN ({placeholders}) AND ({where})",
            [*ids, *url_globs],
        )
        total += int(row[0][0]) if row else 0
    return total


def _sorted(findings: pd.DataFrame) -> pd.DataFrame:
    order = findings["severity"].map(SEVERITY_RANK)
    return (
        findings.assign(_rank=order)
        .sort_values(["_rank", "rule_id", "url", "fingerprint"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


def compare(current: AuditResult, previous: AuditResult) -> AuditResult:
    """Mark each finding new or persisting, and add the baseline's findings this run fixed.

    A rule that did not run this time (skipped, deselected) fixes nothing.
    """
    ran = set(current.rules.loc[current.rules["status"] == "ran", "rule_id"])
    before = set(previous.findings["fingerprint"])
    now = current.findings.copy()
    now["change"] = ["persisting" if fp in before else "new" for fp in now["fingerprint"]]
    fixed = previous.findings[
        ~previous.findings["fingerprint"].isin(set(now["fingerprint"]))
        & previous.findings["rule_id"].isin(ran)
    ].copy()
    fixed["change"] = "fixed"
    merged = _sorted(pd.concat([now, fixed], ignore_index=True)) if len(fixed) else now
    return AuditResult(
        run=current.run,
        baseline=previous.run,
        findings=merged.reset_index(drop=True),
        scores=current.scores,
        rules=current.rules,
        suppressed=current.suppressed,
        stats=current.stats,
        notes=current.notes,
    )


def run_audit(
    run: Path,
    *,
    baseline: Path | None,
    rules: list[str] | str | None,
    skip_rules: list[str] | str | None,
    settings: Settings,
) -> AuditResult:
    skip = [*settings.audit.skip_rules]
    if skip_rules:
        skip += skip_rules.split(",") if isinstance(skip_rules, str) else list(skip_rules)
    selected = select_rules(rules, skip)
    result = evaluate(run, selected, settings, baseline=baseline)
    if baseline is not None:
        mapping, notes = origin_map(run, baseline)
        result.notes += notes
        result = compare(result, evaluate(baseline, selected, settings, rebase=mapping))
    counts = result.open_findings()["severity"].value_counts()
    result.stats = {
        "findings": len(result.open_findings()),
        **{f"{sev}s": int(counts.get(sev, 0)) for sev in SEVERITIES},
        "suppressed": result.suppressed,
        "rules_run": int((result.rules["status"] == "ran").sum()),
        "rules_skipped": int((result.rules["status"] == "skipped").sum()),
    }
    if baseline is not None:
        changes = result.findings["change"].value_counts()
        result.stats.update({change: int(changes.get(change, 0)) for change in CHANGES})
    return result
