"""Google Ads API pulls through the ``google-ads`` client into the SEM tables.

:func:`pull` runs one GAQL query per table with ``GoogleAdsService.SearchStream`` (the
recommended read path for reports: no paging round-trips), converts micros to currency units
and returns frames with the columns of :mod:`sem.tables`. Transient failures (UNAVAILABLE,
RESOURCE_EXHAUSTED / quota, INTERNAL transient errors, DEADLINE_EXCEEDED) are retried with
exponential backoff and full jitter; a ``GoogleAdsException`` that is not transient becomes
one :class:`SearchopsError` line naming the error code, message and request id.

Credentials come from ``google-ads.yaml`` or the library's ``GOOGLE_ADS_*`` environment
variables, parsed and validated by the library's own loaders, and stay inside the client:
nothing here logs or stores them. What is missing is named before the library is asked (it
would only say ``use_proto_plus``), and ``use_proto_plus`` defaults to true.

TLS: the client always opens a TLS channel and gRPC trusts the roots of
``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`` (:func:`searchops.tls.trust_ca_file`: a corporate proxy's CA, the local
server's certificate). A failed certificate check is permanent, never retried: one line names
the certificate problem.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import grpc
import numpy as np
import pandas as pd
from google.ads.googleads.client import GoogleAdsClient
from google.ads.googleads.errors import GoogleAdsException
from google.api_core import exceptions as api_exceptions

from searchops import clock
from searchops.errors import SearchopsError
from searchops.workspace import Workspace, monday_of
from sem import history, tables

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

# Strategies that set each auction's bid themselves: a keyword's max CPC is ignored, so bid
# changes are pointless (support.google.com/google-ads/answer/2979071 "About automated
# bidding"; Maximize clicks = TARGET_SPEND, Target impression share sets bids too).
SMART_BIDDING_STRATEGIES = frozenset(
    {
        "TARGET_CPA",
        "TARGET_ROAS",
        "MAXIMIZE_CONVERSIONS",
        "MAXIMIZE_CONVERSION_VALUE",
        "TARGET_SPEND",
        "TARGET_IMPRESSION_SHARE",
    }
)

QUERIES: dict[str, str] = {
    "customer": "SELECT customer.id, customer.time_zone, customer.manager FROM customer",
    "clients": """
        SELECT customer_client.id, customer_client.descriptive_name, customer_client.manager,
               customer_client.level, customer_client.status
        FROM customer_client
        WHERE customer_client.manager = FALSE AND customer_client.status = ENABLED""",
    "keywords": """
        SELECT campaign.id, campaign.name, campaign.bidding_strategy_type, ad_group.id,
               ad_group.name, ad_group_criterion.criterion_id, ad_group_criterion.keyword.text,
               ad_group_criterion.keyword.match_type, ad_group_criterion.status,
               ad_group_criterion.cpc_bid_micros, ad_group_criterion.effective_cpc_bid_micros,
               ad_group_criterion.final_urls
        FROM ad_group_criterion
        WHERE ad_group_criterion.type = KEYWORD AND ad_group_criterion.status != REMOVED""",
    # No bid here: keyword_view reports today's bid on every date (see sem.history).
    "keyword_daily": """
        SELECT segments.date, campaign.id, ad_group.id, ad_group_criterion.criterion_id,
               metrics.clicks, metrics.impressions, metrics.cost_micros, metrics.conversions,
               metrics.conversions_value
        FROM keyword_view
        WHERE segments.date BETWEEN '{since}' AND '{until}'""",
    "bid_changes": """
        SELECT change_event.resource_name, change_event.change_date_time,
               change_event.change_resource_name, change_event.resource_change_operation,
               change_event.changed_fields, change_event.old_resource,
               change_event.new_resource, change_event.client_type, change_event.campaign,
               change_event.change_resource_type
        FROM change_event
        WHERE change_event.change_date_time >= '{start}'
          AND change_event.change_date_time <= '{end}'
          AND change_event.change_resource_type IN (AD_GROUP_CRITERION, AD_GROUP)
        ORDER BY change_event.change_date_time
        LIMIT {limit}""",
    "campaigns": """
        SELECT campaign.id, campaign.name, campaign.status, campaign.advertising_channel_type,
               campaign.bidding_strategy_type, campaign_budget.id,
               campaign_budget.amount_micros, campaign_budget.delivery_method,
               campaign_budget.explicitly_shared
        FROM campaign
        WHERE campaign.status != REMOVED""",
    "campaign_daily": """
        SELECT segments.date, campaign.id, metrics.clicks, metrics.impressions,
               metrics.cost_micros, metrics.conversions, metrics.conversions_value,
               metrics.conversions_by_conversion_date,
               metrics.conversions_value_by_conversion_date, metrics.search_impression_share,
               metrics.search_budget_lost_impression_share,
               metrics.search_rank_lost_impression_share
        FROM campaign
        WHERE segments.date BETWEEN '{since}' AND '{until}'""",
    "conversion_lag": """
        SELECT segments.date, segments.conversion_lag_bucket, metrics.conversions
        FROM campaign
        WHERE segments.date BETWEEN '{since}' AND '{until}'""",
    "product_groups": """
        SELECT campaign.id, ad_group.id, ad_group_criterion.criterion_id,
               ad_group_criterion.status, ad_group_criterion.negative,
               ad_group_criterion.cpc_bid_micros, ad_group_criterion.listing_group.type,
               ad_group_criterion.listing_group.parent_ad_group_criterion,
               ad_group_criterion.listing_group.case_value.product_item_id.value,
               ad_group_criterion.listing_group.case_value.product_brand.value,
               ad_group_criterion.listing_group.case_value.product_type.value,
               ad_group_criterion.listing_group.case_value.product_category.category_id,
               ad_group_criterion.listing_group.case_value.product_custom_attribute.value,
               ad_group_criterion.listing_group.case_value.product_condition.condition,
               ad_group_criterion.listing_group.case_value.product_channel.channel
        FROM ad_group_criterion
        WHERE ad_group_criterion.type = LISTING_GROUP
          AND ad_group_criterion.status != REMOVED""",
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
    """Retries of transient API errors; ``[sem] api_retries / api_backoff_s /
    api_backoff_max_s`` are the one source of the numbers (:meth:`from_settings`)."""

    attempts: int
    backoff_s: float
    backoff_max_s: float
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_settings(cls, settings: Any = None, **overrides: Any) -> RetryPolicy:
        from searchops.settings import resolve_settings

        settings = resolve_settings(settings)
        sem = settings.sem
        values = {
            "attempts": sem.api_retries,
            "backoff_s": sem.api_backoff_s,
            "backoff_max_s": sem.api_backoff_max_s,
        }
        return cls(**{**values, **overrides})

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**attempt)]."""
        return random.uniform(0, min(self.backoff_max_s, self.backoff_s * 2**attempt))


