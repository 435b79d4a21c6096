"""The AI-search access section: the newest ``searchops ai-access`` check of each site."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from reports.config import ReportConfig
from reports.sections.common import Missing, clip, require

# What a purpose means to a reader who does not know the crawlers.
PURPOSE_WORDS = {
    "search": "search results and AI answers",
    "user": "pages an assistant opens for a person",
    "training": "AI model training",
}


@dataclass
class AiAccess:
    """Per site: crawlers checked, those treated against the policy, and /llms.txt."""

    checked_at: str
    sites: int
    crawlers: int
    against_policy: int
    problems: list[dict[str, Any]] = field(default_factory=list)  # fail and notice rows
    llms: list[str] = field(default_factory=list)  # "site: present (N bytes)" lines


def load_ai_access(
    con: duckdb.DuckDBPyConnection, weeks: list[date], cfg: ReportConfig
) -> AiAccess | Missing:
    """The newest check of each site (``ai_access`` table written by ``searchops ai-access``)."""
    absent = Missing("No AI-search access check in this workspace yet (run searchops ai-access).")
    needed = {
        "checked_at",
        "site",
        "crawler",
        "purpose",
        "verdict",
        "severity",
        "message",
        "server",
    }
    if problem := require(con, "ai_access", needed, absent):
        return problem
    rows = con.execute(
        """
        WITH newest AS (
            SELECT * FROM ai_access
            QUALIFY checked_at = max(checked_at) OVER (PARTITION BY site)
        )
        SELECT strftime(max(checked_at) OVER (), '%Y-%m-%d %H:%M UTC'), site, crawler, purpose,
               verdict, severity, message, server
        FROM newest ORDER BY site, severity = 'error' DESC, verdict, crawler
        """
    ).fetchall()
    report = AiAccess(checked_at=rows[0][0], sites=len({r[1] for r in rows}), crawlers=0,
                      against_policy=0)  # fmt: skip
    for _when, site, crawler, purpose, verdict, severity, message, server in rows:
        if crawler == "llms.txt":
            report.llms.append(clip(f"{site}: {server}", cfg.text_limit))
            continue
        report.crawlers += 1
        if verdict in ("fail", "notice"):
            report.against_policy += verdict == "fail"
            report.problems.append(
                {
                    "site": clip(site, cfg.text_limit),
                    "crawler": clip(crawler, 40),
                    "purpose": PURPOSE_WORDS.get(purpose, clip(purpose, 40)),
                    "severity": severity,
                    "message": clip(message, cfg.text_limit),
                }
            )
    report.problems = report.problems[: cfg.top_items]
    return report
