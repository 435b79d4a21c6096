"""Read the workspace tables into the report's sections: aggregates and top-N only.

Each ``load_*`` function is a pure function of the workspace tables. It returns
the section's data, or a :class:`Missing` saying why the section is empty (the
stage has not run in this workspace yet, or wrote a table without the columns the
report needs), so the report always renders. The heavy lifting (grouping
millions of findings, weekly sums of daily keyword rows) runs inside DuckDB;
only a few hundred numbers and strings ever reach Python.
"""

from reports.sections.ai_access import AiAccess, load_ai_access
from reports.sections.common import SITE_KINDS, Missing, Trend, clip, columns, report_weeks
from reports.sections.paid import Bids, Coverage, Sem, load_bids, load_coverage, load_sem
from reports.sections.products import Products, load_products
from reports.sections.site import (
    P75_METRICS,
    Findings,
    Health,
    RuleChange,
    TemplateSample,
    Vitals,
    load_findings,
    load_health,
    load_vitals,
)

__all__ = [
    "P75_METRICS",
    "SITE_KINDS",
    "AiAccess",
    "Bids",
    "Coverage",
    "Findings",
    "Health",
    "Missing",
    "Products",
    "RuleChange",
    "Sem",
    "TemplateSample",
    "Trend",
    "Vitals",
    "clip",
    "columns",
    "load_ai_access",
    "load_bids",
    "load_coverage",
    "load_findings",
    "load_health",
    "load_products",
    "load_sem",
    "load_vitals",
    "report_weeks",
]
