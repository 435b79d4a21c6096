"""``bid apply``: send reviewed bids to Google Ads, safely, idempotently, resumably.

Through ``AdGroupCriterionService.MutateAdGroupCriteria`` with ``partial_failure`` (one bad
keyword never blocks the rest) and ``validate_only`` unless ``execute=True``. Before anything
is sent:

1. the file's bids (Editor CSV from ``bid recommend``, or its JSON) are compared with the
   account's *current* bids, read through ``GoogleAdsService.SearchStream``;
2. keywords already at their new bid, or already applied from the same file (same plan id in
   the journal), are skipped: re-running applies nothing twice;
3. every bid is re-checked against the guardrails (step cap from the account's current bid,
   floor, ceiling, no increase on out-of-stock products or failing landing pages, no move on
   keywords the latest recommendation held for lack of data, no bid on a keyword whose
   campaign uses Smart Bidding: its strategy ignores the max CPC); violations are rejected.

A row with Status ``Paused`` (JSON: ``action`` ``pause``) is a status change, sent as an
``AdGroupCriterionOperation`` update of ``status`` = PAUSED (update mask ``status``), never as a
bid. It is rejected unless the workspace still flags the keyword (product out of stock or
landing page failing in the latest crawl, or the latest recommendation pauses it for spending
without converting: ``PAUSE_NO_CONVERSIONS``), and past ``[bidding.guardrails]`` ``max_pauses`` /
``max_pause_share`` (of the account's enabled keywords) per file; a keyword already paused is
skipped.

Every operation is journaled in the workspace table ``bid_journal``: plan_id (sha256 of the
file), mode (validate|execute), logged_at, customer_id, ad_group_id, criterion_id, keyword,
old_bid, new_bid (equal on a pause), action (set_bid|pause; added to older journals), result (pending|applied|validated|failed|rejected|skipped), error. Rows are written ``pending`` before a batch is sent and settled after; a run
interrupted in between is reconciled on the next run from the account's bids (a pending
change the account already shows is marked applied, never sent again).

:func:`check_offline` runs the same checks with no API and no account: against the current
bids the workspace recorded (the last ``sem pull`` / import), nothing sent, nothing journaled.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bidding.config import BiddingConfig
from bidding.data import keyword_flags
from bidding.guardrails import Bounds, violations
from searchops.errors import SearchopsError
from searchops.workspace import Workspace
from sem.ads_api import SMART_BIDDING_STRATEGIES, RetryPolicy, stream_rows, with_retries

API_VERSION = "v26"
MICROS = 1_000_000
JOURNAL = "bid_journal"
_JOURNAL_DDL = f"""
CREATE TABLE IF NOT EXISTS {JOURNAL} (
    plan_id VARCHAR, mode VARCHAR, logged_at TIMESTAMP, customer_id VARCHAR, ad_group_id BIGINT,
    criterion_id BIGINT, keyword VARCHAR, old_bid DOUBLE, new_bid DOUBLE, result VARCHAR,
    error VARCHAR, action VARCHAR
)"""
# Journals written before pauses existed lack the column.
_JOURNAL_MIGRATE = f"ALTER TABLE {JOURNAL} ADD COLUMN IF NOT EXISTS action VARCHAR"
_PLAN_COLUMNS = ["customer_id", "ad_group_id", "criterion_id", "keyword", "new_bid", "action"]
_RESULT_COLUMNS = [
    "criterion_id", "ad_group_id", "keyword", "action", "old_bid", "new_bid", "result", "error",
]  # fmt: skip


@dataclass
class ApplyReport:
    plan_id: str
    mode: str
    results: (
        pd.DataFrame
    )  # one row per planned keyword: criterion_id, old_bid, new_bid, result, error

    def counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.results["result"].value_counts().items()}


def read_plan(path: Path) -> tuple[str, pd.DataFrame]:
    """(plan id, rows: customer_id, ad_group_id, criterion_id, keyword, new_bid, action).

    ``action`` is ``pause`` for a row whose Status is Paused (its new_bid NaN), else
    ``set_bid``."""
    if not path.is_file():
        raise SearchopsError(f"{path}: no such file")
    raw = path.read_bytes()
    plan_id = hashlib.sha256(raw).hexdigest()[:16]
    try:
        if path.suffix.lower() == ".json":
            recs = pd.DataFrame(json.loads(raw)["recommendations"])
            if "action" in recs.columns:
                recs = recs[recs["action"].isin(["set_bid", "pause"])].copy()
                recs.loc[recs["action"] == "pause", "new_bid"] = np.nan
            else:
                recs = recs[(recs["new_bid"] - recs["current_bid"]).abs() > 0.005]
                recs = recs.assign(action="set_bid")
            frame = recs[_PLAN_COLUMNS]
        else:
            csv = pd.read_csv(path, dtype={"Customer ID": str})
            missing = {"Customer ID", "Ad group ID", "Keyword ID", "Max CPC"} - set(csv.columns)
            if missing:
                raise SearchopsError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            status = csv.get("Status", pd.Series("", index=csv.index))
            paused = (
                status.astype(object).fillna("").astype(str).str.strip().str.lower() == "paused"
            )
            frame = pd.DataFrame(
                {
                    "customer_id": csv["Customer ID"],
                    "ad_group_id": csv["Ad group ID"],
                    "criterion_id": csv["Keyword ID"],
                    "keyword": csv.get("Keyword", pd.Series("", index=csv.index)),
                    "new_bid": csv["Max CPC"].where(~paused),
                    "action": np.where(paused, "pause", "set_bid"),
                }
            )
    except (ValueError, KeyError) as exc:
        raise SearchopsError(f"{path}: not a bid file from `bid recommend`: {exc}") from None
    frame["customer_id"] = frame["customer_id"].astype(str).str.replace("-", "", regex=False)
    frame["ad_group_id"] = pd.to_numeric(frame["ad_group_id"], errors="coerce")
    frame["criterion_id"] = pd.to_numeric(frame["criterion_id"], errors="coerce")
    frame["new_bid"] = pd.to_numeric(frame["new_bid"], errors="coerce")
    bad = frame[["ad_group_id", "criterion_id"]].isna().any(axis=1) | (
        frame["new_bid"].isna() & frame["action"].ne("pause")
    )
    if bad.any():
        raise SearchopsError(
            f"{path}: {int(bad.sum())} row(s) without ids or a numeric Max CPC (or Status Paused)"
        )
    frame = frame.astype({"ad_group_id": "int64", "criterion_id": "int64"})
    return plan_id, frame.drop_duplicates("criterion_id", keep="last").reset_index(drop=True)


def account_keywords(client: Any, customer_id: str, retry: RetryPolicy) -> pd.DataFrame:
    """By criterion id (keywords), through SearchStream: the current max CPC ``bid``, the
    ``status`` (ENABLED|PAUSED|...) and the campaign's ``bidding_strategy_type``."""
    query = (
        "SELECT ad_group.id, ad_group_criterion.criterion_id, ad_group_criterion.cpc_bid_micros, "
        "ad_group_criterion.status, campaign.bidding_strategy_type "
        "FROM ad_group_criterion WHERE ad_group_criterion.type = 'KEYWORD'"
    )

    # Raw rows carry enums as numbers: named through the library's enum types (the client's
    # own ``enums`` differ with use_proto_plus).
    from google.ads.googleads.v26.enums.types.ad_group_criterion_status import (
        AdGroupCriterionStatusEnum,
    )
    from google.ads.googleads.v26.enums.types.bidding_strategy_type import (
        BiddingStrategyTypeEnum,
    )

    status_enum = AdGroupCriterionStatusEnum.AdGroupCriterionStatus
    strategy_enum = BiddingStrategyTypeEnum.BiddingStrategyType

    def read() -> pd.DataFrame:
        rows = [
            (
                r.ad_group_criterion.criterion_id,
                r.ad_group_criterion.cpc_bid_micros / MICROS,
                _enum_name(status_enum, r.ad_group_criterion.status),
                _enum_name(strategy_enum, r.campaign.bidding_strategy_type),
            )
            for r in stream_rows(client, customer_id, query)
        ]
        frame = pd.DataFrame(rows, columns=["criterion_id", "bid", "status", "strategy"])
        return frame.astype({"criterion_id": "int64", "bid": float}).set_index("criterion_id")

    return with_retries(read, retry, "reading current bids")


