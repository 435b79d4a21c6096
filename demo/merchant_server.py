"""A local Merchant API (products sub-API, v1) for tests and the demo: the real service's
gRPC protocol with the client library's own message types, over TLS with a self-signed
certificate for localhost (:func:`demo.ads_server.tls_files`), checking the bearer token.

Only what ``merchant pull`` calls: ``ProductsService.ListProducts`` with paging.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.shopping.merchant_products_v1 import ListProductsRequest, ListProductsResponse, Product

from demo.ads_server import tls_files

SERVICE = "google.shopping.merchant.products.v1.ProductsService"


@dataclass
class MerchantServer:
    endpoint: str
    root_cert_path: Path
    access_token: str
    requests: list[ListProductsRequest] = field(default_factory=list)


def _handler(products: dict[str, list[Product]], token: str, journal: list) -> Any:
    def list_products(request: ListProductsRequest, context: grpc.ServicerContext) -> Any:
        journal.append(request)
        metadata = dict(context.invocation_metadata())
        if metadata.get("authorization") != f"Bearer {token}":
            context.abort(
                grpc.StatusCode.UNAUTHENTICATED, "Request had invalid authentication credentials."
            )
        account = request.parent.removeprefix("accounts/")
        if account not in products:
            context.abort(
                grpc.StatusCode.PERMISSION_DENIED,
                f"The caller does not have access to accounts/{account}",
            )
        items = products[account]
        start = int(request.page_token or 0)
        size = request.page_size or 25
        end = start + size
        return ListProductsResponse(
            products=items[start:end], next_page_token=str(end) if end < len(items) else ""
        )

    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "ListProducts": grpc.unary_unary_rpc_method_handler(
                list_products,
                request_deserializer=ListProductsRequest.deserialize,
                response_serializer=ListProductsResponse.serialize,
            )
        },
    )


@contextmanager
def serve(
    products: dict[str, list[Product]], token: str = "local-merchant-token"
) -> Iterator[MerchantServer]:
    """Serve ``products`` (account id -> products) on a free localhost port."""
    cert, key = tls_files()
    journal: list[ListProductsRequest] = []
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((_handler(products, token, journal),))
    credentials = grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())])
    port = server.add_secure_port("localhost:0", credentials)
    server.start()
    try:
        yield MerchantServer(f"localhost:{port}", cert, token, journal)
    finally:
        server.stop(grace=None)