class MissingCredentials(SearchopsError):
    """No usable Google Ads credentials: the message names what is missing."""


# google-ads.yaml keys the library reads from GOOGLE_ADS_<KEY> variables (google-ads-python
# "Configuration": developers.google.com/google-ads/api/docs/client-libs/python/configuration).
_ENV_KEYS = (
    "developer_token", "use_proto_plus", "login_customer_id", "linked_customer_id",
    "endpoint", "logging", "http_proxy", "use_application_default_credentials",
    "client_id", "client_secret", "refresh_token", "json_key_file_path",
    "impersonated_email", "path_to_private_key_file", "delegated_account",
)  # fmt: skip
_INSTALLED_APP_KEYS = ("client_id", "client_secret", "refresh_token")
_SERVICE_ACCOUNT_KEYS = ("json_key_file_path", "path_to_private_key_file")


def _config_file(explicit: Path | None) -> Path | None:
    """The google-ads.yaml the library would read: explicit, GOOGLE_ADS_CONFIGURATION_FILE_PATH
    or ~/google-ads.yaml."""
    if explicit is not None:
        return explicit
    if env := os.environ.get("GOOGLE_ADS_CONFIGURATION_FILE_PATH"):
        return Path(env)
    home = Path.home() / "google-ads.yaml"
    return home if home.is_file() else None


def _missing_keys(config: dict[str, Any]) -> list[str]:
    """The configuration keys a client still needs (names only, never values)."""
    missing = [] if config.get("developer_token") else ["developer_token"]
    if not any(config.get(k) for k in _SERVICE_ACCOUNT_KEYS) and not config.get(
        "use_application_default_credentials"
    ):
        missing += [k for k in _INSTALLED_APP_KEYS if not config.get(k)]
    return missing