def _enum_name(enum: Any, number: int) -> str:
    try:
        return str(enum(number).name)
    except ValueError:  # a value newer than this library
        return "UNKNOWN"


def account_bids(client: Any, customer_id: str, retry: RetryPolicy) -> pd.Series:
    """Current max CPC bid by criterion id (keywords), through SearchStream."""
    return account_keywords(client, customer_id, retry)["bid"]


def _ensure_journal(workspace: Workspace) -> None:
    workspace.con.execute(_JOURNAL_DDL).fetchall()
    workspace.con.execute(_JOURNAL_MIGRATE).fetchall()


def journal(workspace: Workspace, plan_id: str | None = None) -> pd.DataFrame:
    _ensure_journal(workspace)
    sql = (
        f"SELECT * FROM {JOURNAL}"
        + (" WHERE plan_id = ?" if plan_id else "")
        + " ORDER BY logged_at"
    )
    return workspace.con.execute(sql, [plan_id] if plan_id else []).df()


def _latest_with_reason(workspace: Workspace, code: str, action: str | None = None) -> set[int]:
    """Keywords whose row in the latest recommendation carries the reason ``code`` (and, when
    given, the ``action``)."""
    if not workspace.has_table("bid_recommendations"):
        return set()
    have = {r[0] for r in workspace.con.execute("DESCRIBE bid_recommendations").fetchall()}
    if action is not None and "action" not in have:
        return set()  # written before pauses existed: it paused nothing
    rows = workspace.con.execute(
        "SELECT criterion_id FROM bid_recommendations WHERE run_id = "
        "(SELECT run_id FROM bid_recommendations ORDER BY created_at DESC LIMIT 1) "
        "AND contains(reasons, ?)" + (" AND action = ?" if action is not None else ""),
        [code] if action is None else [code, action],
    ).fetchall()
    return {int(r[0]) for r in rows if r[0] is not None}


