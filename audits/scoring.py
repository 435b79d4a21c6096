"""Health score per audit family, 0-100, and an overall score weighted by family.

A page counts once per family, with the weight of its worst finding there
(``[audit.severity_weights]``): a family's score is 100 x (1 - penalty / pages),
so it reads as "share of pages clean in this family", discounted for lesser
severities, and cannot go below 0 however many findings one page collects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from searchops.settings import Settings


SCORE_COLUMNS = ["family", "score", "findings", "pages"]


def health_scores(
    findings: pd.DataFrame, pages: int, families: list[str], settings: Settings
) -> pd.DataFrame:
    weights = settings.audit.severity_weights
    rows = []
    for family in families:
        own = findings[findings["family"] == family]
        # astype(float): mapping an empty str column keeps the str dtype (and sums to '').
        weight = own["severity"].map(weights).astype(float).fillna(0.0)
        worst = own.assign(w=weight).groupby("url")["w"].max()
        penalty = float(worst.sum())
        score = 100.0 * max(0.0, 1.0 - penalty / pages) if pages else (100.0 if own.empty else 0.0)
        rows.append(
            {"family": family, "score": round(score, 1), "findings": len(own), "pages": pages}
        )
    scores = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    if len(scores):
        family_weights = scores["family"].map(settings.audit.family_weights).fillna(1.0)
        overall = float((scores["score"] * family_weights).sum() / family_weights.sum())
        overall_row = {
            "family": "overall",
            "score": round(overall, 1),
            "findings": int(scores["findings"].sum()),
            "pages": pages,
        }
        scores = pd.concat([scores, pd.DataFrame([overall_row])], ignore_index=True)
    return scores
