"""SEM fixtures: a small demo account and the local Google Ads API server serving it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.ads.googleads.client import GoogleAdsClient
from google.oauth2.credentials import Credentials

from demo import ads_account as demo
from demo import ads_server

# gRPC reads its TLS root store once per process: trust the local server before any channel.
ads_server.trust_local_server()


@pytest.fixture(scope="session")
def small_account() -> demo.DemoAccount:
    """400 keywords x 21 days: enough rows to page and stream in many batches."""
    return demo.generate(keywords=400, days=21, seed=3, products=300)


@pytest.fixture
def server(small_account: demo.DemoAccount) -> Iterator[ads_server.ServerHandle]:
    # Fresh mutable state per test; small pages and batches so paging and streaming are exercised.
    account = demo.DemoAccount(
        small_account.customer_id,
        small_account.since,
        small_account.until,
        {k: v.copy() for k, v in small_account.frames.items()},
    )
    with ads_server.serve(account, page_size=97, stream_batch_size=250) as handle:
        yield handle


def make_client(handle: ads_server.ServerHandle, token: str | None = None) -> GoogleAdsClient:
    """The production client class, pointed at the local server (no token refresh)."""
    return GoogleAdsClient(
        credentials=Credentials(token=token or handle.access_token),
        developer_token=handle.developer_token,
        endpoint=handle.endpoint,
        version=ads_server.API_VERSION,
    )
