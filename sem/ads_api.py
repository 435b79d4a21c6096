"""Google Ads API pulls through the ``google-ads`` client into the SEM tables.

:func:`pull` runs one GAQL query per table with ``GoogleAdsService.SearchStream`` (the
recommended read path for reports: no paging round-trips), converts micros to currency units
and returns frames with the columns of :mod:`sem.tables`. Transient failures (UNAVAILABLE,
RESOURCE_EXHAUSTED / quota, INTERNAL transient errors, DEADLINE_EXCEEDED) are retried with
exponential backoff and full jitter; a ``GoogleAdsException`` that is not transient becomes
one :class:`SearchopsError` line naming the error code, message and request id.

Credentials come from the library's own loaders (``google-ads.yaml`` or ``GOOGLE_ADS_*``
environment variables) and stay inside the client: nothing here logs or stores them.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import grpc
import pandas as pd
from google.ads.googleads.client import GoogleAdsClient
from google.ads.googleads.errors import GoogleAdsException
from google.api_core import exceptions as api_exceptions

from searchops.errors import SearchopsError
from searchops.workspace import Workspace, monday_of
from sem import tables

API_VERSION = "v26"  # the newest version the installed google-ads library (v34) speaks
log = logging.getLogger(__name__)
_MICROS = 1_000_000
_TRANSIENT_CODES = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.ABORTED,
}
_TRANSIENT_API = (
    api_exceptions.ServiceUnavailable,
    api_exceptions.TooManyRequests,
    api_exceptions.ResourceExhausted,
    api_exceptions.DeadlineExceeded,
    api_exceptions.InternalServerError,
    api_exceptions.Aborted,
)
_TRANSIENT_FAILURES = {
    ("quota_error", "RESOURCE_EXHAUSTED"),
    ("quota_error", "RESOURCE_TEMPORARILY_EXHAUSTED"),
    ("internal_error", "TRANSIENT_ERROR"),
    ("internal_error", "INTERNAL_ERROR"),
    ("internal_error", "DEADLINE_EXCEEDED"),
    ("database_error", "CONCURRENT_MODIFICATION"),
}

QUERIES: dict[str, str] = {
    "keywords": """
        SELECT campaign.id, campaign.name, ad_group.id, ad_group.name,
               ad_group_criterion.criterion_id, ad_group_criterion.keyword.text,
               ad_group_criterion.keyword.match_type, ad_group_criterion.status,
               ad_group_criterion.cpc_bid_micros, ad_group_criterion.final_urls
        FROM ad_group_criterion
        WHERE ad_group_criterion.type = KEYWORD AND ad_group_criterion.status != REMOVED""",
    "keyword_daily": """
        SELECT segments.date, campaign.id, ad_group.id, ad_group_criterion.criterion_id,
               ad_group_criterion.cpc_bid_micros, metrics.clicks, metrics.impressions,
               metrics.cost_micros, metrics.conversions, metrics.conversions_value
        FROM keyword_view
        WHERE segments.date BETWEEN '{since}' AND '{until}'""",
    "shopping_daily": """
        SELECT segments.date, campaign.id, ad_group.id, segments.product_item_id,
               metrics.clicks, metrics.impressions, metrics.cost_micros, metrics.conversions,
               metrics.conversions_value
        FROM shopping_performance_view
        WHERE segments.date BETWEEN '{since}' AND '{until}'""",
    "search_terms": """
        SELECT segments.date, campaign.id, ad_group.id, search_term_view.search_term,
               search_term_view.status, segments.keyword.ad_group_criterion,
               segments.keyword.info.text, segments.keyword.info.match_type, metrics.clicks,
               metrics.impressions, metrics.cost_micros, metrics.conversions,
               metrics.conversions_value
        FROM search_term_view
        WHERE segments.date BETWEEN '{since}' AND '{until}'""",
    "landscape": """
        SELECT ad_group_criterion_simulation.ad_group_id,
               ad_group_criterion_simulation.criterion_id,
               ad_group_criterion_simulation.start_date, ad_group_criterion_simulation.end_date,
               ad_group_criterion_simulation.cpc_bid_point_list.points
        FROM ad_group_criterion_simulation
        WHERE ad_group_criterion_simulation.type = CPC_BID""",
    "products": """
        SELECT shopping_product.item_id, shopping_product.title, shopping_product.brand,
               shopping_product.category_level1, shopping_product.price_micros,
               shopping_product.currency_code, shopping_product.language_code,
               shopping_product.status, shopping_product.availability,
               shopping_product.campaign, shopping_product.ad_group
        FROM shopping_product""",
}


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff_s: float = 1.0
    backoff_max_s: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**attempt)]."""
        return random.uniform(0, min(self.backoff_max_s, self.backoff_s * 2**attempt))