def _held_criteria(workspace: Workspace) -> set[int]:
    """Keywords the latest recommendation held for lack of data."""
    return _latest_with_reason(workspace, "HELD_INSUFFICIENT_DATA")


def _no_conversion_pauses(workspace: Workspace) -> set[int]:
    """Keywords the latest recommendation pauses for spending without converting (strategy
    posterior, ``PAUSE_NO_CONVERSIONS``): the evidence for such a pause is the model's verdict
    on the workspace's data, as the crawl is for a stock or landing-page pause."""
    return _latest_with_reason(workspace, "PAUSE_NO_CONVERSIONS", action="pause")


def guardrail_box(
    workspace: Workspace, plan: pd.DataFrame, current: np.ndarray, config: BiddingConfig
) -> Bounds:
    """The guardrails for ``plan``'s keywords, from the account's current bids."""
    keywords = pd.DataFrame({"criterion_id": plan["criterion_id"]})
    if workspace.has_table("sem_keywords"):
        known = workspace.con.execute(
            "SELECT criterion_id, final_url, item_id FROM sem_keywords"
        ).df()
        keywords = keywords.merge(
            known.drop_duplicates("criterion_id"), on="criterion_id", how="left"
        )
    oos, failed = keyword_flags(workspace, keywords)
    held = plan["criterion_id"].isin(_held_criteria(workspace)).to_numpy()
    cap = config.max_change
    lower = np.clip(
        np.where(held, current, current * (1 - cap)), config.bid_floor, config.bid_ceiling
    )
    upper = np.clip(
        np.where(held | oos | failed, current, current * (1 + cap)),
        config.bid_floor,
        config.bid_ceiling,
    )
    return Bounds(lower=lower, upper=upper, held=held, out_of_stock=oos, landing_failed=failed)


