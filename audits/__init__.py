"""The rule engine and the SEO rules: one rule per module, pure functions of recorded facts.

Python API::

    import audits
    result = audits.audit("runs/crawl-...", baseline="runs/crawl-prev", workspace=ws)
    result.findings   # DataFrame: rule_id, family, severity, url, message, evidence,
                      #   related_url, fingerprint, change (new|persisting|fixed with a baseline),
                      #   read on first use from result.findings_file (Parquet, report order)
    result.sql("SELECT rule_id, count(*) FROM findings GROUP BY ALL").fetchall()
                      # DuckDB over the findings file: millions of findings, no DataFrame
    result.rule_groups("open", rows=5, examples=3)   # per rule: count, new, first rows, URLs
    result.scores     # DataFrame: family, score (0-100), findings, pages (+ "overall")
    result.rules      # DataFrame: rule_id, slug, family, severity, status (ran|skipped), reason,
                      #   findings, seconds
    result.exit_code("error")   # 1 when findings at/above error (only new ones with a baseline)
    audits.rules_table()        # DataFrame of every rule's metadata

``audit`` writes ``RUN/findings.parquet`` and, given a workspace, the ``findings`` and
``health_scores`` tables and a ``runs`` row of kind ``audit`` (see :mod:`audits.store`).
Rules live in ``audits/rules/<family>/``; how to add one: :mod:`audits.rules`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AuditResult", "Rule", "all_rules", "audit", "rules_table", "select_rules"]

# Lazy: ``searchops.settings`` imports ``audits.config`` at every CLI start, which must
# not drag in DuckDB, pandas and the rule set.
_EXPORTS = {
    "AuditResult": "audits.engine",
    "Rule": "audits.rule",
    "all_rules": "audits.registry",
    "select_rules": "audits.registry",
    "audit": "audits.api",
    "rules_table": "audits.api",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'audits' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