def load_client(
    config_file: Path | None = None, login_customer_id: str | None = None
) -> GoogleAdsClient:
    """A client from ``google-ads.yaml`` (``config_file`` or the library's default search) or,
    without a file, from the library's ``GOOGLE_ADS_*`` environment variables."""
    try:
        if config_file is not None:
            client = GoogleAdsClient.load_from_storage(str(config_file), version=API_VERSION)
        elif (
            os.environ.get("GOOGLE_ADS_CONFIGURATION_FILE_PATH")
            or (Path.home() / "google-ads.yaml").is_file()
        ):
            client = GoogleAdsClient.load_from_storage(version=API_VERSION)
        else:
            client = GoogleAdsClient.load_from_env(version=API_VERSION)
    except (ValueError, OSError) as exc:
        raise SearchopsError(f"Google Ads credentials: {_first_line(exc)}") from None
    except Exception as exc:  # token refresh failures (google.auth RefreshError, ...)
        raise SearchopsError(
            f"Google Ads credentials: {type(exc).__name__}: {_first_line(exc)}"
        ) from None
    if login_customer_id:
        client.login_customer_id = normalize_customer_id(login_customer_id)
    return client


def client_from_environment(
    config_file: Path | None = None,
    login_customer_id: str | None = None,
    endpoint: str | None = None,
) -> GoogleAdsClient:
    """The CLI's client: an access token from ``SEARCHOPS_ADS_ACCESS_TOKEN`` (no refresh; for
    the local server) with ``GOOGLE_ADS_DEVELOPER_TOKEN``, else the library's loaders."""
    token = os.environ.get("SEARCHOPS_ADS_ACCESS_TOKEN")
    if token and config_file is None:
        from google.oauth2.credentials import Credentials

        developer_token = os.environ.get("GOOGLE_ADS_DEVELOPER_TOKEN")
        if not developer_token:
            raise SearchopsError("SEARCHOPS_ADS_ACCESS_TOKEN needs GOOGLE_ADS_DEVELOPER_TOKEN too")
        client = GoogleAdsClient(
            credentials=Credentials(token=token),
            developer_token=developer_token,
            endpoint=endpoint,
            login_customer_id=normalize_customer_id(login_customer_id)
            if login_customer_id
            else None,
            version=API_VERSION,
        )
    else:
        client = load_client(config_file, login_customer_id)
        if endpoint:
            client.endpoint = endpoint
    return client


def normalize_customer_id(value: str) -> str:
    digits = str(value).replace("-", "").strip()
    if not digits.isdigit() or len(digits) != 10:
        raise SearchopsError(f"customer id {value!r}: expected 10 digits like 123-456-7890")
    return digits


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _errors(exc: GoogleAdsException) -> list[tuple[str, str, str]]:
    """(error kind, code name, message) of each error in the exception's GoogleAdsFailure."""
    failure = exc.failure
    if failure is None:
        return []
    raw = failure if hasattr(failure, "DESCRIPTOR") else type(failure).pb(failure)
    out = []
    for error in raw.errors:
        kind = error.error_code.WhichOneof("error_code") or "unknown"
        enum = error.error_code.DESCRIPTOR.fields_by_name.get(kind)
        number = getattr(error.error_code, kind, 0)
        name = enum.enum_type.values_by_number[number].name if enum is not None else str(number)
        out.append((kind, name, error.message))
    return out


