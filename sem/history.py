"""What a report cannot say directly: the daily bid series and the conversions still to come.

* :func:`daily_bids`: the Google Ads API reports attributes as they are now, so keyword_view
  shows today's max CPC on every date. The bid in effect on a past day is rebuilt from the
  account's change history (change_event: each bid change with its old and new value and
  its time): the day's time-weighted mean bid.
* :func:`lag_curve` / :func:`add_lag_adjustment`: conversions are reported on the day of the
  click, so recent days are under-counted until late conversions arrive. The lag curve is
  estimated with the chain-ladder method of insurance claims reserving (Mack 1993,
  "Distribution-free calculation of the standard error of chain ladder reserve estimates")
  on conversions by click day and conversion lag bucket (``segments.conversion_lag_bucket``):
  each development factor compares click days old enough to have completed both ends of
  a lag step, so short histories and recent days are used without bias. Conversions later
  than the oldest click day in the sample are assumed negligible.
"""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pandas as pd

# segments.conversion_lag_bucket: [start, end) in days after the click.
LAG_BUCKETS: dict[str, tuple[int, int]] = {
    "LESS_THAN_ONE_DAY": (0, 1), "ONE_TO_TWO_DAYS": (1, 2), "TWO_TO_THREE_DAYS": (2, 3),
    "THREE_TO_FOUR_DAYS": (3, 4), "FOUR_TO_FIVE_DAYS": (4, 5), "FIVE_TO_SIX_DAYS": (5, 6),
    "SIX_TO_SEVEN_DAYS": (6, 7), "SEVEN_TO_EIGHT_DAYS": (7, 8), "EIGHT_TO_NINE_DAYS": (8, 9),
    "NINE_TO_TEN_DAYS": (9, 10), "TEN_TO_ELEVEN_DAYS": (10, 11),
    "ELEVEN_TO_TWELVE_DAYS": (11, 12), "TWELVE_TO_THIRTEEN_DAYS": (12, 13),
    "THIRTEEN_TO_FOURTEEN_DAYS": (13, 14), "FOURTEEN_TO_TWENTY_ONE_DAYS": (14, 21),
    "TWENTY_ONE_TO_THIRTY_DAYS": (21, 30), "THIRTY_TO_FORTY_FIVE_DAYS": (30, 45),
    "FORTY_FIVE_TO_SIXTY_DAYS": (45, 60), "SIXTY_TO_NINETY_DAYS": (60, 90),
}  # fmt: skip
_POINTS = np.array(sorted({end for _, end in LAG_BUCKETS.values()}))


def daily_bids(
    daily: pd.DataFrame,
    current_bid: pd.Series,
    changes: pd.DataFrame,
    known_from: pd.Timestamp | None,
) -> np.ndarray:
    """The max CPC in effect on each row's ``date`` (aligned with ``daily``'s rows).

    ``current_bid`` by criterion id; ``changes`` has criterion_id, changed_at, old_bid,
    new_bid (NaN old_bid: created then). Days before ``known_from`` (the start of the change
    history) are NaN: a change before it may have set any bid. A keyword without changes kept
    its current bid over the whole history.
    """
    out = np.full(len(daily), np.nan)
    if known_from is None or daily.empty:
        return out
    rows = pd.DataFrame(
        {
            "criterion_id": daily["criterion_id"].astype("int64").to_numpy(),
            "date": pd.to_datetime(daily["date"]).to_numpy(),
            "row": np.arange(len(daily)),
        }
    )
    rows = rows[rows["date"] >= known_from]
    ch = changes.dropna(subset=["new_bid"]).astype({"criterion_id": "int64"})
    ch = ch.assign(changed_at=pd.to_datetime(ch["changed_at"])).sort_values("changed_at")
    before = pd.merge_asof(
        rows.sort_values("date"),
        ch[["changed_at", "criterion_id", "new_bid"]].rename(columns={"new_bid": "prior"}),
        left_on="date",
        right_on="changed_at",
        by="criterion_id",
        direction="backward",
        allow_exact_matches=False,
    )
    first_old = ch.groupby("criterion_id")["old_bid"].first()
    has_changes = before["criterion_id"].isin(first_old.index)
    start = before["prior"].where(
        before["prior"].notna(),
        np.where(
            has_changes,
            before["criterion_id"].map(first_old),
            before["criterion_id"].map(current_bid),
        ),
    )
    # Changes during the day move the mean by (new - old) x the share of the day left.
    day = ch["changed_at"].dt.normalize()
    left = 1 - (ch["changed_at"] - day) / pd.Timedelta(days=1)
    step = (ch["new_bid"] - ch["old_bid"].fillna(ch["new_bid"])) * left
    within = step.groupby([ch["criterion_id"], day]).sum()
    last_new = ch.groupby([ch["criterion_id"], day])["new_bid"].last()
    key = pd.MultiIndex.from_arrays([before["criterion_id"], before["date"]])
    mean = start.to_numpy(float) + within.reindex(key).fillna(0).to_numpy()
    # Created during the day: no bid before, the new one after.
    created = np.isnan(start.to_numpy(float))
    mean[created] = last_new.reindex(key).to_numpy()[created]
    out[before["row"].to_numpy()] = mean
    return out


