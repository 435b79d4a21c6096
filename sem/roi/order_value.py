"""Order-value model: value per conversion log-normal, shrunk toward the product's price (from
``sem_products``) or the category when the price is unknown, per-order spread pooled from the
daily rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sem.roi.options import RoiOptions
from sem.roi.pooling import shrink_normal
from sem.roi.shared import account_wide


def item_price(kw: pd.DataFrame, products: pd.DataFrame) -> np.ndarray:
    if products.empty:
        return np.full(len(kw), np.nan)
    prices = products.dropna(subset=["price"]).drop_duplicates("item_id").set_index("item_id")
    return kw["item_id"].map(prices["price"]).to_numpy(float)


def value_posterior(
    daily: pd.DataFrame,
    totals: dict[str, np.ndarray],
    k_index: pd.Index,
    price: np.ndarray,
    cat: np.ndarray,
    n_cat: int,
    opts: RoiOptions,
) -> tuple[np.ndarray, np.ndarray]:
    """Log mean order value: normal-normal shrinkage of the keyword's toward its product's price
    (or the category), with the per-order spread pooled.

    A keyword's value / conversions is the mean of its orders. With lognormal orders of log
    spread ``sigma``, the log of a mean of ``n`` of them is about normal (Fenton-Wilkinson)
    with variance ``s2 = log(1 + (e^sigma^2 - 1) / n)`` and mean ``log E[order] - s2 / 2``:
    a one-order keyword's log value sits ``sigma^2 / 2`` below its mean order's, so it is
    corrected by ``s2 / 2`` (else the prior, fitted mostly on such keywords, ran low).
    """
    conv, value = totals["conversions"], totals["value"]
    has = (conv > 0) & (value > 0)
    obs = np.where(has, np.log(np.where(has, value, 1) / np.where(has, conv, 1)), np.nan)
    base = np.where(np.isfinite(price) & (price > 0), np.log(np.where(price > 0, price, 1)), 0.0)
    sigma2 = account_wide("order_value.log_variance", lambda: _order_log_variance(daily, k_index))
    s2 = np.log1p(np.expm1(sigma2) / np.maximum(conv, 1))
    se = np.where(has, np.sqrt(s2), np.inf)
    post, sd, _ = shrink_normal(obs + s2 / 2 - base, se, cat, n_cat, opts.shrinkage)
    return post + base, sd


def _order_log_variance(daily: pd.DataFrame, k_index: pd.Index) -> float:
    """Per-order log variance of order values, pooled over keywords with several converting
    days: a day's log mean order value has variance about ``sigma^2 / conversions``, so
    ``sum conversions * (log v_d - weighted mean)^2`` over a keyword's ``D`` days has
    expectation ``sigma^2 (D - 1)``. 0.09 (a 30% spread) when too few keywords have them."""
    day = daily[(daily["conversions"] > 0) & (daily["conversions_value"] > 0)]
    pos = k_index.get_indexer(pd.Index(day["criterion_id"].to_numpy()))
    ok = pos >= 0
    pos = pos[ok]
    c = day["conversions"].to_numpy(float)[ok]
    x = np.log(day["conversions_value"].to_numpy(float)[ok] / c)
    k = len(k_index)
    weight = np.bincount(pos, c, minlength=k)
    mean = np.bincount(pos, c * x, minlength=k) / np.maximum(weight, 1e-300)
    days = np.bincount(pos, minlength=k)
    dof = np.maximum(days - 1, 0)
    if (dof > 0).sum() <= 20:
        return 0.09
    return float(np.sum(c * (x - mean[pos]) ** 2) / dof.sum())