def _failed_operations(response: Any) -> dict[int, str]:
    """Operation index -> error message, from a partial-failure response."""
    from google.ads.googleads.v26.errors.types.errors import GoogleAdsFailure

    status = response.partial_failure_error
    out: dict[int, str] = {}
    if not status or not status.code:
        return out
    for detail in status.details:
        failure = GoogleAdsFailure.deserialize(detail.value)
        for error in failure.errors:
            elements = error.location.field_path_elements
            index = next((e.index for e in elements if e.field_name == "operations"), None)
            if index is not None:
                out[int(index)] = error.message
    return out


def apply_bids(
    path: Path,
    *,
    client: Any,
    customer_id: str,
    workspace: Workspace,
    config: BiddingConfig,
    execute: bool = False,
    batch_size: int = 1000,
    retry: RetryPolicy | None = None,
    on_batch_sent: Callable[[int], None] | None = None,
) -> ApplyReport:
    """Validate (default) or apply the bids of ``path``; see the module docstring.

    ``on_batch_sent(batch_number)`` runs after each batch is answered and before its results
    are journaled (the window an interruption can hit; tests use it).
    """
    mode = "execute" if execute else "validate"
    customer_id = customer_id.replace("-", "")
    plan_id, plan = read_plan(path)
    plan = plan[plan["customer_id"] == customer_id].reset_index(drop=True)
    if plan.empty:
        raise SearchopsError(f"{path}: no rows for customer {customer_id}")
    _ensure_journal(workspace)
    now = datetime.now(UTC).replace(tzinfo=None)
    retry = retry or RetryPolicy.from_settings()
    live = account_keywords(client, customer_id, retry)
    current = plan["criterion_id"].map(live["bid"]).to_numpy(dtype=float)
    plan["old_bid"] = current
    plan["result"], plan["error"] = "", None
    done = _already_done(plan, current, plan["criterion_id"].map(live["status"]))
    strategy = plan["criterion_id"].map(live["strategy"])

    past = journal(workspace, plan_id)
    past = past[past["mode"] == "execute"]
    applied_before = set(past.loc[past["result"] == "applied", "criterion_id"].astype(int))
    pending = past[past["result"] == "pending"]
    missing = np.isnan(current)
    at_bid = ~missing & done
    if execute and not pending.empty:  # an interrupted run: settle what the account shows
        settled = (
            plan["criterion_id"].isin(set(pending["criterion_id"].astype(int))).to_numpy() & at_bid
        )
        _settle_pending(
            workspace,
            plan_id,
            plan.loc[settled, "criterion_id"],
            "applied",
            "reconciled from the account's bids and statuses",
        )
        _settle_pending(
            workspace,
            plan_id,
            pending.loc[
                ~pending["criterion_id"].isin(plan.loc[settled, "criterion_id"]), "criterion_id"
            ],
            "failed",
            "interrupted before the answer; re-sent",
        )
        applied_before |= set(plan.loc[settled, "criterion_id"].astype(int))
    plan.loc[missing, ["result", "error"]] = ["failed", "keyword not found in the account"]
    plan.loc[
        plan["criterion_id"].isin(applied_before).to_numpy() & (plan["result"] == ""),
        ["result", "error"],
    ] = [
        "skipped",
        "already applied from this file",
    ]
    pause = plan["action"].eq("pause").to_numpy()
    plan.loc[at_bid & ~pause & (plan["result"] == ""), ["result", "error"]] = [
        "skipped",
        "account already at this bid",
    ]
    plan.loc[at_bid & pause & (plan["result"] == ""), ["result", "error"]] = [
        "skipped",
        "keyword already paused",
    ]
    enabled = int(live["status"].eq("ENABLED").sum())
    todo = _reject_violations(workspace, plan, current, config, strategy, enabled)

    service = client.get_service("AdGroupCriterionService", version=API_VERSION)
    for number, start in enumerate(range(0, int(todo.sum()), batch_size)):
        rows = plan.index[todo][start : start + batch_size]
        if execute:
            _journal_rows(workspace, plan.loc[rows].assign(result="pending"), plan_id, mode, now)
        request = _request(client, customer_id, plan.loc[rows], validate_only=not execute)
        response = with_retries(
            partial(service.mutate_ad_group_criteria, request=request),
            retry,
            "MutateAdGroupCriteria",
        )
        if on_batch_sent is not None:
            on_batch_sent(number)
        failed = _failed_operations(response)
        for i, row in enumerate(rows):
            if i in failed:
                plan.loc[row, ["result", "error"]] = ["failed", failed[i]]
            else:
                plan.loc[row, "result"] = "applied" if execute else "validated"
        if execute:
            _settle_batch(workspace, plan.loc[rows], plan_id)
    journaled = plan.index.isin(plan.index[todo]) if execute else np.zeros(len(plan), bool)
    _journal_rows(workspace, plan[~journaled], plan_id, mode, now)
    return ApplyReport(plan_id=plan_id, mode=mode, results=plan[_RESULT_COLUMNS])


