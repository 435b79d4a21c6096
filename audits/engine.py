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
import weakref
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
from audits.scoring import scores_from_counts
from searchops.console import PipedProgress, progress
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
class RuleGroup:
    """One rule's (open or counted) findings: counts, and the first rows in report order."""

    rule_id: str
    severity: str
    count: int
    new: int
    rows: pd.DataFrame  # the first rows (at most the limit asked), all FINDING_COLUMNS
    examples: list[str]  # distinct URLs in report order (at most the examples asked)


@dataclass
class AuditResult:
    """The outcome of one audit.

    ``findings``: one row per finding (:data:`FINDING_COLUMNS`); with a baseline,
    ``change`` is new | persisting | fixed (fixed rows come from the baseline). They live
    in the Parquet file ``findings_file`` (sorted: severity, rule, URL); the DataFrame is
    read from it on first use. Counts, scores, the CLI's tables and the CI formats are
    computed by DuckDB over the file, so an audit of millions of pages never holds its
    findings in memory unless a caller asks for the DataFrame.
    ``scores``: ``family, score (0-100), findings, pages``, plus ``family = "overall"``.
    ``rules``: per rule run ``rule_id, slug, family, severity, status (ran|skipped),
    reason, findings, seconds``.
    """

    run: Path
    baseline: Path | None
    findings_file: Path
    scores: pd.DataFrame
    rules: pd.DataFrame
    suppressed: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the reader must know (baseline hosts)
    db_config: dict[str, Any] = field(default_factory=dict)  # DuckDB limits for the queries
    _findings: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def findings(self) -> pd.DataFrame:
        if self._findings is None:
            self._findings = pd.read_parquet(self.findings_file)
        return self._findings

    def sql(self, query: str, params: Sequence[Any] = ()) -> duckdb.DuckDBPyConnection:
        """Run ``query`` with the view ``findings`` (plus ``position``, the row's place in
        report order) over the findings file, on a private connection."""
        return self._connect().execute(query, list(params))

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(config=self.db_config)
        con.execute(
            "CREATE VIEW findings AS SELECT * EXCLUDE (file_row_number), "
            "file_row_number AS position FROM "
            f"read_parquet('{_sql_text(str(self.findings_file))}', file_row_number = true)"
        )
        return con

    def _where(self, which: str) -> str:
        """SQL: the rows of ``which``: all, open (this run's) or counted (failing a build:
        the open ones, only the new ones with a baseline)."""
        if which == "all":
            return "true"
        open_rows = "coalesce(change, '') <> 'fixed'"
        if which == "counted" and self.baseline is not None:
            return f"{open_rows} AND change = 'new'"
        return open_rows

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
        if fail_on == "never":
            return 0
        if fail_on not in SEVERITY_RANK:
            raise SearchopsError(f"--fail-on {fail_on!r}: use error, warning or never")
        worse = [s for s in SEVERITIES if SEVERITY_RANK[s] <= SEVERITY_RANK[fail_on]]
        row = self.sql(
            f"SELECT count(*) FROM findings WHERE {self._where('counted')} "
            f"AND severity IN ({', '.join('?' for _ in worse)})",
            worse,
        ).fetchone()
        return 1 if row and row[0] else 0

    def rule_groups(
        self, which: str = "open", *, rows: int = 0, examples: int = 0
    ) -> list[RuleGroup]:
        """Per rule with findings among ``which`` (see :meth:`_where`), in report order: the
        count, the new ones, its first ``rows`` rows and first ``examples`` distinct URLs."""
        where = self._where(which)
        counts = self.sql(
            f"""
            SELECT rule_id, any_value(severity ORDER BY position), count(*),
                   count(*) FILTER (WHERE change = 'new')
            FROM findings WHERE {where} GROUP BY rule_id ORDER BY min(position)
            """
        ).fetchall()
        head = (  # through Arrow, as pd.read_parquet reads the file: the same dtypes
            self._connect()
            .sql(
                f"""
                WITH picked AS (  -- positions only: the window never holds whole rows
                    SELECT position FROM findings WHERE {where}
                    QUALIFY row_number() OVER (PARTITION BY rule_id ORDER BY position) <= {int(rows)}
                )
                SELECT * FROM findings WHERE position IN (SELECT position FROM picked)
                ORDER BY position
                """
            )
            .to_arrow_table()
            .to_pandas()
        )
        urls = self.sql(
            f"""
            SELECT rule_id, url FROM (
                SELECT rule_id, url, min(position) AS first FROM findings WHERE {where}
                GROUP BY rule_id, url
            )
            QUALIFY row_number() OVER (PARTITION BY rule_id ORDER BY first) <= {int(examples)}
            ORDER BY first
            """
        ).fetchall()
        listed: dict[str, list[str]] = {}
        for rule_id, url in urls:
            listed.setdefault(rule_id, []).append(url)
        by_rule = {rule_id: group for rule_id, group in head.groupby("rule_id", sort=False)}
        empty = head.iloc[0:0]
        return [
            RuleGroup(
                rule_id=rule_id,
                severity=severity,
                count=int(count),
                new=int(new),
                rows=by_rule.get(rule_id, empty)[list(FINDING_COLUMNS)].reset_index(drop=True),
                examples=listed.get(rule_id, []),
            )
            for rule_id, severity, count, new in counts
        ]


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
    # Each rule's findings go to a Parquet file of their own, never to memory: a site
    # whose every page has a finding or two (a site-wide template defect) holds millions
    # of them. DuckDB reads the parts back once, at the end, to write the one sorted
    # findings file the result reads from (spilling to disk as it sorts).
    spill = Path(tempfile.mkdtemp(prefix="searchops-findings-"))
    rules = instantiate(rule_classes, settings)
    # At a million pages an audit takes minutes: a bar on a terminal, a line every
    # [audit] progress_every_s in a pipe or CI log (at a rule's start: one rule may be long)
    piped = PipedProgress("audit", settings.audit.progress_every_s)
    found = 0
    try:
        with progress(transient=True) as bar:
            task = bar.add_task("audit", total=len(rules), status="")
            for number, rule in enumerate(rules):
                bar.update(task, status=rule.id)
                piped.tick(f"rule {number + 1} of {len(rules)} ({rule.id}), {found:,} findings")
                started, cpu = time.perf_counter(), time.process_time()
                reason = _skip_reason(rule, ctx)
                count = 0
                if reason is None:
                    try:
                        count = _collect(rule, ctx, spill / f"{number:04d}.parquet")
                    except Exception as exc:
                        exc.add_note(
                            f"while running audit rule {rule.id} ({type(rule).__module__})"
                        )
                        raise
                found += count
                statuses.append(_status(rule, reason, started))
                bar.advance(task)
                # CPU seconds of the whole process (DuckDB's threads included): on a shared
                # machine, the measure of a rule's cost that the load does not blur
                log.debug(
                    "%s: %d findings in %.2f s, %.2f CPU s",
                    rule.id,
                    count,
                    statuses[-1]["seconds"],
                    time.process_time() - cpu,
                )
        con.execute(_FINDINGS_DDL.format(name="_findings_none"))
        parts = (
            f"read_parquet('{_sql_text(str(spill))}/*.parquet')"
            if any(spill.glob("*.parquet"))
            else "_findings_none"
        )
        con.execute(f"CREATE OR REPLACE TEMP VIEW _findings AS SELECT * FROM {parts}")
        return _results(run, baseline, settings, rule_classes, ctx, rebase, statuses)
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def _findings_home() -> Path:
    """A private directory for a result's findings file (removed with the result)."""
    return Path(tempfile.mkdtemp(prefix="searchops-audit-result-"))