def _names(keys: list[str], env: bool) -> str:
    return ", ".join(f"GOOGLE_ADS_{k.upper()}" if env else k for k in keys)


def _client_config(config_file: Path | None) -> dict[str, Any]:
    """The client configuration from google-ads.yaml or the environment, complete enough for
    the library, or :class:`MissingCredentials` naming what is missing."""
    import yaml

    path = _config_file(config_file)
    if path is not None:
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise SearchopsError(
                f"{path}: unreadable google-ads.yaml ({type(exc).__name__})"
            ) from None
        if not isinstance(config, dict):
            raise SearchopsError(f"{path}: not a google-ads.yaml (expected key: value lines)")
        if missing := _missing_keys(config):
            raise MissingCredentials(
                f"{path}: missing {_names(missing, env=False)} (or json_key_file_path for a "
                "service account instead of client_id, client_secret, refresh_token)"
                if set(missing) & set(_INSTALLED_APP_KEYS)
                else f"{path}: missing {_names(missing, env=False)}"
            )
    else:
        config = {k: os.environ[f"GOOGLE_ADS_{k.upper()}"] for k in _ENV_KEYS
                  if f"GOOGLE_ADS_{k.upper()}" in os.environ}  # fmt: skip
        missing = _missing_keys(config)
        if missing and not config:
            raise MissingCredentials(
                "no Google Ads credentials: no google-ads.yaml (--google-ads-config FILE, "
                "GOOGLE_ADS_CONFIGURATION_FILE_PATH or ~/google-ads.yaml) and no GOOGLE_ADS_* "
                "variables; set GOOGLE_ADS_DEVELOPER_TOKEN with GOOGLE_ADS_CLIENT_ID, "
                "GOOGLE_ADS_CLIENT_SECRET and GOOGLE_ADS_REFRESH_TOKEN (or "
                "GOOGLE_ADS_JSON_KEY_FILE_PATH for a service account)"
            )
        if missing:
            raise MissingCredentials(
                f"Google Ads credentials from GOOGLE_ADS_* variables: missing "
                f"{_names(missing, env=True)} (no google-ads.yaml found either)"
            )
    config.setdefault("use_proto_plus", True)
    return config


def load_client(
    config_file: Path | None = None, login_customer_id: str | None = None
) -> GoogleAdsClient:
    """A client from ``google-ads.yaml`` (``config_file``, GOOGLE_ADS_CONFIGURATION_FILE_PATH
    or ~/google-ads.yaml) or, without one, from the ``GOOGLE_ADS_*`` environment variables."""
    import yaml

    config = _client_config(config_file)
    try:
        # Through the library's YAML loader, which parses and validates every key.
        client = GoogleAdsClient.load_from_string(yaml.safe_dump(config), version=API_VERSION)
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
    # The library logs every failed request at WARNING, a multi-line summary beside our one
    # error line that says it (--debug keeps the library's log).
    library_log = logging.getLogger("google.ads.googleads.client")
    if not library_log.isEnabledFor(logging.DEBUG):
        library_log.setLevel(logging.ERROR)
    token = os.environ.get("SEARCHOPS_ADS_ACCESS_TOKEN")
    if token and config_file is None:
        from google.oauth2.credentials import Credentials

        developer_token = os.environ.get("GOOGLE_ADS_DEVELOPER_TOKEN")
        if not developer_token:
            raise MissingCredentials(
                "SEARCHOPS_ADS_ACCESS_TOKEN needs GOOGLE_ADS_DEVELOPER_TOKEN too"
            )
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


# What gRPC / BoringSSL say when the server's certificate is not trusted or not for its name.
_TLS_FAILURE = re.compile(
    r"(CERTIFICATE_VERIFY_FAILED(?::\s*[^:\n]+)?|Peer name \S+ is not in peer certificate"
    r"|certificate verify failed[^\n]*)"
)


def tls_failure(exc: BaseException) -> str | None:
    """The certificate problem when ``exc`` is a failed TLS handshake, else None."""
    match = _TLS_FAILURE.search(str(exc))
    return match[1].strip() if match else None