def _already_done(plan: pd.DataFrame, current: np.ndarray, status: pd.Series) -> np.ndarray:
    """Rows the account already shows: at the new bid, or paused. A pause keeps the bid
    (``new_bid`` = the current one, for the journal)."""
    pause = plan["action"].eq("pause").to_numpy()
    plan.loc[pause, "new_bid"] = current[pause]
    at_bid = np.abs(current - plan["new_bid"].to_numpy(float)) < 0.005
    return np.where(pause, status.eq("PAUSED").to_numpy(), at_bid)


def _reject_violations(
    workspace: Workspace,
    plan: pd.DataFrame,
    current: np.ndarray,
    config: BiddingConfig,
    strategy: pd.Series,
    enabled: int,
) -> np.ndarray:
    """Mark the still-open rows of ``plan`` that break a guardrail ``rejected`` (with why);
    returns the rows left to send. ``strategy``: each row's campaign bidding strategy type;
    ``enabled``: the account's enabled keywords (the base of the pause share)."""
    todo = (plan["result"] == "").to_numpy().copy()
    pause = plan["action"].eq("pause").to_numpy()
    box = guardrail_box(workspace, plan, np.nan_to_num(current), config)
    why = violations(np.nan_to_num(current), plan["new_bid"].to_numpy(float), box)
    smart = strategy.isin(SMART_BIDDING_STRATEGIES).to_numpy() | _smart_in_workspace(
        workspace, plan
    )
    kinds = strategy.fillna("Smart Bidding").astype(str).to_numpy()
    bid_on_smart = ~pause & smart
    why[bid_on_smart] = [
        f"the campaign's bidding strategy ({k}) sets bids and ignores a max CPC"
        for k in kinds[bid_on_smart]
    ]
    no_conversions = plan["criterion_id"].isin(_no_conversion_pauses(workspace)).to_numpy()
    unflagged = pause & ~(box.out_of_stock | box.landing_failed | no_conversions)
    why[unflagged] = (
        "pauses a keyword whose product is in stock, whose landing page is fine in the "
        "latest crawl and that the latest recommendation does not pause for spending without "
        "converting"
    )
    guard = config.guardrails
    cap = min(guard.max_pauses, int(np.floor(guard.max_pause_share * enabled)))
    sendable_pauses = np.flatnonzero(todo & pause & (why == ""))
    over = sendable_pauses[cap:]
    why[over] = (
        f"over this cycle's pause cap: at most {cap} pauses (setting bidding.guardrails.max_pauses "
        f"{guard.max_pauses}, max_pause_share {guard.max_pause_share:g} of {enabled} enabled "
        "keywords)"
    )
    rejected = todo & (why != "")
    plan.loc[rejected, "result"] = "rejected"
    plan.loc[rejected, "error"] = why[rejected]
    return todo & ~rejected


