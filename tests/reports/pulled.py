"""A workspace holding a demo ads account as pulled through the local Google Ads API server
with the production client, on a pinned clock: the last days' conversions have not all
arrived, as in a real Monday-morning pull."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from google.ads.googleads.client import GoogleAdsClient
from google.oauth2.credentials import Credentials

from demo import ads_account, ads_server
from searchops.workspace import Workspace
from sem import ads_api

FAST = ads_api.RetryPolicy(attempts=3, backoff_s=0.001, backoff_max_s=0.01)


def pulled_workspace(
    path: Path,
    *,
    until: date = date(2026, 11, 29),  # a Sunday: the report's last full week ends there
    pulled_at: datetime = datetime(2026, 11, 30, 8, 0),  # the next Monday, 8 am
    seed: int = 5,
    keywords: int = 400,
    products: int = 120,
    days: int = 28,
) -> tuple[Path, ads_account.DemoAccount]:
    """Generate the demo account ending ``until``, serve it with its clock at ``pulled_at``
    and pull every day into a new workspace at ``path``; returns the path and the account
    (its frames hold the eventual conversions: the truth)."""
    ads_server.trust_local_server()
    account = ads_account.generate(
        keywords=keywords, days=days, seed=seed, products=products, until=until
    )
    with ads_server.serve(account, now=lambda: pulled_at) as server:
        client = GoogleAdsClient(
            credentials=Credentials(token=server.access_token),
            developer_token=server.developer_token,
            endpoint=server.endpoint,
            version=ads_server.API_VERSION,
        )
        frames = ads_api.pull(
            client, account.customer_id, account.since, until, policy=FAST, now=pulled_at
        )
    with Workspace(path) as ws:
        ads_api.save_pull(ws, frames, account.customer_id, account.since, until)
    return path, account


def week_of(until: date, back: int = 0) -> tuple[date, date]:
    """Monday..Sunday of the week ending ``until`` (``back`` weeks earlier)."""
    sunday = until - timedelta(weeks=back)
    return sunday - timedelta(days=6), sunday
