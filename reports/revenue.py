"""Lag-adjusted weekly paid search revenue, with a range: the report's revenue model.

Google reports a conversion on the day of its click, so the last days of a week are
under-counted until their late conversions arrive (``sem_conversion_lag``). Each daily row
holds ``conversion_completeness`` c, the lag curve's share of a click day's eventual
conversions reported by the pull; the estimate of its eventual value is ``value / c``: the
pull's own ``conversions_value_adjusted`` (computed here too where the pull left it NULL
for being under ``[sem] conversion_lag_min_completeness``: the range then says how little
that scaling is worth). Rows without a completeness count as complete.

The range of a week's eventual revenue adds two uncertainties, per account and click day
(``d``: reported value ``R``, conversions ``N``, completeness ``c``):

* conversions still to come are random: with ``N`` of a Poisson total seen at rate ``c``
  (a Gamma posterior for the total, flat prior), the count still to come has variance
  ``(N + 1)(1 - c) / c**2``; each is worth the day's value per conversion ``R / N`` with
  coefficient of variation ``[report] order_value_cv``, so the value to come has variance
  ``(N + 1)(1 - c) / c**2 * (R / N)**2 * (1 + cv**2)``;
* the lag curve is estimated: its completeness at a day is a share of the curve's
  ``sample_conversions`` S, standard error ``sqrt(c (1 - c) / S)``, which moves ``R / c`` by
  ``R / c**2`` times that. One curve serves every day, so these errors are added up as if
  fully correlated (the conservative choice) before squaring.

The estimate's range is normal at ``[report] revenue_interval_level``, its lower end never
below what is already reported; the week-over-week change's range combines both weeks'
variances as independent (their curve errors partly cancel in a difference: conservative
again). What the range does not cover: a lag curve that shifts (a sale week's buyers decide
faster), conversions removed after the fact, and tracking outages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist

import duckdb

# A daily row's eventual value: the pull's adjusted value, or value / completeness.
ESTIMATE = (
    "CASE WHEN coalesce(conversion_completeness, 1) > 0 "
    "THEN {col} / coalesce(conversion_completeness, 1) ELSE {col} END"
)
LAG_COLUMNS = {"conversion_completeness"}


@dataclass(frozen=True)
class WeekRevenue:
    """One week's paid search revenue: reported so far, estimated eventual, and its spread."""

    week: date
    reported: float
    estimate: float
    variance: float  # of the estimate (see the module docstring)

    @property
    def pending(self) -> float:
        """Revenue still expected from the week's clicks."""
        return self.estimate - self.reported

    def interval(self, level: float) -> tuple[float, float]:
        half = _z(level) * math.sqrt(self.variance)
        return max(self.reported, self.estimate - half), self.estimate + half


def change_interval(
    current: WeekRevenue, previous: WeekRevenue, level: float
) -> tuple[float, float]:
    """Range of ``current.estimate - previous.estimate`` at ``level``."""
    change = current.estimate - previous.estimate
    half = _z(level) * math.sqrt(current.variance + previous.variance)
    return change - half, change + half


def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def weekly(
    con: duckdb.DuckDBPyConnection, daily_sql: str, order_value_cv: float, has_curve: bool
) -> dict[date, WeekRevenue]:
    """Per week (Monday): reported and lag-adjusted revenue and the estimate's variance.

    ``daily_sql`` selects ``source, date, conversions, conversions_value,
    conversion_completeness`` rows (keyword and shopping days of every account);
    ``has_curve``: the workspace has ``sem_conversion_lag`` (its ``sample_conversions``
    size the curve's error; without it only the late conversions' randomness counts).
    """
    curve = (
        "(SELECT source, max(sample_conversions) AS sample FROM sem_conversion_lag GROUP BY 1)"
        if has_curve
        else "(SELECT NULL::VARCHAR AS source, NULL::DOUBLE AS sample)"
    )
    rows = con.execute(
        f"""
        WITH d AS ({daily_sql}),
        day AS (
            SELECT source, date, coalesce(conversion_completeness, 1) AS c,
                   sum(conversions_value) AS r, sum(conversions) AS n,
                   sum({ESTIMATE.format(col="conversions_value")}) AS e
            FROM d GROUP BY ALL
        ),
        late AS (
            SELECT date_trunc('week', date)::DATE AS week, source, r, e,
                   CASE WHEN c > 0 AND c < 1 AND n > 0
                        THEN (n + 1) * (1 - c) / (c * c) * (r / n) * (r / n) * (1 + ? * ?)
                        ELSE 0 END AS process,
                   CASE WHEN c > 0 AND c < 1 AND sample > 0
                        THEN r / (c * c) * sqrt(c * (1 - c) / sample) ELSE 0 END AS curve_sd
            FROM day LEFT JOIN {curve} USING (source)
        ),
        per_source AS (
            SELECT week, source, sum(r) AS r, sum(e) AS e, sum(process) AS process,
                   sum(curve_sd) AS curve_sd
            FROM late GROUP BY ALL
        )
        SELECT week, sum(r), sum(e), sum(process + curve_sd * curve_sd)
        FROM per_source GROUP BY 1 ORDER BY 1
        """,
        [order_value_cv, order_value_cv],
    ).fetchall()
    return {
        week: WeekRevenue(week, float(r or 0), float(e or 0), float(v or 0))
        for week, r, e, v in rows
    }
