"""A local Google Ads API server (gRPC over TLS on 127.0.0.1) answering from a demo account.

It speaks the real protocol with the ``google-ads`` library's own message types, so the
production client code path (``GoogleAdsClient`` -> ``GoogleAdsService.SearchStream`` ...)
runs unchanged against it:

* ``GoogleAdsService/Search`` (paged) and ``SearchStream`` (batched) answer the project's GAQL
  (SELECT / FROM / WHERE with = != IN BETWEEN > >= < <= / ORDER BY / LIMIT) over ``campaign``,
  ``ad_group``, ``ad_group_criterion``, ``keyword_view``, ``shopping_performance_view``,
  ``search_term_view``, ``ad_group_criterion_simulation`` and ``shopping_product``; metrics
  are summed over the selected attributes when ``segments.date`` is not selected.
* ``AdGroupCriterionService/MutateAdGroupCriteria`` updates ``cpc_bid_micros`` / ``status``
  with ``validate_only`` and ``partial_failure``; applied bids show in later queries of
  ``ad_group_criterion`` and every applied operation is journaled (``handle.journal``).
  (``keyword_view`` rows report the bid in effect on each day, which the real API does not.)
* Faults: ``handle.fail_next(n, "UNAVAILABLE" | "RESOURCE_EXHAUSTED" | "INTERNAL", method=)``,
  ``handle.interrupt_next_stream(after_batches)`` and ``handle.fail_mutations(criterion_ids)``; errors carry a ``GoogleAdsFailure`` in the
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

import grpc
import numpy as np
import pandas as pd
from google.ads.googleads.v26.errors.types.errors import GoogleAdsFailure
from google.ads.googleads.v26.services.types import ad_group_criterion_service as agc_svc
from google.ads.googleads.v26.services.types import google_ads_service as ga_svc
from google.protobuf import any_pb2
from google.rpc import status_pb2

API_VERSION = "v26"
FAILURE_KEY = f"google.ads.googleads.{API_VERSION}.errors.googleadsfailure-bin"
_SERVICES = f"google.ads.googleads.{API_VERSION}.services"
DEFAULT_DEVELOPER_TOKEN = "local-dev-token"
DEFAULT_ACCESS_TOKEN = "local-access-token"
_ROW_PB = ga_svc.GoogleAdsRow.pb()
_MICROS = 1_000_000
_current = threading.local()


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

    def __init__(self, frames: dict[str, pd.DataFrame], customer_id: str) -> None:
        self.customer_id = customer_id
        kw = frames["sem_keywords"].reset_index(drop=True)
        self.keywords = kw.assign(
            cpc_bid_micros=(kw["cpc_bid"].astype(float) * _MICROS).round().astype("int64")
        )
        self.index = {int(c): i for i, c in enumerate(self.keywords["criterion_id"])}
        self._frames = frames
        self._static: dict[str, pd.DataFrame] = {}

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
                "ad_group_criterion.cpc_bid_micros": kw["cpc_bid_micros"],
                "ad_group_criterion.final_urls": [[u] for u in kw["final_url"].astype(str)],
            }
        )

    def view(self, resource: str) -> pd.DataFrame:
        if resource in ("ad_group_criterion", "campaign", "ad_group"):
            attrs = self._keyword_attrs()  # mutable state: rebuilt on every query
            if resource == "campaign":
                attrs = attrs.drop_duplicates("campaign.id").assign(
                    **{"campaign.status": "ENABLED"}
                )
            elif resource == "ad_group":
                attrs = attrs.drop_duplicates("ad_group.id").assign(
                    **{"ad_group.status": "ENABLED"}
                )
            return attrs
        if resource not in self._static:
            builders: dict[str, Callable[[], pd.DataFrame]] = {
                "keyword_view": self._keyword_view,
                "shopping_performance_view": self._shopping_view,
                "search_term_view": self._search_term_view,
                "ad_group_criterion_simulation": self._simulation_view,
                "shopping_product": self._product_view,
            }
            if resource not in builders:
                raise QueryError(f"resource {resource!r} is not served by the local server")
            self._static[resource] = builders[resource]()
        return self._static[resource]

    def _keyword_view(self) -> pd.DataFrame:
        daily = self._frames["sem_keyword_daily"]
        attrs = self._keyword_attrs().drop(columns=["ad_group_criterion.cpc_bid_micros"])
        pos = daily["criterion_id"].map(pd.Series(self.index)).to_numpy()
        out = attrs.iloc[pos].reset_index(drop=True)
        out["segments.date"] = pd.to_datetime(daily["date"]).dt.strftime("%Y-%m-%d").to_numpy()
        out["ad_group_criterion.cpc_bid_micros"] = (
            (daily["cpc_bid"].astype(float) * _MICROS).round().astype("int64").to_numpy()
        )
        return out.assign(**_metrics(daily))

    def _shopping_view(self) -> pd.DataFrame:
        d = self._frames["sem_shopping_daily"]
        return pd.DataFrame(
            {
                "segments.date": pd.to_datetime(d["date"]).dt.strftime("%Y-%m-%d"),
                "campaign.id": d["campaign_id"].astype("int64"),
                "ad_group.id": d["ad_group_id"].astype("int64"),
                "segments.product_item_id": d["item_id"].astype(str),
            }
        ).assign(**_metrics(d))

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
        ).assign(**_metrics(d))

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


def _metrics(d: pd.DataFrame) -> dict[str, np.ndarray]:
    return {
        "metrics.clicks": d["clicks"].astype("int64").to_numpy(),
        "metrics.impressions": d["impressions"].astype("int64").to_numpy(),
        "metrics.cost_micros": (d["cost"].astype(float) * _MICROS)
        .round()
        .astype("int64")
        .to_numpy(),
        "metrics.conversions": d["conversions"].astype(float).to_numpy(),
        "metrics.conversions_value": d["conversions_value"].astype(float).to_numpy(),
    }


def run_query(views: AccountViews, query: Query) -> pd.DataFrame:
    frame = views.view(query.resource)
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
    parts = path.split(".")
    desc = _ROW_PB.DESCRIPTOR
    for part in parts[:-1]:
        desc = desc.fields_by_name[part].message_type
    leaf = desc.fields_by_name[parts[-1]]
    head, last = parts[:-1], parts[-1]

    def target(row: Any) -> Any:
        for part in head:
            row = getattr(row, part)
        return row

    if leaf.message_type is not None:  # repeated points of a simulation

        def set_points(row: Any, value: Any) -> None:
            container = getattr(target(row), last)
            for point in value:
                msg = container.add()
                for k, v in point.items():
                    setattr(msg, k, v)

        return set_points
    if leaf.enum_type is not None:
        numbers = {v.name: v.number for v in leaf.enum_type.values}
        return lambda row, value: setattr(target(row), last, numbers[value])
    if leaf.is_repeated:
        return lambda row, value: getattr(target(row), last).extend(value)
    return lambda row, value: setattr(target(row), last, value)


def build_rows(frame: pd.DataFrame) -> list[Any]:
    setters = [_setter(col) for col in frame.columns]
    columns = [frame[c].tolist() for c in frame.columns]
    rows = []
    for values in zip(*columns, strict=True):
        row = _ROW_PB()
        for set_value, value in zip(setters, values, strict=True):
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
        """Break the next SearchStream with UNAVAILABLE after ``after_batches`` batches were
        sent (a connection lost mid-download)."""
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

    # ----- request handling

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
        if request.customer_id != self.customer_id:
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
            return run_query(self.views, parse_gaql(request.query))
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
            interrupt, self._interrupt_after = self._interrupt_after, None
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
                problem = self._check_operation(op)
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
                    self._apply(op, request_id)
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

    def _check_operation(self, op: Any) -> tuple[str, str, str] | None:
        name = op.update.resource_name
        match = re.fullmatch(r"customers/(\d+)/adGroupCriteria/(\d+)~(\d+)", name or "")
        if (
            not match
            or match.group(1) != self.customer_id
            or int(match.group(3)) not in self.views.index
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
        return None

    def _apply(self, op: Any, request_id: str) -> None:
        crit = int(op.update.resource_name.rsplit("~", 1)[1])
        row = self.views.index[crit]
        kw = self.views.keywords
        paths = set(op.update_mask.paths)
        entry: dict[str, Any] = {"request_id": request_id, "criterion_id": crit,
                                 "at": dt.datetime.now(dt.UTC).isoformat()}  # fmt: skip
        if "cpc_bid_micros" in paths:
            entry["old_cpc_bid_micros"] = int(kw["cpc_bid_micros"].to_numpy()[row])
            entry["new_cpc_bid_micros"] = int(op.update.cpc_bid_micros)
            kw.at[row, "cpc_bid_micros"] = int(op.update.cpc_bid_micros)
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
    *,
    port: int = 0,
    developer_token: str = DEFAULT_DEVELOPER_TOKEN,
    access_token: str = DEFAULT_ACCESS_TOKEN,
    page_size: int = 10_000,
    stream_batch_size: int = 10_000,
    workers: int = 4,
) -> Iterator[ServerHandle]:
    """Serve ``account`` (a :class:`demo.ads_account.DemoAccount`) on ``127.0.0.1`` over TLS.

    Yields a :class:`ServerHandle` (``endpoint`` "localhost:PORT" for
    ``GoogleAdsClient(endpoint=...)``, fault injection, ``journal``, ``bids()``). Page and
    batch sizes default to Google's (10,000 rows); tests lower them to exercise paging.
    """
    cert, key = tls_files()
    trust_local_server()
    handle = ServerHandle(
        endpoint="",
        root_cert_path=cert,
        customer_id=account.customer_id,
        developer_token=developer_token,
        access_token=access_token,
        views=AccountViews(account.frames, account.customer_id),
        page_size=page_size,
        stream_batch_size=stream_batch_size,
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
