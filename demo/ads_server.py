"""A local Google Ads API server (gRPC over TLS on 127.0.0.1) answering from a demo account.

It speaks the real protocol with the ``google-ads`` library's own message types, so the
production client code path (``GoogleAdsClient`` -> ``GoogleAdsService.SearchStream`` ...)
runs unchanged against it:

* ``GoogleAdsService/Search`` (paged) and ``SearchStream`` (batched) answer the project's GAQL
  (SELECT / FROM / WHERE with = != IN BETWEEN > >= < <= / ORDER BY / LIMIT) over ``customer``,
  ``customer_client`` (a manager), ``campaign`` (attributes with ``campaign_budget``; daily
  metrics with impression shares and conversions by conversion date; or conversions by
  ``segments.conversion_lag_bucket``), ``ad_group``, ``ad_group_criterion`` (keywords and
  Shopping listing groups), ``keyword_view``, ``change_event``, ``shopping_performance_view``,
  ``search_term_view``, ``ad_group_criterion_simulation`` and ``shopping_product``; metrics
  are summed over the selected attributes when ``segments.date`` is not selected.
* Like Google's, and unlike a table of history: ``keyword_view`` rows carry today's
  attributes (the current bid on every date); past bids are only in ``change_event`` (the
  demo's change log plus every bid applied here), which enforces Google's rules with its
  ``ChangeEventError`` codes (a finite change_date_time range starting within 30 days, a
  LIMIT of at most 10,000); conversions are reported on the click's day as far as they have
  happened by the server's clock (``serve(now=)``), so the last days are under-counted.
* Several accounts, optionally under a manager (``serve(a, b, manager_id=...)``): clients
  answer only with the manager as ``login-customer-id``; ``handle.deny(id)`` revokes one.
* ``AdGroupCriterionService/MutateAdGroupCriteria`` updates ``cpc_bid_micros`` / ``status``
  (ENABLED or PAUSED: any other status is a ``FieldError.INVALID_VALUE``, like Google's)
  with ``validate_only`` and ``partial_failure``; applied bids show in later queries of
  ``ad_group_criterion`` and ``change_event`` and every applied operation is journaled
  (``handle.journal``).
* Faults: ``handle.fail_next(n, "UNAVAILABLE" | "RESOURCE_EXHAUSTED" | "INTERNAL", method=)``,
  ``handle.interrupt_next_stream(after_batches)`` and ``handle.fail_mutations(criterion_ids)``;
  errors carry a ``GoogleAdsFailure`` in the
  ``google.ads.googleads.v26.errors.googleadsfailure-bin`` trailing metadata and a
  ``request-id``, like Google's.
* Auth: the ``developer-token`` header and the ``Bearer`` access token must match the
  handle's; anything else is ``UNAUTHENTICATED`` with an ``AuthenticationError``.

TLS: the client always opens a TLS channel, so the server presents a self-signed certificate
for ``localhost`` / ``127.0.0.1`` (one per process, generated with ``cryptography``), and
:func:`serve` points ``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`` at it. gRPC reads that variable once
per process, before its first TLS channel, so call :func:`trust_local_server` (or ``serve``)
before creating any client in the process.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import grpc
import numpy as np
import pandas as pd
from google.ads.googleads.v26.errors.types.errors import GoogleAdsFailure
from google.ads.googleads.v26.services.types import ad_group_criterion_service as agc_svc
from google.ads.googleads.v26.services.types import google_ads_service as ga_svc
from google.protobuf import any_pb2, json_format
from google.rpc import status_pb2

from searchops import clock

API_VERSION = "v26"
FAILURE_KEY = f"google.ads.googleads.{API_VERSION}.errors.googleadsfailure-bin"
_SERVICES = f"google.ads.googleads.{API_VERSION}.services"
DEFAULT_DEVELOPER_TOKEN = "local-dev-token"
DEFAULT_ACCESS_TOKEN = "local-access-token"
_ROW_PB = ga_svc.GoogleAdsRow.pb()
_MICROS = 1_000_000
_current = threading.local()
TIME_ZONE = "America/Toronto"  # the demo accounts' time zone (change_date_time, "today")
# Google's change_event limits (developers.google.com/google-ads/api/docs/change-event).
CHANGE_EVENT_DAYS = 30
CHANGE_EVENT_MAX_LIMIT = 10_000


# ------------------------------------------------------------------ TLS


@cache
def tls_files() -> tuple[Path, Path]:
    """(certificate, key) PEM files for localhost, generated once per process."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="searchops-ads-tls-"))
    cert_path, key_path = folder / "localhost.pem", folder / "localhost.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def trust_local_server() -> Path:
    """Make this process's gRPC TLS channels trust the local server's certificate."""
    cert, _ = tls_files()
    os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = str(cert)
    return cert


# ------------------------------------------------------------------ GAQL


class QueryError(ValueError):
    """A GAQL query the local server cannot answer (reported as a QueryError failure)."""


@dataclass
class Query:
    fields: list[str]
    resource: str
    where: list[tuple[str, str, Any]]
    order_by: list[tuple[str, bool]]
    limit: int | None


_TOKEN = re.compile(r"\s*('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|<=|>=|!=|[(),=<>]|[\w.\-]+)")


def parse_gaql(text: str) -> Query:
    """Parse the GAQL subset the project uses."""
    tokens = [t for t in _TOKEN.findall(text.strip()) if t]
    pos = 0

    def peek() -> str:
        return tokens[pos] if pos < len(tokens) else ""

    def take(expected: str | None = None) -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise QueryError("unexpected end of query")
        tok = tokens[pos]
        if expected and tok.upper() != expected:
            raise QueryError(f"expected {expected}, got {tok!r}")
        pos += 1
        return tok

    def value() -> Any:
        tok = take()
        if tok[0] in "'\"":
            return tok[1:-1]
        if tok.upper() in ("TRUE", "FALSE"):
            return tok.upper() == "TRUE"
        try:
            return int(tok)
        except ValueError:
            try:
                return float(tok)
            except ValueError:
                return tok  # enum constant

    take("SELECT")
    fields = [take()]
    while peek() == ",":
        take()
        fields.append(take())
    take("FROM")
    resource = take()
    where: list[tuple[str, str, Any]] = []
    if peek().upper() == "WHERE":
        take()
        while True:
            name = take()
            op = take().upper()
            if op == "IN" or (op == "NOT" and take("IN")):
                take("(")
                items = [value()]
                while peek() == ",":
                    take()
                    items.append(value())
                take(")")
                where.append((name, "IN" if op == "IN" else "NOT IN", items))
            elif op == "BETWEEN":
                low = value()
                take("AND")
                where.append((name, "BETWEEN", (low, value())))
            elif op in ("=", "!=", ">", ">=", "<", "<="):
                where.append((name, op, value()))
            else:
                raise QueryError(f"unsupported operator {op!r}")
            if peek().upper() != "AND":
                break
            take()
    order_by: list[tuple[str, bool]] = []
    if peek().upper() == "ORDER":
        take()
        take("BY")
        while True:
            name = take()
            desc = False
            if peek().upper() in ("ASC", "DESC"):
                desc = take().upper() == "DESC"
            order_by.append((name, desc))
            if peek() != ",":
                break
            take()
    limit = None
    if peek().upper() == "LIMIT":
        take()
        limit = int(take())
    if pos != len(tokens):
        raise QueryError(f"unexpected input {tokens[pos]!r}")
    return Query(fields, resource, where, order_by, limit)