def _smart_in_workspace(workspace: Workspace, plan: pd.DataFrame) -> np.ndarray:
    """Rows whose keyword the workspace's last pull recorded under Smart Bidding."""
    from bidding.data import smart_bidding_flags

    smart, _ = smart_bidding_flags(workspace, plan)
    return smart


def recorded_keywords(workspace: Workspace, customer_id: str) -> pd.DataFrame:
    """By criterion id, as the workspace last recorded them for ``customer_id``: ``bid``
    (max CPC), ``status``, ``strategy`` (the campaign's bidding strategy type, when known)."""
    columns = ["bid", "status", "strategy"]
    if not workspace.has_table("sem_keywords"):
        return pd.DataFrame(columns=columns, index=pd.Index([], dtype="int64"))
    have = {r[0] for r in workspace.con.execute("DESCRIBE sem_keywords").fetchall()}
    kind = "bidding_strategy_type" if "bidding_strategy_type" in have else "NULL"
    rows = workspace.con.execute(
        f"SELECT criterion_id, cpc_bid AS bid, status, {kind} AS strategy FROM sem_keywords "
        "WHERE replace(customer_id, '-', '') = ?",
        [customer_id],
    ).df()
    rows = rows.dropna(subset=["criterion_id", "bid"]).drop_duplicates("criterion_id", keep="last")
    rows["criterion_id"] = rows["criterion_id"].astype("int64")
    return rows.set_index("criterion_id")[columns].astype({"bid": float})


def recorded_bids(workspace: Workspace, customer_id: str) -> pd.Series:
    """Max CPC by criterion id as the workspace last recorded it for ``customer_id``."""
    return recorded_keywords(workspace, customer_id)["bid"]


def check_offline(
    path: Path, *, customer_id: str, workspace: Workspace, config: BiddingConfig
) -> ApplyReport:
    """The guardrail check of :func:`apply_bids` with no API: every bid of ``path`` against
    the bids the workspace recorded for the account. Sends and journals nothing; results are
    ``ok`` (would be sent), ``skipped`` (already at the bid), ``rejected`` (guardrail) and
    ``failed`` (keyword unknown to the workspace)."""
    customer_id = customer_id.replace("-", "")
    plan_id, plan = read_plan(path)
    plan = plan[plan["customer_id"] == customer_id].reset_index(drop=True)
    if plan.empty:
        raise SearchopsError(f"{path}: no rows for customer {customer_id}")
    known = recorded_keywords(workspace, customer_id)
    if known.empty:
        raise SearchopsError(
            f"{workspace.path}: no keywords of customer {customer_id} recorded: pull them first "
            "(searchops sem pull --customer-id ...) to check bids offline"
        )
    current = plan["criterion_id"].map(known["bid"]).to_numpy(dtype=float)
    plan["old_bid"] = current
    plan["result"], plan["error"] = "", None
    status = plan["criterion_id"].map(known["status"])
    done = _already_done(plan, current, status)
    missing = np.isnan(current)
    plan.loc[missing, ["result", "error"]] = ["failed", "keyword not in the workspace's account"]
    pause = plan["action"].eq("pause").to_numpy()
    plan.loc[~missing & done & ~pause, ["result", "error"]] = ["skipped", "already at this bid"]
    plan.loc[~missing & done & pause, ["result", "error"]] = ["skipped", "already paused"]
    enabled = int(known["status"].fillna("ENABLED").eq("ENABLED").sum())
    strategy = plan["criterion_id"].map(known["strategy"])
    todo = _reject_violations(workspace, plan, current, config, strategy, enabled)
    plan.loc[todo, "result"] = "ok"
    return ApplyReport(plan_id=plan_id, mode="offline", results=plan[_RESULT_COLUMNS])