def is_transient(exc: BaseException) -> bool:
    if tls_failure(exc):  # gRPC says UNAVAILABLE, but a retry cannot fix a certificate
        return False
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
    if problem := tls_failure(exc):
        return SearchopsError(
            f"{what}: TLS certificate check failed ({problem}): the API endpoint's certificate "
            "is not signed by a trusted CA; pass the CA bundle that signed it with --ca-file "
            "(a corporate TLS proxy's CA, or the local server's certificate)"
        )
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
    # Raw messages name fields as proto-plus does: "type" is "type_".
    parts = [part + "_" if part == "type" else part for part in path.split(".")]

    def get(row: Any) -> Any:
        for part in parts:
            row = getattr(row, part)
        return row

    return get


def _enum_name(path: str) -> Callable[[Any], str]:
    from google.ads.googleads.v26.services.types.google_ads_service import GoogleAdsRow

    desc = GoogleAdsRow.pb().DESCRIPTOR
    parts = [part + "_" if part == "type" else part for part in path.split(".")]
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


@dataclass(frozen=True)
class PullOptions:
    """``[sem]`` settings of a pull; config/default.toml is their one source (Google's limits,
    cited there), so the dataclass has no defaults of its own: use :meth:`from_settings`."""

    change_event_limit: int
    change_history_days: int
    conversion_lag_lookback_days: int
    conversion_lag_min_completeness: float

    @classmethod
    def from_settings(cls, settings: Any = None, **overrides: Any) -> PullOptions:
        """From loaded settings (default: ``load_settings()``, as the CLI reads them)."""
        from searchops.settings import resolve_settings

        settings = resolve_settings(settings)
        sem = settings.sem
        values = {name: getattr(sem, name) for name in cls.__dataclass_fields__}
        return cls(**{**values, **overrides})


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
    options: PullOptions | None = None,
    now: datetime | None = None,
) -> dict[str, pd.DataFrame]:
    """All SEM tables of one account for ``since..until`` (frames in :mod:`sem.tables` columns).

    ``now`` (naive, the account's time zone; default the clock) is the pull's "today": the
    change history window ends there and conversion completeness is measured from it.
    """
    cid = normalize_customer_id(customer_id)
    policy = policy or RetryPolicy.from_settings()
    options = options or PullOptions.from_settings()
    g = _getter
    dates = {"since": since.isoformat(), "until": until.isoformat()}
    customer = fetch(client, cid, QUERIES["customer"], {
        "time_zone": g("customer.time_zone"),
        "manager": g("customer.manager"),
    }, policy, "customer")  # fmt: skip
    if len(customer) and bool(customer["manager"].iloc[0]):
        raise SearchopsError(
            f"customer {cid} is a manager account: pull its clients with --all-clients"
        )
    now = now or _account_now(customer["time_zone"].iloc[0] if len(customer) else "")
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
        "bidding_strategy_type": _enum_name("campaign.bidding_strategy_type"),
        "ad_group_id": g("ad_group.id"),
        "ad_group": g("ad_group.name"),
        "criterion_id": g("ad_group_criterion.criterion_id"),
        "keyword": g("ad_group_criterion.keyword.text"),
        "match_type": _enum_name("ad_group_criterion.keyword.match_type"),
        "status": _enum_name("ad_group_criterion.status"),
        # A keyword without its own bid uses its ad group's: the effective bid says which.
        "cpc_bid": lambda r: (r.ad_group_criterion.cpc_bid_micros
                              or r.ad_group_criterion.effective_cpc_bid_micros) / _MICROS,
        "inherits": lambda r: r.ad_group_criterion.cpc_bid_micros == 0,
        "final_url": lambda r: r.ad_group_criterion.final_urls[0] if r.ad_group_criterion.final_urls else None,
    }, policy, "keywords")  # fmt: skip
    # Campaigns are the pooling unit for the ROI models when the API gives no category.
    kw["category"] = kw["campaign"]
    kw["smart_bidding"] = kw["bidding_strategy_type"].isin(SMART_BIDDING_STRATEGIES)
    kw["bid_as_of"] = pd.Timestamp(now.date())  # the account's state at the pull: current
    daily = fetch(client, cid, QUERIES["keyword_daily"].format(**dates), {
        "date": g("segments.date"),
        "campaign_id": g("campaign.id"),
        "ad_group_id": g("ad_group.id"),
        "criterion_id": g("ad_group_criterion.criterion_id"),
        **metric_cols,
    }, policy, "keyword_view")  # fmt: skip
    changes, known_from = pull_bid_changes(client, cid, since, until, now, policy, options)
    changes = keyword_bid_changes(changes, kw)
    current = pd.Series(kw["cpc_bid"].to_numpy(float), index=kw["criterion_id"].astype("int64"))
    daily["cpc_bid"] = history.daily_bids(daily, current, changes, known_from)
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
    campaigns = fetch(client, cid, QUERIES["campaigns"], {
        "campaign_id": g("campaign.id"),
        "campaign": g("campaign.name"),
        "status": _enum_name("campaign.status"),
        "channel_type": _enum_name("campaign.advertising_channel_type"),
        "bidding_strategy_type": _enum_name("campaign.bidding_strategy_type"),
        "budget_id": g("campaign_budget.id"),
        "budget_amount": lambda r: r.campaign_budget.amount_micros / _MICROS,
        "budget_delivery": _enum_name("campaign_budget.delivery_method"),
        "budget_shared": g("campaign_budget.explicitly_shared"),
    }, policy, "campaign")  # fmt: skip
    campaigns["smart_bidding"] = campaigns["bidding_strategy_type"].isin(SMART_BIDDING_STRATEGIES)
    campaign_daily = fetch(client, cid, QUERIES["campaign_daily"].format(**dates), {
        "date": g("segments.date"),
        "campaign_id": g("campaign.id"),
        **metric_cols,
        "conversions_by_conversion_date": g("metrics.conversions_by_conversion_date"),
        "conversions_value_by_conversion_date": g("metrics.conversions_value_by_conversion_date"),
        "search_impression_share": g("metrics.search_impression_share"),
        "search_budget_lost_impression_share": g("metrics.search_budget_lost_impression_share"),
        "search_rank_lost_impression_share": g("metrics.search_rank_lost_impression_share"),
    }, policy, "campaign metrics")  # fmt: skip
    groups = pull_product_groups(client, cid, policy)
    lag_since = now.date() - timedelta(days=options.conversion_lag_lookback_days)
    buckets = fetch(client, cid, QUERIES["conversion_lag"].format(
        since=lag_since.isoformat(), until=now.date().isoformat()), {
        "date": g("segments.date"),
        "bucket": _enum_name("segments.conversion_lag_bucket"),
        "conversions": g("metrics.conversions"),
    }, policy, "conversion lag")  # fmt: skip
    curve = history.lag_curve(buckets, now.date()).assign(
        sample_since=pd.Timestamp(lag_since), sample_until=pd.Timestamp(now.date())
    )
    daily, shopping, campaign_daily = (
        history.add_lag_adjustment(f, curve, now.date(), options.conversion_lag_min_completeness)
        for f in (daily, shopping, campaign_daily)
    )
    changes.attrs["window"] = (known_from.date() if known_from is not None else now.date(),
                               now.date())  # fmt: skip
    frames = {
        "sem_keywords": kw,
        "sem_keyword_daily": daily,
        "sem_shopping_daily": shopping,
        "sem_search_terms": terms,
        "sem_bid_landscape": landscape,
        "sem_products": products,
        "sem_campaigns": campaigns,
        "sem_campaign_daily": campaign_daily,
        "sem_bid_changes": changes,
        "sem_product_groups": groups,
        "sem_conversion_lag": curve,
    }
    for frame in frames.values():
        frame["customer_id"] = cid
    return frames