def _apply_where(frame: pd.DataFrame, where: list[tuple[str, str, Any]]) -> pd.DataFrame:
    for name, op, val in where:
        if name not in frame.columns:
            raise QueryError(f"unrecognized field {name!r} in WHERE")
        col = frame[name]
        if op == "IN":
            mask = col.isin(val)
        elif op == "NOT IN":
            mask = ~col.isin(val)
        elif op == "BETWEEN":
            mask = (col >= val[0]) & (col <= val[1])
        else:
            mask = {
                "=": col == val,
                "!=": col != val,
                ">": col > val,
                ">=": col >= val,
                "<": col < val,
                "<=": col <= val,
            }[op]
        frame = frame[mask]
    return frame


# ------------------------------------------------------------------ the account as GAQL views

_STATUS_NAMES = {"ENABLED", "PAUSED", "REMOVED"}


class AccountViews:
    """The demo account's tables as GAQL-named columns, with mutable keyword state."""

    def __init__(
        self,
        frames: dict[str, pd.DataFrame],
        customer_id: str,
        now: Callable[[], dt.datetime] | None = None,
        name: str = "Demo retailer",
    ) -> None:
        self.customer_id = customer_id
        self.name = name
        kw = frames["sem_keywords"].reset_index(drop=True)
        self.keywords = kw.assign(
            cpc_bid_micros=(kw["cpc_bid"].astype(float) * _MICROS).round().astype("int64")
        )
        self.index = {int(c): i for i, c in enumerate(self.keywords["criterion_id"])}
        self._frames = frames
        self._static: dict[str, pd.DataFrame] = {}
        self.clock = now or (lambda: clock.now(ZoneInfo(TIME_ZONE)))
        # Bid changes applied through MutateAdGroupCriteria, appended to the change history.
        self.applied_changes: list[dict[str, Any]] = []
        lag = frames.get("sem_truth_conversion_lag")
        self._lag = lag["share"].to_numpy(float) if lag is not None else np.array([1.0])

    def completeness(self, dates: pd.Series) -> np.ndarray:
        """Share of a click day's eventual conversions reported by now (conversions arrive
        after the click and are reported on the click's day)."""
        cumulative = np.concatenate([[0.0], np.cumsum(self._lag)])
        age = (pd.Timestamp(self.clock().date()) - pd.to_datetime(dates)).dt.days.to_numpy()
        return cumulative[np.clip(age, 0, len(cumulative) - 1)]

    def resource_name(self, ad_group_id: int, criterion_id: int) -> str:
        return f"customers/{self.customer_id}/adGroupCriteria/{ad_group_id}~{criterion_id}"

    def _keyword_attrs(self) -> pd.DataFrame:
        kw = self.keywords
        return pd.DataFrame(
            {
                "customer.id": int(self.customer_id),
                "campaign.id": kw["campaign_id"].astype("int64"),
                "campaign.name": kw["campaign"].astype(str),
                "ad_group.id": kw["ad_group_id"].astype("int64"),
                "ad_group.name": kw["ad_group"].astype(str),
                "ad_group_criterion.criterion_id": kw["criterion_id"].astype("int64"),
                "ad_group_criterion.resource_name": [
                    self.resource_name(a, c)
                    for a, c in zip(kw["ad_group_id"], kw["criterion_id"], strict=True)
                ],
                "ad_group_criterion.type": "KEYWORD",
                "ad_group_criterion.keyword.text": kw["keyword"].astype(str),
                "ad_group_criterion.keyword.match_type": kw["match_type"].astype(str),
                "ad_group_criterion.status": kw["status"].astype(str),
                # A keyword without its own bid (0) uses its ad group's default: the effective.
                "ad_group_criterion.cpc_bid_micros": kw["cpc_bid_micros"].where(
                    ~kw.get("inherits_ad_group_bid", pd.Series(False, index=kw.index))
                    .fillna(False)
                    .astype(bool),
                    0,
                ),
                "ad_group_criterion.effective_cpc_bid_micros": kw["cpc_bid_micros"],
                "ad_group_criterion.final_urls": [[u] for u in kw["final_url"].astype(str)],
                "campaign.bidding_strategy_type": kw.get(
                    "bidding_strategy_type", pd.Series("MANUAL_CPC", index=kw.index)
                ).astype(str),
            }
        )

    def view(self, resource: str, fields: Iterable[str] = ()) -> pd.DataFrame:
        fields = set(fields)
        if resource == "ad_group_criterion":  # mutable state: rebuilt on every query
            return pd.concat([self._keyword_attrs(), self._listing_groups()], ignore_index=True)
        if resource == "ad_group":
            return (
                self._keyword_attrs()
                .drop_duplicates("ad_group.id")
                .assign(**{"ad_group.status": "ENABLED"})
            )
        if resource == "change_event":
            return self._change_events()
        if resource == "keyword_view":
            # Like Google's: attributes are today's (the current bid on every date).
            return self._keyword_view()
        if resource == "campaign":
            if "segments.conversion_lag_bucket" in fields:
                resource = "campaign_lag"
            elif not any(f.startswith(("metrics.", "segments.")) for f in fields):
                resource = "campaign_attributes"
        if resource not in self._static:
            builders: dict[str, Callable[[], pd.DataFrame]] = {
                "shopping_performance_view": self._shopping_view,
                "search_term_view": self._search_term_view,
                "ad_group_criterion_simulation": self._simulation_view,
                "shopping_product": self._product_view,
                "customer": self._customer_view,
                "campaign": self._campaign_daily_view,
                "campaign_attributes": self._campaign_attrs,
                "campaign_lag": self._campaign_lag_view,
            }
            if resource not in builders:
                raise QueryError(f"resource {resource!r} is not served by the local server")
            self._static[resource] = builders[resource]()
        return self._static[resource]

    def _keyword_view(self) -> pd.DataFrame:
        if "keyword_view" not in self._static:
            daily = self._frames["sem_keyword_daily"]
            pos = daily["criterion_id"].map(pd.Series(self.index)).to_numpy()
            dates = pd.to_datetime(daily["date"])
            self._static["keyword_view"] = pd.DataFrame(
                {"_row": pos, "segments.date": dates.dt.strftime("%Y-%m-%d").to_numpy()}
            ).assign(**_metrics(daily, self.completeness(dates)))
        base = self._static["keyword_view"]
        attrs = self._keyword_attrs().iloc[base["_row"].to_numpy()].reset_index(drop=True)
        return pd.concat([attrs, base.drop(columns="_row")], axis=1)

    def _customer_view(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "customer.id": [int(self.customer_id)],
                "customer.descriptive_name": [self.name],
                "customer.currency_code": ["CAD"],
                "customer.time_zone": [TIME_ZONE],
                "customer.manager": [False],
            }
        )

    def _campaign_attrs(self) -> pd.DataFrame:
        c = self._frames["sem_campaigns"]
        return pd.DataFrame(
            {
                "campaign.id": c["campaign_id"].astype("int64"),
                "campaign.name": c["campaign"].astype(str),
                "campaign.status": c["status"].astype(str),
                "campaign.advertising_channel_type": c["channel_type"].astype(str),
                "campaign.bidding_strategy_type": c["bidding_strategy_type"].astype(str),
                "campaign.campaign_budget": [
                    f"customers/{self.customer_id}/campaignBudgets/{b}" for b in c["budget_id"]
                ],
                "campaign_budget.id": c["budget_id"].astype("int64"),
                "campaign_budget.amount_micros": (c["budget_amount"].astype(float) * _MICROS)
                .round()
                .astype("int64"),
                "campaign_budget.delivery_method": c["budget_delivery"].astype(str),
                "campaign_budget.explicitly_shared": c["budget_shared"].astype(bool),
            }
        )

    def _campaign_daily_view(self) -> pd.DataFrame:
        d = self._frames["sem_campaign_daily"].reset_index(drop=True)
        dates = pd.to_datetime(d["date"])
        attrs = self._campaign_attrs().set_index("campaign.id", drop=False)
        out = attrs.loc[d["campaign_id"].astype("int64")].reset_index(drop=True)
        out["segments.date"] = dates.dt.strftime("%Y-%m-%d").to_numpy()
        out = out.assign(**_metrics(d, self.completeness(dates)))
        # By conversion date: each click day's conversions spread over the days they happen.
        today = pd.Timestamp(self.clock().date())
        by_date = pd.DataFrame(
            {
                "campaign.id": np.repeat(d["campaign_id"].to_numpy(), len(self._lag)),
                "day": np.repeat(dates.to_numpy(), len(self._lag))
                + np.tile(np.arange(len(self._lag)), len(d)).astype("timedelta64[D]"),
                "c": np.outer(d["conversions"].to_numpy(float), self._lag).ravel(),
                "v": np.outer(d["conversions_value"].to_numpy(float), self._lag).ravel(),
            }
        )
        by_date = by_date[by_date["day"] <= today].groupby(["campaign.id", "day"]).sum()
        key = pd.MultiIndex.from_arrays([out["campaign.id"], dates])
        out["metrics.conversions_by_conversion_date"] = (
            by_date["c"].reindex(key).fillna(0).to_numpy()
        )
        out["metrics.conversions_value_by_conversion_date"] = (
            by_date["v"].reindex(key).fillna(0).to_numpy()
        )
        for name in (
            "search_impression_share",
            "search_budget_lost_impression_share",
            "search_rank_lost_impression_share",
        ):
            out[f"metrics.{name}"] = d[name].astype(float).to_numpy()
        return out

    def _campaign_lag_view(self) -> pd.DataFrame:
        """Conversions by click day and lag bucket, as far as they have happened by now."""
        d = self._frames["sem_campaign_daily"].reset_index(drop=True)
        dates = pd.to_datetime(d["date"])
        age = (pd.Timestamp(self.clock().date()) - dates).dt.days.to_numpy()
        lag = np.arange(len(self._lag))
        happened = lag[None, :] < age[:, None]
        share = np.where(happened, self._lag[None, :], 0.0)
        bucket = np.array([_lag_bucket(int(day)) for day in lag])
        frame = pd.DataFrame(
            {
                "campaign.id": np.repeat(d["campaign_id"].astype("int64").to_numpy(), len(lag)),
                "segments.date": np.repeat(dates.dt.strftime("%Y-%m-%d").to_numpy(), len(lag)),
                "segments.conversion_lag_bucket": np.tile(bucket, len(d)),
                "metrics.conversions": (d["conversions"].to_numpy(float)[:, None] * share).ravel(),
                "metrics.conversions_value": (
                    d["conversions_value"].to_numpy(float)[:, None] * share
                ).ravel(),
            }
        )
        keys = ["campaign.id", "segments.date", "segments.conversion_lag_bucket"]
        frame = frame.groupby(keys, as_index=False, sort=False).sum()
        return frame[frame["metrics.conversions"] > 0].reset_index(drop=True)

    def _change_events(self) -> pd.DataFrame:
        """The keyword bid change history: the account's log plus changes applied here."""
        log = self._frames.get("sem_bid_changes", pd.DataFrame())
        applied = pd.DataFrame(self.applied_changes)
        log = pd.concat([log, applied], ignore_index=True) if len(applied) else log
        if log.empty:
            return pd.DataFrame(columns=_CHANGE_EVENT_FIELDS)
        at = pd.to_datetime(log["changed_at"])
        micros = (at - pd.Timestamp("1970-01-01")) // pd.Timedelta(microseconds=1)
        # AD_GROUP rows: a change of the ad group's default bid (keywords without their own).
        kind = log.get("resource_type", pd.Series("AD_GROUP_CRITERION", index=log.index))
        kind = kind.fillna("AD_GROUP_CRITERION").astype(str)
        name = [
            f"customers/{self.customer_id}/adGroups/{a}"
            if k == "AD_GROUP"
            else self.resource_name(a, int(c))
            for k, a, c in zip(kind, log["ad_group_id"], log["criterion_id"], strict=True)
        ]

        def bid(col: str) -> list[dict[str, Any]]:
            return [
                {"ad_group" if k == "AD_GROUP" else "ad_group_criterion": {
                    "resource_name": n, "cpc_bid_micros": round(b * _MICROS)}}
                for k, n, b in zip(kind, name, log[col].astype(float), strict=True)
            ]  # fmt: skip

        return pd.DataFrame(
            {
                "change_event.resource_name": [
                    f"customers/{self.customer_id}/changeEvents/{m}~0~{i}"
                    for i, m in enumerate(micros)
                ],
                "change_event.change_date_time": at.dt.strftime("%Y-%m-%d %H:%M:%S.%f"),
                "change_event.change_resource_type": kind.to_numpy(),
                "change_event.change_resource_name": name,
                "change_event.client_type": log["client_type"].astype(str),
                "change_event.resource_change_operation": log["operation"].astype(str),
                "change_event.changed_fields": [["cpc_bid_micros"]] * len(log),
                "change_event.old_resource": bid("old_bid"),
                "change_event.new_resource": bid("new_bid"),
                "change_event.campaign": [
                    f"customers/{self.customer_id}/campaigns/{c}" for c in log["campaign_id"]
                ],
                "change_event.ad_group": [
                    f"customers/{self.customer_id}/adGroups/{a}" for a in log["ad_group_id"]
                ],
            }
        )

    def _listing_groups(self) -> pd.DataFrame:
        if "listing_groups" not in self._static:
            g = self._frames.get("sem_product_groups", pd.DataFrame())
            if g.empty:
                return pd.DataFrame()
            prefix = "ad_group_criterion.listing_group."
            # Selected leaf by leaf; an "everything else" node sets none of them.
            case = prefix + "case_value."
            case_values = {
                case + f"product_{dim}.value": [
                    val if d == dim and not pd.isna(val) else None
                    for d, val in zip(g["dimension"], g["value"], strict=True)
                ]
                for dim in ("item_id", "brand", "type", "custom_attribute")
            }
            parent = [
                None if pd.isna(p) else self.resource_name(a, int(p))
                for a, p in zip(g["ad_group_id"], g["parent_criterion_id"], strict=True)
            ]
            self._static["listing_groups"] = pd.DataFrame(
                {
                    "customer.id": int(self.customer_id),
                    "campaign.id": g["campaign_id"].astype("int64"),
                    "ad_group.id": g["ad_group_id"].astype("int64"),
                    "ad_group_criterion.criterion_id": g["criterion_id"].astype("int64"),
                    "ad_group_criterion.resource_name": [
                        self.resource_name(a, c)
                        for a, c in zip(g["ad_group_id"], g["criterion_id"], strict=True)
                    ],
                    "ad_group_criterion.type": "LISTING_GROUP",
                    "ad_group_criterion.status": g["status"].astype(str),
                    "ad_group_criterion.negative": g["negative"].astype(bool),
                    "ad_group_criterion.cpc_bid_micros": [
                        None if pd.isna(b) else round(b * _MICROS) for b in g["cpc_bid"]
                    ],
                    prefix + "type": g["node_type"].astype(str),
                    prefix + "parent_ad_group_criterion": parent,
                    **case_values,
                    case + "product_category.category_id": None,
                    case + "product_condition.condition": None,
                    case + "product_channel.channel": None,
                }
            )
        return self._static["listing_groups"]

    def _shopping_view(self) -> pd.DataFrame:
        d = self._frames["sem_shopping_daily"]
        return pd.DataFrame(
            {
                "segments.date": pd.to_datetime(d["date"]).dt.strftime("%Y-%m-%d"),
                "campaign.id": d["campaign_id"].astype("int64"),
                "ad_group.id": d["ad_group_id"].astype("int64"),
                "segments.product_item_id": d["item_id"].astype(str),
            }
        ).assign(**_metrics(d, self.completeness(d["date"])))

    def _search_term_view(self) -> pd.DataFrame:
        d = self._frames["sem_search_terms"]
        return pd.DataFrame(
            {
                "segments.date": pd.to_datetime(d["date"]).dt.strftime("%Y-%m-%d"),
                "campaign.id": d["campaign_id"].astype("int64"),
                "ad_group.id": d["ad_group_id"].astype("int64"),
                "search_term_view.search_term": d["search_term"].astype(str),
                "search_term_view.status": d["status"].astype(str),
                "segments.keyword.ad_group_criterion": [
                    self.resource_name(a, c)
                    for a, c in zip(d["ad_group_id"], d["criterion_id"], strict=True)
                ],
                "segments.keyword.info.text": d["keyword"].astype(str),
                "segments.keyword.info.match_type": d["match_type"].astype(str),
            }
        ).assign(**_metrics(d, self.completeness(d["date"])))

    def _simulation_view(self) -> pd.DataFrame:
        prefix = "ad_group_criterion_simulation."
        sims: dict[tuple[Any, ...], dict[str, Any]] = {}
        for p in self._frames["sem_bid_landscape"].to_dict("records"):
            key = (int(p["ad_group_id"]), int(p["criterion_id"]), p["start_date"], p["end_date"])
            sim = sims.setdefault(
                key,
                {
                    prefix + "ad_group_id": key[0],
                    prefix + "criterion_id": key[1],
                    prefix + "type": "CPC_BID",
                    prefix + "modification_method": "UNIFORM",
                    prefix + "start_date": pd.Timestamp(key[2]).strftime("%Y-%m-%d"),
                    prefix + "end_date": pd.Timestamp(key[3]).strftime("%Y-%m-%d"),
                    prefix + "cpc_bid_point_list.points": [],
                },
            )
            sim[prefix + "cpc_bid_point_list.points"].append(
                {
                    "cpc_bid_micros": round(float(p["cpc_bid"]) * _MICROS),
                    "clicks": round(float(p["clicks"])),
                    "impressions": round(float(p["impressions"])),
                    "cost_micros": round(float(p["cost"]) * _MICROS),
                    "biddable_conversions": float(p["conversions"]),
                    "biddable_conversions_value": float(p["conversions_value"]),
                }
            )
        return pd.DataFrame(list(sims.values()))

    def _product_view(self) -> pd.DataFrame:
        p = self._frames["sem_products"]
        return pd.DataFrame(
            {
                "shopping_product.item_id": p["item_id"].astype(str),
                "shopping_product.title": p["title"].astype(str),
                "shopping_product.brand": p["brand"].astype(str),
                "shopping_product.category_level1": p["category"].astype(str),
                "shopping_product.price_micros": (p["price"].astype(float) * _MICROS)
                .round()
                .astype("int64"),
                "shopping_product.currency_code": p["currency"].astype(str),
                "shopping_product.language_code": p["language"].astype(str),
                "shopping_product.status": p["status"].astype(str),
                "shopping_product.availability": p["availability"].astype(str),
                "shopping_product.campaign": [
                    f"customers/{self.customer_id}/campaigns/{c}" for c in p["campaign_id"]
                ],
                "shopping_product.ad_group": [
                    f"customers/{self.customer_id}/adGroups/{a}" for a in p["ad_group_id"]
                ],
            }
        )