def describe_google_ads_exception(exc: GoogleAdsException) -> str:
    """One line: status, the first errors' codes and messages, and the request id."""
    parts = [f"{kind}.{name}: {message}" for kind, name, message in _errors(exc)[:3]]
    code = exc.error.code() if hasattr(exc.error, "code") else None
    status = getattr(code, "name", "ERROR")
    return (
        f"Google Ads API {status}: {'; '.join(parts) or 'no details'} (request id {exc.request_id})"
    )


def _failure_codes(exc: GoogleAdsException) -> set[tuple[str, str]]:
    return {(kind, name) for kind, name, _ in _errors(exc)}


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, GoogleAdsException):
        return bool(_failure_codes(exc) & _TRANSIENT_FAILURES) or (
            hasattr(exc.error, "code")
            and exc.error.code() in _TRANSIENT_CODES
            and not _failure_codes(exc)
        )
    if isinstance(exc, _TRANSIENT_API):
        return True
    return (
        isinstance(exc, grpc.RpcError) and getattr(exc, "code", lambda: None)() in _TRANSIENT_CODES
    )


T = TypeVar("T")


def with_retries(call: Callable[[], T], policy: RetryPolicy, what: str) -> T:
    """``call()``, retried on transient errors; other errors become one clear line."""
    for attempt in range(policy.attempts + 1):
        try:
            return call()
        except Exception as exc:
            if is_transient(exc) and attempt < policy.attempts:
                wait = policy.delay(attempt)
                log.info(
                    "%s: transient %s, retry %d in %.2fs",
                    what,
                    type(exc).__name__,
                    attempt + 1,
                    wait,
                )
                policy.sleep(wait)
                continue
            raise _as_error(exc, what, attempt) from None
    raise AssertionError("unreachable")


def _as_error(exc: Exception, what: str, attempt: int) -> SearchopsError:
    tries = f" after {attempt + 1} attempts" if attempt else ""
    if isinstance(exc, GoogleAdsException):
        return SearchopsError(f"{what}{tries}: {describe_google_ads_exception(exc)}")
    if isinstance(exc, SearchopsError):
        return exc
    # RESOURCE_EXHAUSTED / INTERNAL reach us as plain gRPC (or api_core) errors: read the
    # status, the GoogleAdsFailure and the request id from the call's trailing metadata.
    call = exc.response if isinstance(exc, api_exceptions.GoogleAPICallError) else exc
    if isinstance(call, grpc.RpcError) and hasattr(call, "trailing_metadata"):
        code = call.code()  # type: ignore[attr-defined]
        metadata = dict(call.trailing_metadata() or ())  # type: ignore[attr-defined]
        details = call.details()  # type: ignore[attr-defined]
        failure_bytes = metadata.get(
            f"google.ads.googleads.{API_VERSION}.errors.googleadsfailure-bin"
        )
        if failure_bytes:
            from google.ads.googleads.v26.errors.types.errors import GoogleAdsFailure

            failure = GoogleAdsFailure.deserialize(failure_bytes)
            wrapped = GoogleAdsException(call, call, failure, metadata.get("request-id", ""))
            return SearchopsError(f"{what}{tries}: {describe_google_ads_exception(wrapped)}")
        request = f" (request id {metadata['request-id']})" if "request-id" in metadata else ""
        return SearchopsError(
            f"{what}{tries}: Google Ads API {getattr(code, 'name', code)}: {details}{request}"
        )
    if isinstance(exc, api_exceptions.GoogleAPICallError):
        return SearchopsError(
            f"{what}{tries}: Google Ads API {type(exc).__name__}: {_first_line(exc)}"
        )
    return SearchopsError(f"{what}{tries}: {type(exc).__name__}: {_first_line(exc)}")


def stream_rows(client: GoogleAdsClient, customer_id: str, query: str) -> Iterator[Any]:
    """Every row of a GAQL query, as raw protobuf ``GoogleAdsRow`` messages (fast to read)."""
    service = client.get_service("GoogleAdsService", version=API_VERSION)
    for batch in service.search_stream(customer_id=customer_id, query=query):
        raw = batch if hasattr(batch, "DESCRIPTOR") else type(batch).pb(batch)
        yield from raw.results