def lag_curve(buckets: pd.DataFrame, today: date) -> pd.DataFrame:
    """Chain-ladder completeness by days since the click.

    ``buckets``: date (click day), bucket (a conversion_lag_bucket name), conversions.
    Returns lag_days (the development points: 1..14, 21, 30, 45, 60, 90 days), completeness
    (share of eventual conversions reported that many days after the click), share (of
    conversions in the step ending there), sample_conversions; empty without data.
    """
    frame = buckets[buckets["bucket"].isin(LAG_BUCKETS)]
    if frame.empty or frame["conversions"].sum() <= 0:
        return pd.DataFrame(columns=["lag_days", "completeness", "share", "sample_conversions"])
    ends = frame["bucket"].map(lambda b: LAG_BUCKETS[b][1]).to_numpy()
    days = pd.to_datetime(frame["date"]).dt.normalize()
    age = (pd.Timestamp(today) - days).dt.days.to_numpy()
    # Cumulative conversions with lag < x per click day, for each development point x.
    cum = pd.DataFrame(
        {f"{x}": np.where(ends <= x, frame["conversions"].to_numpy(float), 0.0) for x in _POINTS}
    )
    cum["date"], cum["age"] = days.to_numpy(), age
    per_day = cum.groupby("date").agg({"age": "first", **{f"{x}": "sum" for x in _POINTS}})
    factors = []
    for lo, hi in itertools.pairwise(_POINTS):
        mature = per_day[per_day["age"] >= hi]
        base = mature[f"{lo}"].sum()
        factors.append(mature[f"{hi}"].sum() / base if base > 0 else 1.0)
    factors.append(1.0)  # beyond the last point: assumed complete
    tail = np.cumprod(np.array(factors)[::-1])[::-1]  # development still to come after x
    completeness = 1.0 / tail
    share = np.diff(np.concatenate([[0.0], completeness]))
    return pd.DataFrame(
        {
            "lag_days": _POINTS,
            "completeness": completeness,
            "share": share,
            "sample_conversions": float(frame["conversions"].sum()),
        }
    )


def completeness_at(curve: pd.DataFrame, age_days: np.ndarray) -> np.ndarray:
    """Completeness after ``age_days`` days (linear between points, 0 at 0, 1 past the end)."""
    if curve.empty:
        return np.full(len(age_days), np.nan)
    x = np.concatenate([[0], curve["lag_days"].to_numpy(float)])
    y = np.concatenate([[0.0], curve["completeness"].to_numpy(float)])
    return np.interp(np.asarray(age_days, float), x, y, right=1.0)


def add_lag_adjustment(
    frame: pd.DataFrame, curve: pd.DataFrame, today: date, min_completeness: float
) -> pd.DataFrame:
    """``frame`` (date, conversions, conversions_value) with conversion_completeness and the
    adjusted conversions and value (NaN where completeness < ``min_completeness``)."""
    age = (pd.Timestamp(today) - pd.to_datetime(frame["date"])).dt.days.to_numpy()
    done = completeness_at(curve, age)
    ok = done >= min_completeness
    scale = np.where(ok, 1.0 / np.where(ok, done, 1.0), np.nan)
    return frame.assign(
        conversion_completeness=done,
        conversions_adjusted=frame["conversions"].to_numpy(float) * scale,
        conversions_value_adjusted=frame["conversions_value"].to_numpy(float) * scale,
    )