class ManagerViews:
    """A manager (MCC) account: no campaigns, a ``customer_client`` list of its clients."""

    def __init__(self, customer_id: str, clients: list[AccountViews]) -> None:
        self.customer_id = customer_id
        self.clients = clients
        self.clock = clients[0].clock if clients else clock.now

    def view(self, resource: str, fields: Iterable[str] = ()) -> pd.DataFrame:
        if resource == "customer_client":
            ids = [self.customer_id, *(c.customer_id for c in self.clients)]
            return pd.DataFrame(
                {
                    "customer_client.id": [int(i) for i in ids],
                    "customer_client.client_customer": [f"customers/{i}" for i in ids],
                    "customer_client.descriptive_name": ["Demo manager"]
                    + [c.name for c in self.clients],
                    "customer_client.manager": [True] + [False] * len(self.clients),
                    "customer_client.level": [0] + [1] * len(self.clients),
                    "customer_client.status": "ENABLED",
                    "customer_client.currency_code": "CAD",
                    "customer_client.time_zone": TIME_ZONE,
                    "customer_client.hidden": False,
                    "customer_client.test_account": False,
                }
            )
        if resource == "customer":
            return pd.DataFrame({"customer.id": [int(self.customer_id)],
                                 "customer.descriptive_name": ["Demo manager"],
                                 "customer.time_zone": [TIME_ZONE],
                                 "customer.manager": [True]})  # fmt: skip
        raise QueryError(f"resource {resource!r} has no rows for a manager account")


