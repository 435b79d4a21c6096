"""Per-keyword response models as the bidding code consumes them.

:class:`KeywordModels` wraps one DataFrame, one row per keyword, with these columns
(daily units, account currency):

=====================  ============================================================
customer_id, campaign_id, ad_group_id, criterion_id   ids (Google's)
campaign, ad_group, keyword, match_type, final_url, item_id, category   labels
cpc_bid                current max CPC bid
clicks                 clicks in the fitted history (data sufficiency)
a, a_se                click-curve scale (clicks/day at bid 1) and its standard error
elasticity, elasticity_se   click-curve elasticity and its standard error
elasticity_down, elasticity_up (+ ``_se``)   mean log slope of clicks/day below / above
                       cpc_bid (``sem.roi.monotone``; default: elasticity both sides)
click_ceiling          clicks/day at saturation (inf when unknown)
cpc_ratio              avg CPC / max CPC at cpc_bid
cpc_exponent           how CPC moves with the bid: ``cpc = cpc_ratio * cpc_bid * (bid / cpc_bid)
                       ** cpc_exponent`` (1: proportional to the bid, the default)
cpc_exponent_down, cpc_exponent_up (+ ``_se``)   the same for CPC (default: cpc_exponent)
cvr, cvr_lo, cvr_hi    conversion rate and its interval
value_per_conversion, value_lo, value_hi   order value and its interval
=====================  ============================================================

:func:`from_roi` builds it from ``sem.roi.fit_models`` output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bidding.optimizer import ResponseCurves

REQUIRED = (
    "criterion_id",
    "ad_group_id",
    "cpc_bid",
    "clicks",
    "a",
    "elasticity",
    "click_ceiling",
    "cpc_ratio",
    "cvr",
    "value_per_conversion",
)
OPTIONAL_DEFAULTS: dict[str, str | int | float | None] = {
    "customer_id": "",
    "campaign_id": 0,
    "campaign": "",
    "ad_group": "",
    "keyword": "",
    "match_type": "EXACT",
    "final_url": None,
    "item_id": None,
    "category": "",
    "a_se": 0.0,
    "elasticity_se": 0.0,
    "cpc_exponent": 1.0,
}


@dataclass(frozen=True)
class KeywordModels:
    frame: pd.DataFrame

    def __post_init__(self) -> None:
        missing = [c for c in REQUIRED if c not in self.frame.columns]
        if missing:
            raise ValueError(f"keyword models lack columns: {', '.join(missing)}")
        # Copy-on-write (pandas 3): the columns added below never reach the caller's frame,
        # and the keyword columns are not copied (a 1,000,000-keyword fit is 660 MB).
        frame = self.frame.reset_index(drop=True)
        for col, default in OPTIONAL_DEFAULTS.items():
            if col not in frame.columns:
                frame[col] = default
        # a frame with power curves only: their slopes on both sides of today's bid
        for side in ("down", "up"):
            for name in ("elasticity", "cpc_exponent"):
                if f"{name}_{side}" not in frame.columns:
                    frame[f"{name}_{side}"] = frame[name]
                    frame[f"{name}_{side}_se"] = frame.get(f"{name}_se", 0.0)
        for col, lo_hi in (
            ("cvr", ("cvr_lo", "cvr_hi")),
            ("value_per_conversion", ("value_lo", "value_hi")),
        ):
            for bound in lo_hi:
                if bound not in frame.columns:
                    frame[bound] = frame[col]
        # The fit's diagnostics (sem.roi, attrs) are not needed here, and pandas deep-copies a
        # frame's attrs into every column or rows taken from it: ~4 ms a column read, thousands
        # of reads a large account (issue 21 item 3).
        frame.attrs = {}
        object.__setattr__(self, "frame", frame)

    def __len__(self) -> int:
        return len(self.frame)

    def col(self, name: str, rows: slice | None = None) -> np.ndarray:
        """Column ``name`` as floats (NA as NaN); ``rows``: only those (a block of keywords:
        converting the whole column for each block would cost keywords x blocks)."""
        column = self.frame[name]
        if rows is not None:
            column = column.iloc[rows]
        return column.to_numpy(dtype=float, na_value=np.nan)

    @property
    def current_bid(self) -> np.ndarray:
        return self.col("cpc_bid")

    def value_per_click(self) -> np.ndarray:
        return np.nan_to_num(self.col("cvr") * self.col("value_per_conversion"))

    def curves(self, value_per_click: np.ndarray | None = None) -> ResponseCurves:
        ceiling = self.col("click_ceiling")
        return ResponseCurves(
            scale=np.nan_to_num(self.col("a")),
            elasticity=np.clip(np.nan_to_num(self.col("elasticity")), 0.0, None),
            ceiling=np.where(np.isfinite(ceiling) & (ceiling > 0), ceiling, np.inf),
            cpc_ratio=np.clip(np.nan_to_num(self.col("cpc_ratio"), nan=1.0), 1e-3, 1.0),
            value_per_click=self.value_per_click() if value_per_click is None else value_per_click,
            cpc_exponent=np.nan_to_num(self.col("cpc_exponent"), nan=1.0),
            reference_bid=np.where(self.current_bid > 0, self.current_bid, 1.0),
        )

    def take(self, index: np.ndarray) -> KeywordModels:
        index = np.asarray(index)
        if len(index) == len(self) and (index == np.arange(len(self))).all():
            return self  # every keyword in order: no copy of the frame
        return KeywordModels(self.frame.iloc[index].reset_index(drop=True))


SIDE_COLUMNS = tuple(
    f"{name}_{side}{se}"
    for name in ("elasticity", "cpc_exponent")
    for side in ("down", "up")
    for se in ("", "_se")
)


def from_roi(fit: pd.DataFrame, curve: str = "monotone") -> KeywordModels:
    """:class:`KeywordModels` from ``sem.roi.fit_models`` output (enabled keywords only).
    ``curve`` ``power``: bids are chosen on the power curves (``elasticity``, ``cpc_exponent``
    both sides of today's bid) instead of the monotone curves' slopes (``[bidding]
    response_curve``)."""
    if curve == "power":
        fit = fit.drop(columns=[c for c in SIDE_COLUMNS if c in fit.columns])
    frame = fit.rename(
        columns={
            "current_bid": "cpc_bid",
            "value_per_conversion_lo": "value_lo",
            "value_per_conversion_hi": "value_hi",
        }
    )
    if "status" in frame.columns:
        enabled = frame["status"].fillna("ENABLED").eq("ENABLED")
        if not enabled.all():  # a filter copies every column: only when it drops a row
            frame = frame[enabled]
    return KeywordModels(frame)
