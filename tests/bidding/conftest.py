"""Synthetic keyword models for the bidding tests (known curves, no fitting)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bidding.config import BiddingConfig
from bidding.models import KeywordModels
from searchops.settings import load_settings


def synthetic_models(n: int = 400, seed: int = 0) -> KeywordModels:
    rng = np.random.default_rng(seed)
    cvr = rng.uniform(0.01, 0.08, n)
    value = rng.lognormal(4.0, 0.5, n)
    clicks = rng.integers(0, 400, n)
    return KeywordModels(
        pd.DataFrame(
            {
                "customer_id": "1234567890",
                "campaign_id": 20_000_000 + rng.integers(0, 5, n),
                "campaign": "Search | tents",
                "ad_group_id": 5_000_000_000 + rng.integers(0, 40, n),
                "ad_group": "tents",
                "criterion_id": 100_000_000 + np.arange(n),
                "keyword": [f"tent {i}" for i in range(n)],
                "match_type": rng.choice(["EXACT", "PHRASE", "BROAD"], n),
                "final_url": [f"https://shop.example/p/{i}" for i in range(n)],
                "item_id": [f"sku{i}" for i in range(n)],
                "cpc_bid": np.round(rng.uniform(0.2, 4.0, n), 2),
                "clicks": clicks,
                "a": rng.lognormal(0.0, 1.0, n),
                "a_se": rng.uniform(0.05, 0.3, n),
                "elasticity": rng.uniform(0.4, 1.3, n),
                "elasticity_se": rng.uniform(0.02, 0.2, n),
                "click_ceiling": np.where(rng.random(n) < 0.2, rng.lognormal(1.5, 0.5, n), np.inf),
                "cpc_ratio": rng.uniform(0.6, 0.95, n),
                "cvr": cvr,
                "cvr_lo": cvr * 0.6,
                "cvr_hi": cvr * np.where(clicks > 200, 1.5, 5.0),
                "value_per_conversion": value,
                "value_lo": value * 0.8,
                "value_hi": value * 1.25,
            }
        )
    )


@pytest.fixture
def models() -> KeywordModels:
    return synthetic_models()


@pytest.fixture
def config() -> BiddingConfig:
    """The settings with the data-hold guardrail switched on (30 clicks, a conversion-rate
    interval at most 3x its mean), as a manager may configure it: these tests check that
    guardrail; the defaults leave holds to the posterior (``default_config``)."""
    return load_settings().settings.bidding.model_copy(
        update={"min_clicks": 30, "max_cvr_interval_ratio": 3.0}
    )


@pytest.fixture
def default_config() -> BiddingConfig:
    return load_settings().settings.bidding


def local_client(server):
    """A real GoogleAdsClient on the local Google Ads API server's endpoint."""
    from google.ads.googleads.client import GoogleAdsClient
    from google.oauth2.credentials import Credentials

    return GoogleAdsClient(
        credentials=Credentials(token=server.access_token),
        developer_token=server.developer_token,
        endpoint=server.endpoint,
        use_proto_plus=True,
    )
