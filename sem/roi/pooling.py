"""Empirical-Bayes pooling shared by the models: normal-normal shrinkage by category
(random-effects meta-analysis), an ad-group level on a normal prior (its variance estimated,
collapsing when the groups do not differ) and maximum-likelihood beta-binomial priors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


# Newton steps of each group's maximum-likelihood offset, and rounds of the keyword-level
# variance (the account's spread less the between-group part) against the group variance.
_GROUP_NEWTON_STEPS = 8
_GROUP_ROUNDS = 10
# The keyword-level spread keeps at least this share of the account's: the group variance is
# estimated and must not leave a keyword without room of its own.
KEYWORD_SPREAD_FLOOR = 0.1


def group_offsets(
    score: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    prior_var: np.ndarray | None,
    group: np.ndarray,
    alpha: float,
) -> dict[str, Any]:
    """Empirical Bayes random effect of a group level (ad groups) on a normal prior.

    Each keyword's prior is ``N(m, prior_var)`` (centred by the levels above: category, match
    type, bid). ``score(shift, var)`` gives each keyword's first derivative and information of
    its log marginal likelihood in a shift of its prior mean, at prior variance ``var``. Each
    group's maximum-likelihood shift and standard error come from its own keywords (Newton);
    the between-group variance ``tau2`` from those by DerSimonian-Laird (statsmodels
    ``combine_effects``), the keywords' own variance then being the account's less ``tau2``
    (a few rounds). It counts only when Cochran's Q there rejects homogeneity at ``alpha``: else
    the level collapses onto the one above (no shift, the prior unchanged).

    ``prior_var`` None: a prior without a normal variance (a beta prior's strength): the
    keywords' own spread is left as it is (the shifts are then a little less shrunk than they
    could be, never more).

    ``group``: a code per keyword (-1: none). Returns ``tau2``, each group's shrunk shift and
    its posterior variance (arrays by code), the keywords' own variance and a report.
    """
    fixed_spread = prior_var is None
    prior_var = np.ones(len(group)) if prior_var is None else prior_var
    n_groups = int(group.max()) + 1 if group.size else 0
    has = group >= 0
    report: dict[str, Any] = {"groups": n_groups, "tau2": 0.0, "used": False}
    none = {"tau2": 0.0, "shift": np.zeros(n_groups), "shift_var": np.zeros(n_groups),
            "keyword_var": prior_var, "report": report}  # fmt: skip
    if n_groups < 3:
        return none | {"report": report | {"reason": "fewer than 3 groups"}}
    # The account's spread holds the between-group part: the keywords' own variance is what
    # is left of it, so the groups' information and tau2 are found together (a few rounds).
    tau2, p_value = 0.0, 1.0
    for _ in range(_GROUP_ROUNDS):
        keyword_var = _keyword_var(prior_var, tau2, fixed_spread)
        mle, info = _group_mle(score, keyword_var, group, has, n_groups)
        fitted = info > 1e-9
        if fitted.sum() < 3:
            return none | {"report": report | {"reason": "fewer than 3 groups with data"}}
        with np.errstate(invalid="ignore"):
            res = combine_effects(mle[fitted], 1 / info[fitted], method_re="dl")
        homogeneity = res.test_homogeneity()  # Cochran's Q, chi-square (groups - 1)
        p_value = float(homogeneity.pvalue)
        report.update(q=float(homogeneity.statistic), p_value=p_value,
                      groups_with_data=int(fitted.sum()))  # fmt: skip
        new_tau2 = max(float(res.tau2), 0.0)
        converged = fixed_spread or abs(new_tau2 - tau2) < 1e-3 * max(tau2, 1e-2)
        tau2 = new_tau2
        if converged:
            break
    if tau2 == 0.0 or p_value >= alpha:
        return none | {"report": report | {"reason": f"no significant spread (p >= {alpha})"}}
    keyword_var = _keyword_var(prior_var, tau2, fixed_spread)
    mle, info = _group_mle(score, keyword_var, group, has, n_groups)
    # The shifts are deviations from the levels above, which are already centred: shrunk
    # toward 0 (a group without data stays at its category's level).
    precision = info + 1 / tau2
    shift = np.where(info > 1e-9, mle * info / precision, 0.0)
    report.update(tau2=tau2, used=True)
    return {"tau2": tau2, "shift": shift, "shift_var": 1 / precision,
            "keyword_var": keyword_var, "report": report}  # fmt: skip


def _keyword_var(prior_var: np.ndarray, tau2: float, fixed: bool) -> np.ndarray:
    """The keywords' own variance: the account's less the groups' part (floored)."""
    if fixed:
        return prior_var
    return np.maximum(prior_var - tau2, KEYWORD_SPREAD_FLOOR * prior_var)


def _group_mle(
    score: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    keyword_var: np.ndarray,
    group: np.ndarray,
    has: np.ndarray,
    n_groups: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each group's maximum-likelihood shift of its keywords' prior mean and its information."""
    shift: np.ndarray = np.zeros(n_groups)
    info: np.ndarray = np.zeros(n_groups)
    g = group[has]
    for _ in range(_GROUP_NEWTON_STEPS):
        d1, d2 = score(np.where(has, shift[np.maximum(group, 0)], 0.0), keyword_var)
        grad = np.bincount(g, d1[has], minlength=n_groups)
        info = np.bincount(g, d2[has], minlength=n_groups)
        step = np.where(info > 1e-9, grad / np.maximum(info, 1e-9), 0.0)
        shift = np.clip(shift + np.clip(step, -1.0, 1.0), -5.0, 5.0)
        if np.max(np.abs(step), initial=0.0) < 1e-6:
            break
    return shift, info