def client_accounts(
    client: GoogleAdsClient, manager_id: str, policy: RetryPolicy | None = None
) -> list[str]:
    """The enabled, non-manager client accounts under a manager, at any depth (customer_client
    lists every direct and indirect client of the login customer)."""
    frame = fetch(client, normalize_customer_id(manager_id), QUERIES["clients"], {
        "id": _getter("customer_client.id"),
    }, policy or RetryPolicy.from_settings(), "customer_client")  # fmt: skip
    return [f"{int(i):010d}" for i in frame["id"]]


def _account_now(time_zone: str) -> datetime:
    try:
        zone = ZoneInfo(time_zone) if time_zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return clock.now(zone)


def pull_bid_changes(
    client: GoogleAdsClient,
    customer_id: str,
    since: date,
    until: date,
    now: datetime,
    policy: RetryPolicy,
    options: PullOptions,
) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Keyword max-CPC changes from change_event, and the day the history starts.

    Google keeps change_event for 30 days, wants a finite change_date_time range starting
    inside them and a LIMIT <= 10,000 (it returns no page tokens): pages are time windows,
    each starting at the last change seen, repeated changes dropped by resource name.
    Returns ``(changes, None)`` when ``since..until`` ended before the history starts.
    """
    start = datetime.combine(now.date() - timedelta(days=options.change_history_days - 1),
                             datetime.min.time())  # fmt: skip
    columns = [name for name, _ in tables.TABLES["sem_bid_changes"] if name not in
               ("source", "pull_id", "customer_id")]  # fmt: skip
    history_start = start
    if until < start.date():
        return pd.DataFrame(columns=columns), None
    g = _getter
    end = now + timedelta(minutes=1)
    parts: list[pd.DataFrame] = []
    seen: set[str] = set()
    while True:
        query = QUERIES["bid_changes"].format(
            start=start.strftime("%Y-%m-%d %H:%M:%S.%f"),
            end=end.strftime("%Y-%m-%d %H:%M:%S.%f"),
            limit=options.change_event_limit,
        )
        page = fetch(client, customer_id, query, {
            "change_id": g("change_event.resource_name"),
            "changed_at": g("change_event.change_date_time"),
            "resource": g("change_event.change_resource_name"),
            "operation": _enum_name("change_event.resource_change_operation"),
            "bid_changed": lambda r: "cpc_bid_micros" in r.change_event.changed_fields.paths,
            "kind": _enum_name("change_event.change_resource_type"),
            "old_bid": lambda r: _changed_bid(r.change_event.old_resource),
            "new_bid": lambda r: _changed_bid(r.change_event.new_resource),
            "client_type": _enum_name("change_event.client_type"),
            "campaign_id": lambda r: _trailing_id(r.change_event.campaign),
        }, policy, "change_event")  # fmt: skip
        parts.append(page[~page["change_id"].isin(seen)])
        seen.update(page["change_id"])
        if len(page) < options.change_event_limit:
            break
        last = pd.to_datetime(page["changed_at"]).max().to_pydatetime()
        if last <= start:
            raise SearchopsError(
                f"change_event: more than {options.change_event_limit} changes at "
                f"{last}: cannot page past them"
            )
        start = last
    found = pd.concat(parts, ignore_index=True)
    found = found[found["bid_changed"] | (found["operation"] == "CREATE")]
    ids = found["resource"].str.extract(r"(?:adGroupCriteria|adGroups)/(\d+)(?:~(\d+))?$")
    created = found["operation"] == "CREATE"
    at = pd.to_datetime(found["changed_at"])
    changes = pd.DataFrame(
        {
            "date": at.dt.normalize(),
            "changed_at": at,
            "campaign_id": found["campaign_id"],
            "ad_group_id": pd.to_numeric(ids[0]),
            "criterion_id": pd.to_numeric(ids[1]),
            "level": np.where(found["kind"] == "AD_GROUP", "ad_group", "keyword"),
            "operation": found["operation"],
            "old_bid": found["old_bid"].where(~created),
            "new_bid": found["new_bid"],
            "client_type": found["client_type"],
            "change_id": found["change_id"],
        }
    ).dropna(subset=["ad_group_id"])
    return changes.reset_index(drop=True), pd.Timestamp(history_start)


def _changed_bid(resource: Any) -> float:
    """The max CPC in a change event's old or new resource (keyword or ad group default)."""
    which = "ad_group" if resource.HasField("ad_group") else "ad_group_criterion"
    return getattr(resource, which).cpc_bid_micros / _MICROS