def _getter(path: str) -> Callable[[Any], Any]:
    parts = path.split(".")

    def get(row: Any) -> Any:
        for part in parts:
            row = getattr(row, part)
        return row

    return get


def _enum_name(path: str) -> Callable[[Any], str]:
    from google.ads.googleads.v26.services.types.google_ads_service import GoogleAdsRow

    desc = GoogleAdsRow.pb().DESCRIPTOR
    parts = path.split(".")
    for part in parts[:-1]:
        desc = desc.fields_by_name[part].message_type
    names = {v.number: v.name for v in desc.fields_by_name[parts[-1]].enum_type.values}
    get = _getter(path)
    return lambda row: names.get(get(row), "UNKNOWN")


def fetch(
    client: GoogleAdsClient,
    customer_id: str,
    query: str,
    columns: dict[str, Callable[[Any], Any]],
    policy: RetryPolicy,
    what: str,
) -> pd.DataFrame:
    def run() -> pd.DataFrame:
        data: dict[str, list[Any]] = {name: [] for name in columns}
        getters = list(columns.items())
        for row in stream_rows(client, customer_id, query):
            for name, get in getters:
                data[name].append(get(row))
        return pd.DataFrame(data)

    return with_retries(run, policy, what)


def _criterion_from_resource(name: str) -> int | None:
    tail = name.rsplit("~", 1)
    return int(tail[1]) if len(tail) == 2 and tail[1].isdigit() else None


