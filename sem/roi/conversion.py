"""Conversion-rate model: beta-binomial empirical Bayes, the Beta prior fitted by maximum
likelihood per category with its mean moving with the keyword's bid (per unit of price);
posterior ``Beta(alpha + conversions, beta + clicks - conversions)``."""

from __future__ import annotations

import numpy as np
from scipy import special

from sem.roi.pooling import fit_beta_binomial
from sem.roi.shared import account_wide

# Percentiles of the account's log bids where the conversion-rate prior's mean may bend
# (linear splines): the lower half, where bid floors stop bids tracking value.
_CVR_BID_KNOTS = (10, 25, 50)


def cvr_posterior(
    clicks: np.ndarray,
    conversions: np.ndarray,
    log_bid: np.ndarray,
    price: np.ndarray,
    cat: np.ndarray,
    n_cat: int,
    shrinkage: float,
) -> tuple[np.ndarray, np.ndarray, list[dict[str, float]]]:
    """Beta-binomial empirical Bayes with a Beta prior per category fitted by maximum
    likelihood, its mean moving with the keyword's typical bid.

    Managers bid up what converts, so within a category the low-bid (and low-traffic)
    keywords convert less: an exchangeable prior would pull exactly the sparse keywords
    toward a rate that is too high. The bid is known for every keyword, clicks or not. Where
    the product's price is known the covariate is the bid per unit of price: a value-based
    bid is conversion rate x order value x a target, so at one bid a dear product converts
    less than a cheap one (quadratic: a beta's left tail is long on the log scale, so the
    keywords bid lowest for their price convert less than a straight line says).
    """
    n = np.round(clicks)
    x = np.minimum(np.round(conversions), n)
    has_price = np.isfinite(price) & (price > 0)
    covariate = np.where(has_price, log_bid - np.log(np.where(has_price, price, 1.0)), log_bid)

    def centres() -> np.ndarray:  # per category, priced or not: the covariate's median
        out = np.full((n_cat, 2), np.nan)
        for c in range(n_cat):
            for priced in (True, False):
                sel = (cat == c) & (has_price == priced)
                if sel.any():
                    out[c, int(priced)] = np.nanmedian(covariate[sel])
        return out

    z = covariate - account_wide("conversion.centres", centres)[cat, has_price.astype(int)]
    z = np.nan_to_num(z)  # keywords without any known bid sit at their category's median
    cols, bounds = [z, z**2], [(-3.0, 3.0), (-1.0, 1.0)]
    # Bids have floors (a manager's or a rule's minimum bid): below some level a bid stops
    # tracking the keyword's value, and those keywords convert less than their bid per price
    # says (1.5x overestimated at the demo's floor, most of the sparse buckets' bias). Linear
    # splines in the absolute log bid, knots at its lower quantiles, let the data say where.
    known = np.isfinite(log_bid)

    def knots() -> tuple[float, list[float]]:
        fill = float(np.median(log_bid[known])) if known.any() else 0.0
        filled = np.where(known, log_bid, fill)
        return fill, [float(np.percentile(filled, q)) for q in _CVR_BID_KNOTS]

    fill, knot_at = account_wide("conversion.bid_knots", knots)
    log_bid = np.where(known, log_bid, fill)
    for knot in knot_at:
        cols.append(np.maximum(knot - log_bid, 0.0))
        bounds.append((-3.0, 3.0))
    Z = np.column_stack(cols)
    has = n > 0

    def priors() -> tuple[np.ndarray, list[dict[str, float]]]:
        theta_c, report = np.empty((n_cat, Z.shape[1] + 2)), []
        overall = fit_beta_binomial(n[has], x[has], Z[has], bounds)
        # The bends are the account's, fitted once on every keyword, and an offset in each
        # category's own fit: a category of a few hundred keywords cannot place three bends,
        # its noise would pass for signal (sparse coverage 0.87 -> 0.82 on 200-keyword
        # categories whose rate ignores the bid, when each category fitted its own).
        offset = Z[:, 2:] @ overall[3:-1]
        for c in range(n_cat):
            sel = (cat == c) & has
            fitted = overall.copy()
            if x[sel].sum() >= 20:
                fitted[[0, 1, 2, -1]] = fit_beta_binomial(
                    n[sel], x[sel], Z[sel, :2], bounds[:2], offset[sel]
                )
            theta_c[c] = fitted
            report.append(
                {
                    "mean": float(special.expit(fitted[0])),
                    "bid_slope": float(fitted[1]),
                    "bid_curvature": float(fitted[2]),
                    "strength": float(np.exp(fitted[-1])),
                    "keywords": int(sel.sum()),
                }
            )
        return theta_c, report

    theta_c, report = account_wide("conversion.priors", priors)
    theta = theta_c[cat]
    mean = special.expit(theta[:, 0] + (Z * theta[:, 1:-1]).sum(axis=1))
    strength = np.exp(theta[:, -1]) * shrinkage
    # A flat-prior floor keeps the posterior proper when shrinkage is 0.
    return (
        np.maximum(mean * strength + x, 0.5),
        np.maximum((1 - mean) * strength + n - x, 0.5),
        report,
    )


def cvr_diagnostics(
    totals: dict[str, np.ndarray], alpha: np.ndarray, beta: np.ndarray
) -> dict[str, float]:
    """Pearson check of the beta-binomial: observed vs posterior-predictive conversions."""
    n = np.round(totals["clicks"])
    x = np.minimum(np.round(totals["conversions"]), n)
    sel = n > 0
    # Prior predictive uses the prior part of the posterior: subtract the data back out.
    pa, pb = alpha[sel] - x[sel], beta[sel] - (n[sel] - x[sel])
    pa, pb = np.maximum(pa, 1e-6), np.maximum(pb, 1e-6)
    p = pa / (pa + pb)
    var = n[sel] * p * (1 - p) * (pa + pb + n[sel]) / (pa + pb + 1)
    resid = (x[sel] - n[sel] * p) / np.sqrt(np.maximum(var, 1e-12))
    return {
        "keywords_with_clicks": int(sel.sum()),
        "pearson_dispersion": float(np.mean(resid**2)) if sel.any() else float("nan"),
        "residual_fitted_corr": float(np.corrcoef(resid, n[sel] * p)[0, 1])
        if sel.sum() > 2
        else 0.0,
    }