def _db_config(settings: Settings) -> dict[str, Any]:
    return {"threads": settings.audit.threads, "memory_limit": settings.audit.memory_limit}


# Report order: worst severity first, then rule, URL (fingerprint breaks ties).
_REPORT_ORDER = (
    "CASE severity "
    + " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in SEVERITY_RANK.items())
    + f" ELSE {len(SEVERITY_RANK)} END, rule_id, url, fingerprint"
)


def _new_result(run: Path, baseline: Path | None, home: Path, **fields: Any) -> AuditResult:
    # the result's queries spill (sorting millions of findings) beside its file
    fields["db_config"] = {**fields.get("db_config", {}), "temp_directory": str(home / "spill")}
    result = AuditResult(
        run=run, baseline=baseline, findings_file=home / "findings.parquet", **fields
    )
    weakref.finalize(result, shutil.rmtree, home, True)
    return result


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
    suppressed_sql = _suppressed(settings, rule_classes)
    row = con.execute(f"SELECT count(*) FROM _findings WHERE {suppressed_sql}").fetchone()
    suppressed = int(row[0]) if row else 0
    moved = {column: _rebased(column, rebase) for column in ("url", "related_url", "key")}
    home = _findings_home()
    target = home / "findings.parquet"
    # A finding met twice (two rules' parts never overlap, but one rule may report a URL
    # twice) is kept once; the smallest wording wins, so the choice is repeatable.
    con.execute(
        f"""
        COPY (
            SELECT rule_id, family, severity, url, message, evidence, related_url,
                   fingerprint, CAST(NULL AS VARCHAR) AS change
            FROM (
                SELECT DISTINCT ON (fingerprint) * FROM (
                    SELECT *, {_FINGERPRINT_SQL} AS fingerprint FROM (
                        SELECT * REPLACE ({moved["url"]} AS url,
                                          {moved["related_url"]} AS related_url,
                                          {moved["key"]} AS key)
                        FROM _findings WHERE NOT coalesce({suppressed_sql}, false)
                    )
                )
                ORDER BY fingerprint, message, evidence, related_url NULLS FIRST
            )
            ORDER BY {_REPORT_ORDER}
        ) TO '{_sql_text(str(target))}' (FORMAT parquet)
        """
    )
    source = f"read_parquet('{_sql_text(str(target))}')"
    per_rule = dict(
        con.execute(f"SELECT rule_id, count(*) FROM {source} GROUP BY rule_id").fetchall()
    )
    rules = pd.DataFrame(
        statuses, columns=["rule_id", "slug", "family", "severity", "status", "reason", "seconds"]
    )
    rules.insert(6, "findings", rules["rule_id"].map(per_rule).fillna(0).astype(int))
    ctx.ensure("html_pages")
    pages = int(con.execute("SELECT count(*) FROM html_pages").fetchall()[0][0])
    ran_families = sorted(set(rules.loc[rules["status"] == "ran", "family"]))
    scores = scores_from_counts(
        *_score_counts(con, source), pages, ran_families, settings, _populations(ctx)
    )
    return _new_result(
        run,
        baseline,
        home,
        scores=scores,
        rules=rules,
        suppressed=suppressed,
        db_config=_db_config(settings),
    )