def pull(
    client: GoogleAdsClient,
    customer_id: str,
    since: date,
    until: date,
    *,
    policy: RetryPolicy | None = None,
) -> dict[str, pd.DataFrame]:
    """All SEM tables of one account for ``since..until`` (frames in :mod:`sem.tables` columns)."""
    cid = normalize_customer_id(customer_id)
    policy = policy or RetryPolicy()
    g = _getter
    dates = {"since": since.isoformat(), "until": until.isoformat()}
    metric_cols = {
        "clicks": g("metrics.clicks"),
        "impressions": g("metrics.impressions"),
        "cost": lambda r: r.metrics.cost_micros / _MICROS,
        "conversions": g("metrics.conversions"),
        "conversions_value": g("metrics.conversions_value"),
    }
    kw = fetch(client, cid, QUERIES["keywords"], {
        "campaign_id": g("campaign.id"),
        "campaign": g("campaign.name"),
        "ad_group_id": g("ad_group.id"),
        "ad_group": g("ad_group.name"),
        "criterion_id": g("ad_group_criterion.criterion_id"),
        "keyword": g("ad_group_criterion.keyword.text"),
        "match_type": _enum_name("ad_group_criterion.keyword.match_type"),
        "status": _enum_name("ad_group_criterion.status"),
        "cpc_bid": lambda r: r.ad_group_criterion.cpc_bid_micros / _MICROS,
        "final_url": lambda r: r.ad_group_criterion.final_urls[0] if r.ad_group_criterion.final_urls else None,
    }, policy, "keywords")  # fmt: skip
    # Campaigns are the pooling unit for the ROI models when the API gives no category.
    kw["category"] = kw["campaign"]
    daily = fetch(client, cid, QUERIES["keyword_daily"].format(**dates), {
        "date": g("segments.date"),
        "campaign_id": g("campaign.id"),
        "ad_group_id": g("ad_group.id"),
        "criterion_id": g("ad_group_criterion.criterion_id"),
        "cpc_bid": lambda r: r.ad_group_criterion.cpc_bid_micros / _MICROS,
        **metric_cols,
    }, policy, "keyword_view")  # fmt: skip
    shopping = fetch(client, cid, QUERIES["shopping_daily"].format(**dates), {
        "date": g("segments.date"),
        "campaign_id": g("campaign.id"),
        "ad_group_id": g("ad_group.id"),
        "item_id": g("segments.product_item_id"),
        **metric_cols,
    }, policy, "shopping_performance_view")  # fmt: skip
    terms = fetch(client, cid, QUERIES["search_terms"].format(**dates), {
        "date": g("segments.date"),
        "campaign_id": g("campaign.id"),
        "ad_group_id": g("ad_group.id"),
        "search_term": g("search_term_view.search_term"),
        "status": _enum_name("search_term_view.status"),
        "criterion_id": lambda r: _criterion_from_resource(r.segments.keyword.ad_group_criterion),
        "keyword": g("segments.keyword.info.text"),
        "match_type": _enum_name("segments.keyword.info.match_type"),
        **metric_cols,
    }, policy, "search_term_view")  # fmt: skip
    sims = fetch(client, cid, QUERIES["landscape"], {
        "ad_group_id": g("ad_group_criterion_simulation.ad_group_id"),
        "criterion_id": g("ad_group_criterion_simulation.criterion_id"),
        "start_date": g("ad_group_criterion_simulation.start_date"),
        "end_date": g("ad_group_criterion_simulation.end_date"),
        "points": lambda r: [
            (p.cpc_bid_micros / _MICROS, p.clicks, p.impressions, p.cost_micros / _MICROS,
             p.biddable_conversions, p.biddable_conversions_value)
            for p in r.ad_group_criterion_simulation.cpc_bid_point_list.points
        ],
    }, policy, "ad_group_criterion_simulation")  # fmt: skip
    landscape = sims.explode("points").dropna(subset=["points"]).reset_index(drop=True)
    point_cols = ["cpc_bid", "clicks", "impressions", "cost", "conversions", "conversions_value"]
    landscape = landscape.drop(columns="points").join(
        pd.DataFrame(landscape["points"].tolist(), columns=point_cols, index=landscape.index)
    )
    products = fetch(client, cid, QUERIES["products"], {
        "item_id": g("shopping_product.item_id"),
        "title": g("shopping_product.title"),
        "brand": g("shopping_product.brand"),
        "category": g("shopping_product.category_level1"),
        "price": lambda r: r.shopping_product.price_micros / _MICROS,
        "currency": g("shopping_product.currency_code"),
        "language": g("shopping_product.language_code"),
        "status": _enum_name("shopping_product.status"),
        "availability": _enum_name("shopping_product.availability"),
        "campaign_id": lambda r: _trailing_id(r.shopping_product.campaign),
        "ad_group_id": lambda r: _trailing_id(r.shopping_product.ad_group),
    }, policy, "shopping_product")  # fmt: skip
    frames = {
        "sem_keywords": kw,
        "sem_keyword_daily": daily,
        "sem_shopping_daily": shopping,
        "sem_search_terms": terms,
        "sem_bid_landscape": landscape,
        "sem_products": products,
    }
    for frame in frames.values():
        frame["customer_id"] = cid
    return frames


def _trailing_id(resource_name: str) -> int | None:
    tail = resource_name.rsplit("/", 1)[-1] if resource_name else ""
    return int(tail) if tail.isdigit() else None


def save_pull(
    workspace: Workspace,
    frames: dict[str, pd.DataFrame],
    customer_id: str,
    since: date,
    until: date,
) -> str:
    """Write a pull (replacing the same account's snapshot and the pulled date range)."""
    started = datetime.now(UTC).replace(tzinfo=None)
    cid = normalize_customer_id(customer_id)
    source = f"google-ads:{cid}"
    pull_id = f"sem-pull-{cid}-{started:%Y%m%dT%H%M%S%f}"
    with workspace.transaction():
        counts = {
            table: tables.write(
                workspace, table, frame, source=source, pull_id=pull_id, since=since, until=until
            )
            for table, frame in frames.items()
        }
        workspace.register_run(
            pull_id, "sem", started_at=started, finished_at=datetime.now(UTC).replace(tzinfo=None),
            week=monday_of(datetime.combine(until, datetime.min.time())),
            label=f"Google Ads pull {cid}",
            stats={"source": source, "since": since, "until": until, "rows": counts},
        )  # fmt: skip
    return pull_id