_CHANGE_EVENT_FIELDS = [
    "change_event.resource_name",
    "change_event.change_date_time",
    "change_event.change_resource_type",
    "change_event.change_resource_name",
    "change_event.client_type",
    "change_event.resource_change_operation",
    "change_event.changed_fields",
    "change_event.old_resource",
    "change_event.new_resource",
    "change_event.campaign",
    "change_event.ad_group",
]
_LAG_BUCKETS = [(0, "LESS_THAN_ONE_DAY"), (1, "ONE_TO_TWO_DAYS"), (2, "TWO_TO_THREE_DAYS"),
                (3, "THREE_TO_FOUR_DAYS"), (4, "FOUR_TO_FIVE_DAYS"), (5, "FIVE_TO_SIX_DAYS"),
                (6, "SIX_TO_SEVEN_DAYS"), (7, "SEVEN_TO_EIGHT_DAYS"), (8, "EIGHT_TO_NINE_DAYS"),
                (9, "NINE_TO_TEN_DAYS"), (10, "TEN_TO_ELEVEN_DAYS"),
                (11, "ELEVEN_TO_TWELVE_DAYS"), (12, "TWELVE_TO_THIRTEEN_DAYS"),
                (13, "THIRTEEN_TO_FOURTEEN_DAYS"), (14, "FOURTEEN_TO_TWENTY_ONE_DAYS"),
                (21, "TWENTY_ONE_TO_THIRTY_DAYS"), (30, "THIRTY_TO_FORTY_FIVE_DAYS"),
                (45, "FORTY_FIVE_TO_SIXTY_DAYS"), (60, "SIXTY_TO_NINETY_DAYS")]  # fmt: skip