def _score_counts(
    con: duckdb.DuckDBPyConnection, source: str
) -> tuple[list[dict[str, Any]], dict[str, tuple[int, int]], int]:
    """What the health scores need, counted by DuckDB: per rule its severities and
    affected URLs, per family its findings and affected URLs, and all affected URLs."""
    per_rule = [
        {"family": family, "rule_id": rule_id, "severities": list(severities), "affected": affected}
        for family, rule_id, severities, affected in con.execute(
            f"SELECT family, rule_id, list(DISTINCT severity), count(DISTINCT url) FROM {source} "
            "GROUP BY family, rule_id ORDER BY family, rule_id"
        ).fetchall()
    ]
    per_family = {
        family: (int(count), int(affected))
        for family, count, affected in con.execute(
            f"SELECT family, count(*), count(DISTINCT url) FROM {source} GROUP BY family"
        ).fetchall()
    }
    row = con.execute(f"SELECT count(DISTINCT url) FROM {source}").fetchone()
    return per_rule, per_family, int(row[0]) if row else 0


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


def _suppressed(settings: Settings, rule_classes: Sequence[type[Rule]]) -> str:
    """SQL: the finding's URL matches an ``[audit.suppress]`` glob for its rule."""
    terms = []
    for rule_pattern, url_globs in settings.audit.suppress.items():
        ids = [r.id for r in rule_classes if rule_pattern == "*" or _matches(r, rule_pattern)]
        if not ids or not url_globs:
            continue
        globs = " OR ".join(f"url GLOB '{_sql_text(g)}'" for g in url_globs)
        listed = ", ".join(f"'{_sql_text(i)}'" for i in ids)
        terms.append(f"(rule_id IN ({listed}) AND ({globs}))")
    return "(" + " OR ".join(terms) + ")" if terms else "false"