def keyword_bid_changes(changes: pd.DataFrame, keywords: pd.DataFrame) -> pd.DataFrame:
    """Changes per keyword: its own, and its ad group's default-bid changes while it has no
    bid of its own (``keywords.inherits``)."""
    own = changes[changes["level"] == "keyword"]
    group = changes[changes["level"] == "ad_group"].drop(columns="criterion_id")
    heirs = keywords.loc[keywords["inherits"], ["ad_group_id", "criterion_id"]]
    spread = group.merge(heirs, on="ad_group_id")
    return pd.concat([own, spread], ignore_index=True).sort_values("changed_at", ignore_index=True)


def pull_product_groups(
    client: GoogleAdsClient, customer_id: str, policy: RetryPolicy
) -> pd.DataFrame:
    """Shopping listing groups: the biddable product-group tree of every Shopping ad group."""
    g = _getter
    dims = {"product_item_id": "item_id", "product_brand": "brand", "product_type": "product_type",
            "product_category": "category", "product_custom_attribute": "custom_attribute",
            "product_condition": "condition", "product_channel": "channel"}  # fmt: skip

    def case(row: Any) -> tuple[str | None, str | None]:
        value = row.ad_group_criterion.listing_group.case_value
        kind = value.WhichOneof("dimension")
        if kind is None:
            return None, None  # the root
        inner = getattr(value, kind)
        for field in inner.DESCRIPTOR.fields:
            if field.name in ("value", "category_id", "condition", "channel"):
                present = (inner.HasField(field.name) if field.has_presence
                           else bool(getattr(inner, field.name)))  # fmt: skip
                if present:
                    return dims.get(kind, kind), str(getattr(inner, field.name))
        return dims.get(kind, kind), None  # "everything else" in this dimension

    frame = fetch(client, customer_id, QUERIES["product_groups"], {
        "campaign_id": g("campaign.id"),
        "ad_group_id": g("ad_group.id"),
        "criterion_id": g("ad_group_criterion.criterion_id"),
        "parent_criterion_id": lambda r: _criterion_from_resource(
            r.ad_group_criterion.listing_group.parent_ad_group_criterion),
        "node_type": _enum_name("ad_group_criterion.listing_group.type"),
        "case": case,
        "negative": g("ad_group_criterion.negative"),
        "status": _enum_name("ad_group_criterion.status"),
        "cpc_bid": lambda r: r.ad_group_criterion.cpc_bid_micros / _MICROS
        if r.ad_group_criterion.HasField("cpc_bid_micros") else None,
    }, policy, "listing groups")  # fmt: skip
    cases = pd.DataFrame(frame.pop("case").tolist(), columns=["dimension", "value"],
                         index=frame.index)  # fmt: skip
    frame = frame.join(cases)
    # An "everything else" node may come without its dimension set: it is its siblings'.
    sibling = frame.dropna(subset=["dimension"]).groupby("parent_criterion_id")["dimension"]
    missing = frame["dimension"].isna() & frame["parent_criterion_id"].notna()
    frame.loc[missing, "dimension"] = frame.loc[missing, "parent_criterion_id"].map(sibling.first())
    return frame


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
        daily = frames.get("sem_keyword_daily")
        if daily is not None:
            frames = {**frames, "sem_keyword_daily": _keep_known_bids(workspace, daily, source)}
        counts = {
            table: tables.write(
                workspace, table, frame, source=source, pull_id=pull_id,
                since=frame.attrs.get("window", (since, until))[0],
                until=frame.attrs.get("window", (since, until))[1],
            )
            for table, frame in frames.items()
        }  # fmt: skip
        workspace.register_run(
            pull_id, "sem", started_at=started, finished_at=datetime.now(UTC).replace(tzinfo=None),
            week=monday_of(datetime.combine(until, datetime.min.time())),
            label=f"Google Ads pull {cid}",
            stats={"source": source, "since": since, "until": until, "rows": counts},
        )  # fmt: skip
    return pull_id