def _lag_bucket(days: int) -> str:
    return [name for start, name in _LAG_BUCKETS if start <= days][-1]


def _metrics(d: pd.DataFrame, completeness: np.ndarray | float = 1.0) -> dict[str, np.ndarray]:
    """Metrics columns; conversions are what has been reported by now (``completeness``)."""
    return {
        "metrics.clicks": d["clicks"].astype("int64").to_numpy(),
        "metrics.impressions": d["impressions"].astype("int64").to_numpy(),
        "metrics.cost_micros": (d["cost"].astype(float) * _MICROS)
        .round()
        .astype("int64")
        .to_numpy(),
        "metrics.conversions": d["conversions"].astype(float).to_numpy() * completeness,
        "metrics.conversions_value": d["conversions_value"].astype(float).to_numpy() * completeness,
    }


class ChangeEventLimitError(QueryError):
    """A change_event query outside Google's limits (a ChangeEventError failure)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _check_change_event_query(query: Query, now: dt.datetime) -> None:
    """Google's rules: a finite change_date_time range starting within the last 30 days,
    and a LIMIT of at most 10,000."""
    field_name = "change_event.change_date_time"
    low, high = [], []
    for name, op, val in query.where:
        if name != field_name:
            continue
        if op == "BETWEEN":
            low.append(val[0])
            high.append(val[1])
        elif op in (">", ">="):
            low.append(val)
        elif op in ("<", "<="):
            high.append(val)
    if not low or not high:
        raise ChangeEventLimitError(
            "CHANGE_DATE_RANGE_INFINITE",
            "The change_event search request must specify a finite range filter on "
            "change_date_time.",
        )
    start, end = max(pd.Timestamp(v) for v in low), min(pd.Timestamp(v) for v in high)
    if start < pd.Timestamp(now) - pd.Timedelta(days=CHANGE_EVENT_DAYS):
        raise ChangeEventLimitError(
            "START_DATE_TOO_OLD",
            f"The requested start date is too old. It cannot be older than "
            f"{CHANGE_EVENT_DAYS} days.",
        )
    if start > end:
        raise ChangeEventLimitError(
            "CHANGE_DATE_RANGE_NEGATIVE",
            "The change event search request has specified invalid date time filters.",
        )
    if query.limit is None:
        raise ChangeEventLimitError(
            "LIMIT_NOT_SPECIFIED", "The change_event search request must specify a LIMIT."
        )
    if query.limit > CHANGE_EVENT_MAX_LIMIT:
        raise ChangeEventLimitError(
            "INVALID_LIMIT_CLAUSE",
            "The LIMIT specified by change_event request should be less than or equal to 10K.",
        )


def _normalize_times(where: list[tuple[str, str, Any]]) -> list[tuple[str, str, Any]]:
    """change_date_time filters as zero-padded strings that compare like the column's."""

    def fmt(value: Any) -> str:
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S.%f")

    out = []
    for name, op, val in where:
        if name == "change_event.change_date_time":
            val = tuple(fmt(v) for v in val) if op == "BETWEEN" else fmt(val)
        out.append((name, op, val))
    return out


def run_query(views: AccountViews | ManagerViews, query: Query) -> pd.DataFrame:
    if query.resource == "change_event":
        _check_change_event_query(query, views.clock())
        query = Query(query.fields, query.resource, _normalize_times(query.where),
                      query.order_by, query.limit)  # fmt: skip
    frame = views.view(query.resource, query.fields)
    unknown = [f for f in query.fields if f not in frame.columns]
    if unknown:
        raise QueryError(f"unrecognized field(s) in SELECT: {', '.join(unknown)}")
    frame = _apply_where(frame, query.where)
    metrics = [f for f in query.fields if f.startswith("metrics.")]
    attrs = [f for f in query.fields if not f.startswith("metrics.")]
    if metrics and "segments.date" not in query.fields and "segments.date" in frame.columns:
        frame = frame.groupby(attrs, sort=False, as_index=False)[metrics].sum()
    for name, desc in reversed(query.order_by):
        frame = frame.sort_values(name, ascending=not desc, kind="stable")
    if query.limit is not None:
        frame = frame.head(query.limit)
    return frame[query.fields]