def _rebased(column: str, mapping: dict[str, str]) -> str:
    """SQL: ``column`` with each baseline origin moved onto this run's (in mapping order)."""
    expr = column
    for old, new in mapping.items():
        o, n = _sql_text(old), _sql_text(new)
        expr = (
            f"(CASE WHEN {expr} = '{o}' OR starts_with({expr}, '{o}/') OR starts_with({expr}, '{o}?') "
            f"THEN '{n}' || substr({expr}, {len(old) + 1}) ELSE {expr} END)"
        )
    return expr


def compare(current: AuditResult, previous: AuditResult) -> AuditResult:
    """Mark each finding new or persisting, and add the baseline's findings this run fixed.

    A rule that did not run this time (skipped, deselected) fixes nothing.
    """
    ran = sorted(set(current.rules.loc[current.rules["status"] == "ran", "rule_id"]))
    home = _findings_home()
    now = f"read_parquet('{_sql_text(str(current.findings_file))}')"
    before = f"read_parquet('{_sql_text(str(previous.findings_file))}')"
    listed = ", ".join(f"'{_sql_text(r)}'" for r in ran) or "NULL"
    con = duckdb.connect(config=current.db_config)
    try:
        con.execute(
            f"""
            COPY (
                SELECT * FROM (
                    SELECT * REPLACE (CASE WHEN fingerprint IN (SELECT fingerprint FROM {before})
                                           THEN 'persisting' ELSE 'new' END AS change)
                    FROM {now}
                    UNION ALL
                    SELECT * REPLACE ('fixed' AS change) FROM {before}
                    WHERE fingerprint NOT IN (SELECT fingerprint FROM {now})
                      AND rule_id IN ({listed})
                )
                ORDER BY {_REPORT_ORDER}
            ) TO '{_sql_text(str(home / "findings.parquet"))}' (FORMAT parquet)
            """
        )
    finally:
        con.close()
    return _new_result(
        current.run,
        previous.run,
        home,
        scores=current.scores,
        rules=current.rules,
        suppressed=current.suppressed,
        stats=current.stats,
        notes=current.notes,
        db_config=current.db_config,
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
    counts = dict(
        result.sql(
            f"SELECT severity, count(*) FROM findings WHERE {result._where('open')} GROUP BY severity"
        ).fetchall()
    )
    result.stats = {
        "findings": sum(counts.values()),
        **{f"{sev}s": int(counts.get(sev, 0)) for sev in SEVERITIES},
        "suppressed": result.suppressed,
        "rules_run": int((result.rules["status"] == "ran").sum()),
        "rules_skipped": int((result.rules["status"] == "skipped").sum()),
    }
    if baseline is not None:
        changes = dict(
            result.sql("SELECT change, count(*) FROM findings GROUP BY change").fetchall()
        )
        result.stats.update({change: int(changes.get(change, 0)) for change in CHANGES})
    return result
