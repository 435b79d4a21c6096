"""Empirical-Bayes pooling shared by the models: normal-normal shrinkage by category
(random-effects meta-analysis) and maximum-likelihood beta-binomial priors."""

from __future__ import annotations

import numpy as np
from scipy import optimize, special
from statsmodels.stats.meta_analysis import combine_effects

from sem.roi.shared import account_wide

# Fewer keywords with clicks than this and a fitted prior is noise: a weak prior is used.
MIN_PRIOR_KEYWORDS = 30

# Pseudo-keywords of the cross-category spread in each category's between-keyword variance.
_SPREAD_POOLING = 100.0


def shrink_normal(
    est: np.ndarray,
    se: np.ndarray,
    cat: np.ndarray,
    n_cat: int,
    shrinkage: float,
    informative_se: float = np.inf,
) -> tuple[np.ndarray, np.ndarray, list[dict[str, float]]]:
    """Normal-normal empirical Bayes by category (random-effects meta-analysis).

    The prior (mean, between-keyword variance) is estimated from the keywords whose own
    standard error is below ``informative_se``: near-empty keywords' estimates are biased
    and their standard errors asymptotic, which would understate the true spread.
    """
    ok = np.isfinite(est) & np.isfinite(se) & (se > 0)
    prior_mean, prior_var, mean_var, report = account_wide(
        "pooling.shrink_normal",
        lambda: _normal_prior(est, se, ok, cat, n_cat, informative_se),
    )
    pm, pv = prior_mean[cat], prior_var[cat] / max(shrinkage, 1e-9)
    precision = np.where(ok, 1 / np.where(ok, se, 1.0) ** 2, 0.0)
    if shrinkage <= 0:
        post = np.where(ok, est, pm)
        post_sd = np.where(ok, se, np.sqrt(prior_var[cat] + mean_var[cat]))
        return post, post_sd, report
    post_prec = precision + 1 / pv
    post = (np.where(ok, est, 0.0) * precision + pm / pv) / post_prec
    return post, np.sqrt(1 / post_prec + mean_var[cat]), report


def _normal_prior(
    est: np.ndarray,
    se: np.ndarray,
    ok: np.ndarray,
    cat: np.ndarray,
    n_cat: int,
    informative_se: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, float]]]:
    """Per category: prior mean, between-keyword variance, variance of the mean; report."""
    informative = ok & (se < informative_se)
    if informative.sum() < 20:
        informative = ok
    overall = (
        _combine(est[informative], se[informative] ** 2)
        if informative.sum() >= 3
        else (0.8, 0.25, 0.01)
    )
    prior_mean, prior_var, mean_var = np.empty(n_cat), np.empty(n_cat), np.empty(n_cat)
    report = []
    counts = np.zeros(n_cat)
    for c in range(n_cat):
        sel = informative & (cat == c)
        mean, tau2, var_mean = _combine(est[sel], se[sel] ** 2) if sel.sum() >= 5 else overall
        prior_mean[c], prior_var[c], mean_var[c], counts[c] = mean, tau2, var_mean, sel.sum()
    # A category's spread estimate is noisy (often exactly 0 with DerSimonian-Laird), and a
    # zero spread would make its keywords' intervals collapse onto the category mean: pool
    # the spreads across categories, a category's own weighing in with its keyword count.
    shared = float(np.average(prior_var, weights=counts)) if counts.sum() > 0 else overall[1]
    prior_var = (counts * prior_var + _SPREAD_POOLING * shared) / (counts + _SPREAD_POOLING)
    prior_var = np.maximum(prior_var, 1e-4)
    for c in range(n_cat):
        report.append({"mean": float(prior_mean[c]), "tau2": float(prior_var[c]),
                       "keywords": int(counts[c])})  # fmt: skip
    return prior_mean, prior_var, mean_var, report


def _combine(effect: np.ndarray, variance: np.ndarray) -> tuple[float, float, float]:
    with np.errstate(invalid="ignore"):  # statsmodels takes sqrt of a negative DL tau2 path
        res = combine_effects(effect, variance, method_re="dl")
    if not res.tau2 > 0:  # no between-keyword spread detected: the fixed-effect pooled mean
        return float(res.mean_effect_fe), 0.0, float(res.var_eff_w_fe)
    return float(res.mean_effect_re), float(res.tau2), float(res.var_eff_w_re)


def fit_beta_binomial(
    n: np.ndarray,
    x: np.ndarray,
    Z: np.ndarray,
    bounds: list[tuple[float, float]],
    offset: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Maximum-likelihood prior (logit mean intercept and coefficients on the columns of ``Z``
    within ``bounds``, plus a fixed ``offset``; log strength) for binomial counts (scipy
    L-BFGS on the exact beta-binomial likelihood)."""
    p = Z.shape[1]
    if n.size == 0 or x.sum() == 0:
        return np.r_[special.logit(0.01), np.zeros(p), np.log(100.0)]
    pooled = x.sum() / n.sum()
    if n.size < MIN_PRIOR_KEYWORDS:  # too few keywords to learn a prior: a weak one
        return np.r_[special.logit(pooled), np.zeros(p), np.log(2.0)]

    def nll(theta: np.ndarray) -> float:
        # Clipped: a far-out z must not make a prior parameter 0 (inf - inf in betaln).
        mean = np.clip(special.expit(theta[0] + Z @ theta[1:-1] + offset), 1e-9, 1 - 1e-9)
        strength = np.exp(theta[-1])
        al, be = mean * strength, (1 - mean) * strength
        # The binomial coefficient does not depend on the prior.
        return float(-(special.betaln(x + al, n - x + be) - special.betaln(al, be)).sum())

    start = np.r_[special.logit(pooled), np.zeros(p), np.log(50.0)]
    res = optimize.minimize(nll, start, method="L-BFGS-B", bounds=[(-10, 10), *bounds, (-2, 12)])
    return np.asarray(res.x, dtype=float)