# ------------------------------------------------------------------ rows (raw protobuf)


def _setter(path: str) -> Callable[[Any, Any], None]:
    """A fast setter of one GAQL field on a raw GoogleAdsRow protobuf message."""
    # proto-plus renames fields that are Python keywords or builtins ("type" -> "type_").
    parts = path.split(".")
    desc = _ROW_PB.DESCRIPTOR
    for i, part in enumerate(parts):
        if part not in desc.fields_by_name and f"{part}_" in desc.fields_by_name:
            parts[i] = part = f"{part}_"
        if i < len(parts) - 1:
            desc = desc.fields_by_name[part].message_type
    leaf = desc.fields_by_name[parts[-1]]
    head, last = parts[:-1], parts[-1]

    def target(row: Any) -> Any:
        for part in head:
            row = getattr(row, part)
        return row

    if leaf.message_type is not None and leaf.message_type.full_name.endswith("FieldMask"):
        return lambda row, value: getattr(target(row), last).paths.extend(value)
    if leaf.message_type is not None and leaf.is_repeated:  # repeated points of a simulation

        def set_points(row: Any, value: Any) -> None:
            container = getattr(target(row), last)
            for point in value:
                msg = container.add()
                for k, v in point.items():
                    setattr(msg, k, v)

        return set_points
    if leaf.message_type is not None:  # a nested message given as a dict (old_resource, ...)
        return lambda row, value: json_format.ParseDict(value, getattr(target(row), last))
    if leaf.enum_type is not None:
        numbers = {v.name: v.number for v in leaf.enum_type.values}
        return lambda row, value: setattr(target(row), last, numbers[value])
    if leaf.is_repeated:
        return lambda row, value: getattr(target(row), last).extend(value)
    if leaf.cpp_type in (leaf.CPPTYPE_INT64, leaf.CPPTYPE_INT32):
        # Columns of mixed resources (keywords and listing groups) hold ints as floats.
        return lambda row, value: setattr(target(row), last, int(value))
    return lambda row, value: setattr(target(row), last, value)


def build_rows(frame: pd.DataFrame) -> list[Any]:
    setters = [_setter(col) for col in frame.columns]
    columns = [frame[c].tolist() for c in frame.columns]
    rows = []
    for values in zip(*columns, strict=True):
        row = _ROW_PB()
        for set_value, value in zip(setters, values, strict=True):
            if value is None or value is pd.NA or (isinstance(value, float) and value != value):
                continue  # not set on this row (a listing group has no keyword text, ...)
            set_value(row, value.item() if isinstance(value, np.generic) else value)
        rows.append(row)
    return rows


# ------------------------------------------------------------------ the server