def _keep_known_bids(workspace: Workspace, daily: pd.DataFrame, source: str) -> pd.DataFrame:
    """Days older than the change history get their bid from an earlier pull that saw them."""
    if not daily["cpc_bid"].isna().any() or not workspace.has_table("sem_keyword_daily"):
        return daily
    unknown = pd.to_datetime(daily.loc[daily["cpc_bid"].isna(), "date"])
    known = workspace.con.execute(
        "SELECT criterion_id, date, cpc_bid FROM sem_keyword_daily "
        "WHERE source = ? AND cpc_bid IS NOT NULL AND date BETWEEN ? AND ?",
        [source, unknown.min().date(), unknown.max().date()],
    ).df()
    if known.empty:
        return daily
    key = pd.MultiIndex.from_arrays(
        [daily["criterion_id"].astype("int64"), pd.to_datetime(daily["date"])]
    )
    earlier = known.set_index(["criterion_id", "date"])["cpc_bid"]
    earlier.index = pd.MultiIndex.from_arrays(
        [earlier.index.get_level_values(0).astype("int64"),
         pd.to_datetime(earlier.index.get_level_values(1))]
    )  # fmt: skip
    out = daily.copy()
    out["cpc_bid"] = out["cpc_bid"].fillna(
        pd.Series(earlier.reindex(key).to_numpy(), index=out.index)
    )
    out.attrs = daily.attrs
    return out
