"""Products, their statuses and item-level issues through Google's Merchant API (gRPC).

The Content API for Shopping shut down in 2026; the Merchant API's products sub-API
(``google-shopping-merchant-products``, ``accounts/{id}/products``) returns each processed
product: its attributes as Merchant Center holds them (whatever feed, API or file supplied
them), and its ``product_status`` with the destinations it is approved or disapproved for and
the item-level issues behind it (developers.google.com/merchant/api/guides/products/overview).

Rows go to the same ``merchant_items`` table as an imported feed (source
``merchant:ACCOUNT``), so ``merchant check`` joins either; the issues go to
``merchant_issues`` (source, offer_id, language, code, severity, attribute, description,
reporting_context, disapproved_countries). A pull reads everything before it writes, in one
transaction: a failure halfway changes nothing.

Credentials: ``SEARCHOPS_MERCHANT_ACCESS_TOKEN`` (an OAuth access token, no refresh: for the
local test server and short jobs), else Application Default Credentials with the
``content`` scope. Never logged, never stored.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from merchant.feed import clean
from merchant.imports import replace_items, staged_items
from searchops.errors import SearchopsError

if TYPE_CHECKING:
    from google.shopping.merchant_products_v1 import Product, ProductsServiceClient

    from searchops.workspace import Workspace

SCOPE = "https://www.googleapis.com/auth/content"
ISSUES_TABLE = "merchant_issues"
TOKEN_ENV = "SEARCHOPS_MERCHANT_ACCESS_TOKEN"


def client(endpoint: str | None = None) -> ProductsServiceClient:
    """The products client the CLI uses (see the module docstring for credentials)."""
    import google.auth
    from google.api_core.client_options import ClientOptions
    from google.auth.exceptions import DefaultCredentialsError
    from google.oauth2.credentials import Credentials
    from google.shopping.merchant_products_v1 import ProductsServiceClient

    token = os.environ.get(TOKEN_ENV)
    if token:
        credentials: Any = Credentials(token=token)
    else:
        try:
            credentials, _ = google.auth.default(scopes=[SCOPE])
        except DefaultCredentialsError:
            raise SearchopsError(
                f"no Merchant API credentials: set {TOKEN_ENV}, or GOOGLE_APPLICATION_CREDENTIALS "
                "to a service account key, or run `gcloud auth application-default login`"
            ) from None
    options = ClientOptions(api_endpoint=endpoint) if endpoint else None
    return ProductsServiceClient(credentials=credentials, client_options=options)


def _price(price: Any) -> tuple[float | None, str | None]:
    if price is None or not price.currency_code:
        return None, None
    return price.amount_micros / 1_000_000, price.currency_code


def product_row(product: Product, source: str, now: datetime) -> dict[str, Any]:
    """One Merchant API product as a ``merchant_items`` row."""
    a = product.product_attributes
    price, currency = _price(a.price if "price" in a else None)
    sale, sale_currency = _price(a.sale_price if "sale_price" in a else None)
    availability = a.availability.name.lower() if a.availability else None
    if availability in ("availability_unspecified", None):
        availability = None
    elif availability == "limited_availability":
        availability = "in_stock"
    text = {
        "title": a.title, "description": a.description, "link": a.link,
        "image_link": a.image_link, "brand": a.brand, "mpn": a.mpn,
        "item_group_id": a.item_group_id, "google_product_category": a.google_product_category,
        "product_type": ", ".join(a.product_types), "custom_label_0": a.custom_label_0,
        "custom_label_1": a.custom_label_1, "custom_label_2": a.custom_label_2,
        "custom_label_3": a.custom_label_3, "custom_label_4": a.custom_label_4,
    }  # fmt: skip
    row: dict[str, Any] = {k: (clean(v) or None) for k, v in text.items()}
    row.update(
        source=source, language=(product.content_language or "").lower() or None,
        offer_id=clean(product.offer_id) or None, feed_label=product.feed_label or None,
        availability=availability, price=price, price_currency=currency, sale_price=sale,
        sale_price_currency=sale_currency, gtin=(a.gtins[0] if a.gtins else None),
        identifier_exists=None if "identifier_exists" not in a else str(a.identifier_exists).lower(),
        condition=a.condition.name.lower() if a.condition else None,
        sale_price_effective_date=None, additional_images=len(a.additional_image_links),
        other_attributes=0, issues=None, file=None, imported_at=now,
    )  # fmt: skip
    if row["condition"] == "condition_unspecified":
        row["condition"] = None
    return row


def issue_rows(product: Product, source: str) -> Iterator[dict[str, Any]]:
    status = product.product_status
    disapproved = {
        d.reporting_context.name: ",".join(d.disapproved_countries)
        for d in status.destination_statuses
    }
    for issue in status.item_level_issues:
        context = issue.reporting_context.name
        yield {
            "source": source, "offer_id": product.offer_id,
            "language": (product.content_language or "").lower() or None,
            "code": clean(issue.code), "severity": issue.severity.name.lower(),
            "attribute": clean(issue.attribute) or None, "description": clean(issue.description),
            "reporting_context": context, "disapproved_countries": disapproved.get(context) or None,
        }  # fmt: skip


def _status(exc: Any) -> str:
    """The gRPC status name (UNAUTHENTICATED, PERMISSION_DENIED ...), as Google documents errors."""
    code = getattr(exc, "grpc_status_code", None)
    return code.name if code is not None else type(exc).__name__


def pull_products(
    workspace: Workspace, products: ProductsServiceClient, account: str, page_size: int = 1000
) -> tuple[int, int]:
    """Every product of ``accounts/ACCOUNT`` into the workspace; (products, issues)."""
    from google.api_core import exceptions
    from google.shopping.merchant_products_v1 import ListProductsRequest

    source = f"merchant:{account}"
    now = datetime.now(UTC).replace(tzinfo=None)
    issues: list[dict[str, Any]] = []
    count = 0

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal count
        request = ListProductsRequest(parent=f"accounts/{account}", page_size=page_size)
        for product in products.list_products(request=request):
            issues.extend(issue_rows(product, source))
            count += 1
            yield product_row(product, source, now)

    try:
        with staged_items(rows()) as staged:
            issue_frame = pd.DataFrame(issues, columns=[
                "source", "offer_id", "language", "code", "severity", "attribute", "description",
                "reporting_context", "disapproved_countries"], dtype="string")  # fmt: skip
            with workspace.transaction():
                replace_items(workspace, staged, "source = ?", [source])
                workspace.replace_rows(ISSUES_TABLE, issue_frame, "source", source)
    except exceptions.GoogleAPICallError as exc:
        raise SearchopsError(
            f"Merchant API: accounts/{account}: {_status(exc)} "
            f"{clean(exc.message)}; nothing was written"
        ) from None
    return count, len(issues)