class _Abort(Exception):
    def __init__(
        self, code: grpc.StatusCode, message: str, failure: GoogleAdsFailure | None
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.failure = code, message, failure


def _failure(kind: str, code: str, message: str, request_id: str, index: int | None = None) -> Any:
    error: dict[str, Any] = {"error_code": {kind: code}, "message": message}
    if index is not None:
        error["location"] = {"field_path_elements": [{"field_name": "operations", "index": index}]}
    return GoogleAdsFailure(errors=[error], request_id=request_id)


@dataclass
class ServerHandle:
    """What :func:`serve` yields: the endpoint, fault injection and state inspection."""

    endpoint: str
    root_cert_path: Path
    customer_id: str
    developer_token: str
    access_token: str
    views: AccountViews
    page_size: int
    stream_batch_size: int
    # Every served account by id (``views`` is the first); with a manager, its clients answer
    # only requests whose login-customer-id header names the manager, like Google's.
    accounts: dict[str, AccountViews | ManagerViews] = field(default_factory=dict)
    manager_id: str | None = None
    denied: set[str] = field(default_factory=set)
    journal: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    _faults: list[tuple[str | None, str]] = field(default_factory=list)
    _failing_criteria: dict[int, tuple[str, str]] = field(default_factory=dict)
    _interrupt_after: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    def fail_next(self, n: int, code: str = "UNAVAILABLE", method: str | None = None) -> None:
        """Fail the next ``n`` calls (of ``method``, e.g. "SearchStream", or any) with ``code``:
        UNAVAILABLE, RESOURCE_EXHAUSTED (a quota failure), INTERNAL (transient) or
        INVALID_ARGUMENT."""
        with self._lock:
            self._faults.extend([(method, code)] * n)

    def fail_mutations(
        self,
        criterion_ids: Iterable[int],
        error: tuple[str, str] = ("database_error", "CONCURRENT_MODIFICATION"),
    ) -> None:
        """Make every mutate operation on these criteria fail with ``error`` (until cleared)."""
        with self._lock:
            for c in criterion_ids:
                self._failing_criteria[int(c)] = error

    def interrupt_next_stream(self, after_batches: int) -> None:
        """Break the next SearchStream of more than ``after_batches`` batches with UNAVAILABLE
        after sending them (a connection lost mid-download)."""
        with self._lock:
            self._interrupt_after = after_batches

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._failing_criteria.clear()
            self._interrupt_after = None

    def bids(self) -> pd.Series:
        """Current max CPC bid (currency units) by criterion id."""
        kw = self.views.keywords
        return pd.Series(
            kw["cpc_bid_micros"].to_numpy() / _MICROS, index=kw["criterion_id"].to_numpy()
        )

    def wait(self) -> None:
        """Block until interrupted (for ``searchops sem demo --serve``)."""
        try:
            while not self._stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass

    def deny(self, customer_id: str) -> None:
        """Revoke access to one served account (USER_PERMISSION_DENIED from now on)."""
        self.denied.add(customer_id)

    # ----- request handling

    def _may_access(self, customer_id: str, login_customer_id: str | None) -> bool:
        if customer_id not in self.accounts or customer_id in self.denied:
            return False
        if self.manager_id is None or customer_id == self.manager_id:
            return True
        return login_customer_id == self.manager_id

    def _take_fault(self, method: str) -> str | None:
        with self._lock:
            for i, (m, code) in enumerate(self._faults):
                if m is None or m == method:
                    del self._faults[i]
                    return code
        return None

    def _begin(self, method: str, request: Any, context: grpc.ServicerContext) -> str:
        request_id = uuid.uuid4().hex[:22]
        _current.request_id = request_id  # one call runs in one worker thread
        context.set_trailing_metadata((("request-id", request_id),))
        meta = dict(context.invocation_metadata())
        with self._lock:
            self.calls.append({"method": method, "request_id": request_id,
                               "query": getattr(request, "query", None)})  # fmt: skip
        if meta.get("developer-token") != self.developer_token:
            raise _Abort(
                grpc.StatusCode.UNAUTHENTICATED,
                "The developer token is not valid.",
                _failure(
                    "authentication_error",
                    "DEVELOPER_TOKEN_INVALID",
                    "The developer token is not valid.",
                    request_id,
                ),
            )
        if meta.get("authorization") != f"Bearer {self.access_token}":
            raise _Abort(
                grpc.StatusCode.UNAUTHENTICATED,
                "Request is missing required authentication credential.",
                _failure(
                    "authentication_error",
                    "OAUTH_TOKEN_INVALID",
                    "The OAuth access token is invalid.",
                    request_id,
                ),
            )
        if not self._may_access(request.customer_id, meta.get("login-customer-id")):
            raise _Abort(
                grpc.StatusCode.PERMISSION_DENIED,
                "The caller does not have permission",
                _failure(
                    "authorization_error",
                    "USER_PERMISSION_DENIED",
                    f"User doesn't have permission to access customer {request.customer_id}.",
                    request_id,
                ),
            )
        fault = self._take_fault(method)
        if fault == "UNAVAILABLE":
            raise _Abort(grpc.StatusCode.UNAVAILABLE, "The service is currently unavailable.", None)
        if fault == "RESOURCE_EXHAUSTED":
            raise _Abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "Too many requests. Retry in 1 seconds.",
                _failure(
                    "quota_error",
                    "RESOURCE_TEMPORARILY_EXHAUSTED",
                    "Too many requests. Retry in 1 seconds.",
                    request_id,
                ),
            )
        if fault == "INTERNAL":
            raise _Abort(
                grpc.StatusCode.INTERNAL,
                "Internal error encountered.",
                _failure(
                    "internal_error", "TRANSIENT_ERROR", "Internal error encountered.", request_id
                ),
            )
        if fault:
            raise _Abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                "Request contains an invalid argument.",
                _failure("request_error", "UNKNOWN", "Injected request failure.", request_id),
            )
        return request_id

    def _query(self, request: Any, request_id: str) -> pd.DataFrame:
        try:
            return run_query(self.accounts[request.customer_id], parse_gaql(request.query))
        except ChangeEventLimitError as exc:
            raise _Abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                "Request contains an invalid argument.",
                _failure("change_event_error", exc.code, str(exc), request_id),
            ) from None
        except (QueryError, KeyError) as exc:
            raise _Abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                "Request contains an invalid argument.",
                _failure("query_error", "UNRECOGNIZED_FIELD", str(exc), request_id),
            ) from None

    def search(self, request: Any, context: grpc.ServicerContext) -> bytes:
        request_id = self._begin("Search", request, context)
        frame = self._query(request, request_id)
        start = int(request.page_token or 0)
        page = frame.iloc[start : start + self.page_size]
        resp = ga_svc.SearchGoogleAdsResponse.pb()()
        resp.results.extend(build_rows(page))
        if start + self.page_size < len(frame):
            resp.next_page_token = str(start + self.page_size)
        if request.search_settings.return_total_results_count:
            resp.total_results_count = len(frame)
        resp.field_mask.paths.extend(list(frame.columns))
        return resp.SerializeToString()

    def search_stream(self, request: Any, context: grpc.ServicerContext) -> Iterator[bytes]:
        request_id = self._begin("SearchStream", request, context)
        frame = self._query(request, request_id)
        with self._lock:
            batches = -(-len(frame) // self.stream_batch_size)
            interrupt = self._interrupt_after
            if interrupt is not None and batches > interrupt:
                self._interrupt_after = None
            else:
                interrupt = None
        for batch, start in enumerate(range(0, max(len(frame), 1), self.stream_batch_size)):
            if batch == interrupt:
                raise _Abort(grpc.StatusCode.UNAVAILABLE, "Connection reset mid-stream.", None)
            resp = ga_svc.SearchGoogleAdsStreamResponse.pb()()
            resp.results.extend(build_rows(frame.iloc[start : start + self.stream_batch_size]))
            resp.field_mask.paths.extend(list(frame.columns))
            resp.request_id = request_id
            yield resp.SerializeToString()

    def mutate(self, request: Any, context: grpc.ServicerContext) -> bytes:
        request_id = self._begin("MutateAdGroupCriteria", request, context)
        errors, planned = [], []
        with self._lock:
            for i, op in enumerate(request.operations):
                problem = self._check_operation(op, self.accounts[request.customer_id])
                if problem:
                    kind, code, message = problem
                    errors.append((i, kind, code, message))
                else:
                    planned.append((i, op))
        if errors and not request.partial_failure:
            failure = GoogleAdsFailure(request_id=request_id)
            for i, kind, code, message in errors:
                failure.errors.append(_failure(kind, code, message, request_id, i).errors[0])
            raise _Abort(
                grpc.StatusCode.INVALID_ARGUMENT, "Request contains an invalid argument.", failure
            )
        resp = agc_svc.MutateAdGroupCriteriaResponse()
        results: list[Any] = [agc_svc.MutateAdGroupCriterionResult() for _ in request.operations]
        if not request.validate_only:
            with self._lock:
                for i, op in planned:
                    results[i] = agc_svc.MutateAdGroupCriterionResult(
                        resource_name=op.update.resource_name
                    )
                    self._apply(op, request_id, self.accounts[request.customer_id])
            resp.results = results
        if errors and request.partial_failure:
            failure = GoogleAdsFailure(request_id=request_id)
            for i, kind, code, message in errors:
                failure.errors.append(_failure(kind, code, message, request_id, i).errors[0])
            detail = any_pb2.Any()
            detail.Pack(GoogleAdsFailure.pb(failure))
            resp.partial_failure_error = status_pb2.Status(
                code=grpc.StatusCode.INVALID_ARGUMENT.value[0],
                message=f"Multiple errors in 'details'. {len(errors)} operation(s) failed.",
                details=[detail],
            )
        return agc_svc.MutateAdGroupCriteriaResponse.serialize(resp)

    def _check_operation(self, op: Any, views: Any) -> tuple[str, str, str] | None:
        name = op.update.resource_name
        match = re.fullmatch(r"customers/(\d+)/adGroupCriteria/(\d+)~(\d+)", name or "")
        if (
            not isinstance(views, AccountViews)
            or not match
            or match.group(1) != views.customer_id
            or int(match.group(3)) not in views.index
        ):
            return ("mutate_error", "RESOURCE_NOT_FOUND", f"Resource was not found: {name!r}.")
        crit = int(match.group(3))
        if crit in self._failing_criteria:
            kind, code = self._failing_criteria[crit]
            return (kind, code, f"Injected failure for criterion {crit}.")
        paths = set(op.update_mask.paths)
        if "cpc_bid_micros" in paths:
            micros = op.update.cpc_bid_micros
            if micros < 10_000:
                return ("bidding_error", "BID_TOO_SMALL", "Bid is below the minimum (0.01).")
            if micros % 10_000:
                return ("bidding_error", "BID_TOO_MANY_FRACTIONAL_DIGITS",
                        "Bid must be a multiple of the billable unit (0.01).")  # fmt: skip
            if micros > 1000 * _MICROS:
                return ("bidding_error", "BID_TOO_BIG", "Bid is above the maximum.")
        if "status" in paths and op.update.status.name not in ("ENABLED", "PAUSED"):
            # An update sets ENABLED or PAUSED; REMOVED takes a remove operation, and an
            # unset status under the mask would clear a required field.
            return ("field_error", "INVALID_VALUE",
                    f"The status {op.update.status.name} cannot be set by an update.")  # fmt: skip
        return None

    def _apply(self, op: Any, request_id: str, views: Any) -> None:
        crit = int(op.update.resource_name.rsplit("~", 1)[1])
        row = views.index[crit]
        kw = views.keywords
        paths = set(op.update_mask.paths)
        entry: dict[str, Any] = {"request_id": request_id, "criterion_id": crit,
                                 "at": dt.datetime.now(dt.UTC).isoformat()}  # fmt: skip
        if "cpc_bid_micros" in paths:
            entry["old_cpc_bid_micros"] = int(kw["cpc_bid_micros"].to_numpy()[row])
            entry["new_cpc_bid_micros"] = int(op.update.cpc_bid_micros)
            kw.at[row, "cpc_bid_micros"] = int(op.update.cpc_bid_micros)
            views.applied_changes.append(
                {
                    "changed_at": views.clock(),
                    "campaign_id": int(kw.at[row, "campaign_id"]),
                    "ad_group_id": int(kw.at[row, "ad_group_id"]),
                    "criterion_id": crit,
                    "operation": "UPDATE",
                    "old_bid": entry["old_cpc_bid_micros"] / _MICROS,
                    "new_bid": entry["new_cpc_bid_micros"] / _MICROS,
                    "client_type": "GOOGLE_ADS_API",
                }
            )
        if "status" in paths:
            entry["old_status"] = str(kw.at[row, "status"])
            entry["new_status"] = op.update.status.name
            kw.at[row, "status"] = op.update.status.name
        self.journal.append(entry)


def _unary(
    handle: ServerHandle,
    fn: Callable[[Any, grpc.ServicerContext], Any],
    deserialize: Callable[[bytes], Any],
) -> grpc.RpcMethodHandler:
    def call(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return fn(request, context)
        except _Abort as exc:
            _abort(context, exc)

    return grpc.unary_unary_rpc_method_handler(
        call, request_deserializer=deserialize, response_serializer=lambda b: b
    )


def _stream(
    handle: ServerHandle,
    fn: Callable[[Any, grpc.ServicerContext], Iterator[Any]],
    deserialize: Callable[[bytes], Any],
) -> grpc.RpcMethodHandler:
    def call(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            yield from fn(request, context)
        except _Abort as exc:
            _abort(context, exc)

    return grpc.unary_stream_rpc_method_handler(
        call, request_deserializer=deserialize, response_serializer=lambda b: b
    )


def _abort(context: grpc.ServicerContext, exc: _Abort) -> None:
    metadata: list[tuple[str, Any]] = [("request-id", getattr(_current, "request_id", ""))]
    if exc.failure is not None:
        metadata.append((FAILURE_KEY, GoogleAdsFailure.serialize(exc.failure)))
    context.set_trailing_metadata(tuple(metadata))
    context.abort(exc.code, exc.message)


@contextmanager
def serve(
    account: Any,
    *clients: Any,
    manager_id: str | None = None,
    now: Callable[[], dt.datetime] | None = None,
    port: int = 0,
    developer_token: str = DEFAULT_DEVELOPER_TOKEN,
    access_token: str = DEFAULT_ACCESS_TOKEN,
    page_size: int = 10_000,
    stream_batch_size: int = 10_000,
    workers: int = 4,
) -> Iterator[ServerHandle]:
    """Serve ``account`` and any further ``clients`` (:class:`demo.ads_account.DemoAccount`,
    distinct customer ids) on ``127.0.0.1`` over TLS; with ``manager_id``, a manager account
    that lists them all as its clients.

    Yields a :class:`ServerHandle` (``endpoint`` "localhost:PORT" for
    ``GoogleAdsClient(endpoint=...)``, fault injection, ``journal``, ``bids()``). Page and
    batch sizes default to Google's (10,000 rows); tests lower them to exercise paging.
    ``now`` (naive, account time zone) is the server's clock: "today" for conversions not yet
    reported and the change_event 30-day limit; the wall clock by default.
    """
    cert, key = tls_files()
    trust_local_server()
    views = [
        AccountViews(a.frames, a.customer_id, now, name=f"Demo retailer {i + 1}")
        for i, a in enumerate((account, *clients))
    ]
    accounts: dict[str, AccountViews | ManagerViews] = {v.customer_id: v for v in views}
    if manager_id is not None:
        accounts[manager_id] = ManagerViews(manager_id, views)
    handle = ServerHandle(
        endpoint="",
        root_cert_path=cert,
        customer_id=account.customer_id,
        developer_token=developer_token,
        access_token=access_token,
        views=views[0],
        page_size=page_size,
        stream_batch_size=stream_batch_size,
        accounts=accounts,
        manager_id=manager_id,
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    ga = f"{_SERVICES}.GoogleAdsService"
    agc = f"{_SERVICES}.AdGroupCriterionService"
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                ga,
                {
                    "Search": _unary(
                        handle, handle.search, ga_svc.SearchGoogleAdsRequest.deserialize
                    ),
                    "SearchStream": _stream(
                        handle,
                        handle.search_stream,
                        ga_svc.SearchGoogleAdsStreamRequest.deserialize,
                    ),
                },
            ),
            grpc.method_handlers_generic_handler(
                agc,
                {
                    "MutateAdGroupCriteria": _unary(
                        handle, handle.mutate, agc_svc.MutateAdGroupCriteriaRequest.deserialize
                    )
                },
            ),
        )
    )
    creds = grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())])
    bound = server.add_secure_port(f"127.0.0.1:{port}", creds)
    handle.endpoint = f"localhost:{bound}"
    server.start()
    try:
        yield handle
    finally:
        handle._stop.set()
        server.stop(grace=None)