def _request(client: Any, customer_id: str, rows: pd.DataFrame, *, validate_only: bool) -> Any:
    service = client.get_service("AdGroupCriterionService", version=API_VERSION)
    request = client.get_type("MutateAdGroupCriteriaRequest", version=API_VERSION)
    request.customer_id = customer_id
    request.partial_failure = True
    request.validate_only = validate_only
    for row in rows.itertuples(index=False):
        op = client.get_type("AdGroupCriterionOperation", version=API_VERSION)
        op.update.resource_name = service.ad_group_criterion_path(
            customer_id, row.ad_group_id, row.criterion_id
        )
        if row.action == "pause":  # a status change: the bid stays as it is
            op.update.status = client.enums.AdGroupCriterionStatusEnum.PAUSED
            op.update_mask.paths.append("status")
        else:
            op.update.cpc_bid_micros = round(row.new_bid * 100) * (MICROS // 100)  # type: ignore[operator,arg-type]
            op.update_mask.paths.append("cpc_bid_micros")
        request.operations.append(op)
    return request


def _journal_rows(
    workspace: Workspace, rows: pd.DataFrame, plan_id: str, mode: str, at: datetime
) -> None:
    if rows.empty:
        return
    frame = pd.DataFrame(
        {
            "plan_id": plan_id,
            "mode": mode,
            "logged_at": at,
            "customer_id": rows["customer_id"].astype(str),
            "ad_group_id": rows["ad_group_id"].astype("int64"),
            "criterion_id": rows["criterion_id"].astype("int64"),
            "keyword": rows["keyword"].astype(str),
            "old_bid": rows["old_bid"].astype(float),
            "new_bid": rows["new_bid"].astype(float),
            "result": rows["result"].astype(str),
            "error": rows["error"].astype(object),
            "action": rows["action"].astype(str),
        }
    )
    workspace.append_df(JOURNAL, frame)


def _settle_batch(workspace: Workspace, rows: pd.DataFrame, plan_id: str) -> None:
    with workspace.transaction():
        for result in rows["result"].unique():
            part = rows[rows["result"] == result]
            workspace.con.execute(
                f"UPDATE {JOURNAL} SET result = ?, error = ?, logged_at = ? WHERE plan_id = ? AND mode = 'execute' "
                "AND result = 'pending' AND criterion_id IN (SELECT unnest(?))",
                [
                    result,
                    None,
                    datetime.now(UTC).replace(tzinfo=None),
                    plan_id,
                    part["criterion_id"].astype(int).tolist(),
                ],
            ).fetchall()
        failed = rows[rows["result"] == "failed"]
        for row in failed.itertuples(index=False):
            workspace.con.execute(
                f"UPDATE {JOURNAL} SET error = ? WHERE plan_id = ? AND mode = 'execute' AND criterion_id = ? "
                "AND result = 'failed' AND error IS NULL",
                [row.error, plan_id, row.criterion_id],
            ).fetchall()


def _settle_pending(
    workspace: Workspace, plan_id: str, criteria: pd.Series, result: str, note: str
) -> None:
    ids = criteria.astype(int).tolist()
    if ids:
        workspace.con.execute(
            f"UPDATE {JOURNAL} SET result = ?, error = ? WHERE plan_id = ? AND mode = 'execute' "
            "AND result = 'pending' AND criterion_id IN (SELECT unnest(?))",
            [result, note, plan_id, ids],
        ).fetchall()
