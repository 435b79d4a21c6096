"""Volume model: each keyword's clicks/day at its reference bid.

A Poisson-lognormal empirical-Bayes posterior of the volume (the prior a lognormal over the
account's keywords, centred by category, match type and bid, fitted by maximum marginal
likelihood, then moved toward the keyword's ad group when ad groups differ; with a fitted
share of keywords never shown at all), and, where the data has
impressions, impressions/day times a beta-binomial CTR posterior (clicks alone otherwise).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import special
from statsmodels.base.model import GenericLikelihoodModel

from sem.roi.options import RoiOptions
from sem.roi.pooling import (
    KEYWORD_SPREAD_FLOOR,
    MIN_PRIOR_KEYWORDS,
    fit_beta_binomial,
    group_offsets,
)
from sem.roi.shared import account_wide

# Keywords the volume prior is fitted on (a random sample beyond): a dozen parameters are
# pinned down long before that, and the quadrature costs per keyword.
_VOLUME_FIT_KEYWORDS = 20_000

# Keywords per block of the posterior grid (171 points each): bounds memory at 100k keywords.
_GRID_CHUNK = 10_000

# Prior sd of the volume prior's category / match type / bid coefficients (log scale):
# e^3 = 20x between categories is allowed, a category without clicks cannot run off.
_VOLUME_COEF_SD = 3.0


def volume_covariates(
    kw: pd.DataFrame,
    cat: np.ndarray,
    n_cat: int,
    x_ref: np.ndarray,
    impressions: np.ndarray | None,
) -> np.ndarray:
    """Design of the volume prior: intercept, category, match type, log reference bid, log
    impressions per day (unless ``None``)."""
    match = kw["match_type"].fillna("").astype(str).str.upper().to_numpy()
    columns = [np.ones(len(kw))]
    columns += [(cat == c).astype(float) for c in range(1, n_cat)]
    columns += [(match == m).astype(float) for m in ("PHRASE", "BROAD")]
    log_bid = np.log(x_ref)
    log_impressions = None if impressions is None else np.log(impressions)
    bid_centre, impressions_centre = account_wide(
        "volume.centres",
        lambda: (
            np.mean(log_bid),
            None if log_impressions is None else np.mean(log_impressions),
        ),
    )
    columns.append(log_bid - bid_centre)
    if log_impressions is not None:
        columns.append(log_impressions - impressions_centre)
    X = np.column_stack(columns)
    # Columns that vary in the account (a chunked fit keeps the account's columns).
    keep = account_wide("volume.columns", lambda: np.r_[True, X[:, 1:].std(axis=0) > 0])
    return X[:, keep]


def _volume_mode(
    y: np.ndarray, s: np.ndarray, m: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mode and Laplace scale of ``y u - s e^u - (u - m)^2 / 2v`` (concave: damped Newton)."""
    sd = np.sqrt(v)
    u = np.where(y > 0, np.log((y + 0.5) / np.maximum(s, 1e-300)), m)
    u = np.clip(u, m - 10 * sd, m + 10 * sd)
    for _ in range(100):
        es = s * np.exp(u)
        step = np.clip((y - es - (u - m) / v) / (es + 1 / v), -1.0, 1.0)
        u = u + step
        if np.max(np.abs(step), initial=0.0) < 1e-9:
            break
    return u, 1 / np.sqrt(s * np.exp(u) + 1 / v)


_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite.hermgauss(20)


class _PoissonLognormal(GenericLikelihoodModel):
    """Keyword volumes: ``clicks ~ Poisson(exposure * e^u)``, ``u ~ N(X beta, tau^2)``, with
    ``tau^2 = e^(2 g0) + e^(2 g1) / (impressions + 1)``: the last column of X is log impressions
    per day, and the log of a count of n is noisy by about 1 / n in variance, so a keyword with a
    few impressions is less well placed by them than one with thousands.

    The marginal likelihood is integrated by adaptive Gauss-Hermite quadrature around each
    keyword's posterior mode (accurate for heads and zero-click tails alike); the score is the
    posterior expectation of the complete-data score. statsmodels' own mixed Poisson GLM
    (``PoissonBayesMixedGLM``) is variational with a normal posterior per keyword, which is
    exactly what is wrong for a zero-click keyword, so only the fitting is statsmodels here.
    A weak ridge (sd ``_VOLUME_COEF_SD``) keeps a category whose keywords never got a click
    from drifting to minus infinity.
    """

    _extra_params: tuple[str, ...] = ("log_tau", "log_tau_count")

    def __init__(
        self,
        endog: np.ndarray,
        exog: np.ndarray,
        exposure_days: np.ndarray,
        impressions: np.ndarray,
    ) -> None:
        super().__init__(
            endog,
            exog,
            extra_params_names=list(self._extra_params),
            exposure_days=exposure_days,
            impressions=impressions,
        )

    def _posterior_nodes(self, params: np.ndarray) -> tuple[np.ndarray, ...]:
        y, s = self.endog, self.exposure_days
        m, v = _volume_prior(self.exog, self.impressions, params)
        mode, scale = _volume_mode(y, s, m, v)
        u = mode[:, None] + math.sqrt(2) * scale[:, None] * _GH_NODES[None, :]
        log_term = (
            y[:, None] * u
            - s[:, None] * np.exp(u)
            - (u - m[:, None]) ** 2 / (2 * v[:, None])
            + np.log(_GH_WEIGHTS)
            + _GH_NODES**2
        )
        return u, m, v, scale, log_term

    def _penalty(self, params: np.ndarray) -> np.ndarray:
        return np.r_[0.0, params[1:-2], 0.0, 0.0] / _VOLUME_COEF_SD**2

    def _ridge(self, params: np.ndarray) -> float:
        return 0.5 * float(params[1:-2] @ params[1:-2]) / _VOLUME_COEF_SD**2

    def marginal_loglike(self, params: np.ndarray) -> np.ndarray:
        """Each keyword's log marginal likelihood (no ridge)."""
        _, _, v, scale, log_term = self._posterior_nodes(params)
        y, s = self.endog, self.exposure_days
        return np.asarray(
            special.logsumexp(log_term, axis=1)
            + np.log(math.sqrt(2) * scale)
            - 0.5 * np.log(2 * math.pi * v)
            + y * np.log(np.maximum(s, 1e-300))
            - special.gammaln(y + 1)
        )

    def loglikeobs(self, params: np.ndarray) -> np.ndarray:
        return self.marginal_loglike(params) - self._ridge(params) / len(self.endog)

    def score_terms(self, params: np.ndarray, weight: np.ndarray | float = 1.0) -> np.ndarray:
        """The score, each keyword's term weighted by ``weight``."""
        u, m, v, _, log_term = self._posterior_nodes(params)
        w = np.exp(log_term - log_term.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        dev = u - m[:, None]
        d_mean = weight * (w * dev).sum(axis=1) / v
        d_var = weight * ((w * dev**2).sum(axis=1) / (2 * v**2) - 1 / (2 * v))
        d_g0 = 2 * np.exp(2 * params[-2]) * d_var.sum()
        d_g1 = 2 * np.exp(2 * params[-1]) * (d_var / (self.impressions + 1)).sum()
        score = np.r_[self.exog.T @ d_mean, d_g0, d_g1]
        return score - self._penalty(params)

    def score(self, params: np.ndarray) -> np.ndarray:
        return self.score_terms(params)


class _ZeroInflatedPoissonLognormal(_PoissonLognormal):
    """:class:`_PoissonLognormal` with a point mass ``pi`` of keywords that are never shown at
    all (the last parameter, ``logit pi``): Google does not serve some keywords ("low search
    volume"), and a lognormal's lower tail would otherwise explain their empty history by a
    small volume, giving them a lower bound above zero."""

    _extra_params = ("log_tau", "log_tau_count", "logit_never_shown")

    def _split(self, params: np.ndarray) -> tuple[np.ndarray, float]:
        return params[:-1], float(special.expit(np.clip(params[-1], -20.0, 5.0)))

    def zero_share(self, params: np.ndarray) -> np.ndarray:
        """Each keyword's posterior probability of being never shown (0 unless ``y`` is 0)."""
        base, pi = self._split(params)
        ll = self.marginal_loglike(base)
        odds = np.log(pi) - np.log1p(-pi) - ll
        return np.where(self.endog == 0, special.expit(odds), 0.0)

    def loglikeobs(self, params: np.ndarray) -> np.ndarray:
        base, pi = self._split(params)
        ll = self.marginal_loglike(base)
        mixed = np.where(
            self.endog == 0, np.logaddexp(np.log(pi), np.log1p(-pi) + ll), np.log1p(-pi) + ll
        )
        return np.asarray(mixed - self._ridge(base) / len(self.endog))

    def score(self, params: np.ndarray) -> np.ndarray:
        base, pi = self._split(params)
        zero = self.zero_share(params)
        d_pi = float(np.sum(zero * (1 - pi) - (1 - zero) * pi))  # d/d logit pi
        return np.r_[self.score_terms(base, 1 - zero), d_pi]


def _volume_prior(
    X: np.ndarray, impressions: np.ndarray, params: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Prior mean and variance of each keyword's log volume."""
    g = np.clip(params[-2:], -5.0, 3.0)
    return X @ params[:-2], np.exp(2 * g[0]) + np.exp(2 * g[1]) / (impressions + 1)


def volume_posterior(
    y: np.ndarray,
    s: np.ndarray,
    X: np.ndarray,
    impressions: np.ndarray,
    opts: RoiOptions,
    seed: int,
    never_shown_mass: bool = False,
    groups: np.ndarray | None = None,
) -> dict[str, Any]:
    """Posterior of each keyword's log volume ``u`` (log clicks/day at its reference bid).

    Keyword volumes in an account are roughly lognormal: a few head keywords and a long
    tail. The prior is that lognormal, its centre moving with category, match type and
    bid, fitted by maximum marginal likelihood over the keywords (a sample of
    ``_VOLUME_FIT_KEYWORDS`` in large accounts: the prior has a dozen parameters). A sparse
    keyword is shrunk toward the *typical* keyword like it, not toward a mean volume that
    head keywords dominate. Posterior moments and quantiles come from a grid per keyword.

    With ``never_shown_mass`` (``y`` counts impressions) the prior also has a point mass at
    no volume at all, its weight fitted with the rest (:class:`_ZeroInflatedPoissonLognormal`):
    a keyword without an impression in the window is never shown with the posterior
    probability ``zero_share``, and its mean and quantiles are those of the mixture (a
    quantile below that probability is 0: ``log_lo`` is -inf). ``log_mean`` and ``var`` stay
    those of the volume given that the keyword is shown.

    With ``groups`` (each keyword's ad group id, None/NaN for none) the prior's centre also
    moves toward the keyword's ad group (:func:`_ad_group_level`): keyword -> ad group ->
    category -> account, each level's spread estimated from the data.
    """

    def prior() -> tuple[np.ndarray, int]:
        rng = np.random.default_rng(seed)
        fit_on = np.flatnonzero(s > 0)
        if fit_on.size > _VOLUME_FIT_KEYWORDS:
            fit_on = np.sort(rng.choice(fit_on, _VOLUME_FIT_KEYWORDS, replace=False))
        pooled = (
            math.log((y[fit_on].sum() + 0.5) / max(s[fit_on].sum(), 1e-9)) if fit_on.size else 0.0
        )
        start = np.r_[pooled - 0.5, np.zeros(X.shape[1] - 1), 0.0, 0.0]
        model_class = _ZeroInflatedPoissonLognormal if never_shown_mass else _PoissonLognormal
        if never_shown_mass:  # start at half the share of empty histories: some are small volumes
            empty_share = float(np.mean(y[fit_on] == 0)) if fit_on.size else 0.0
            start = np.r_[start, special.logit(min(max(empty_share / 2, 1e-4), 0.5))]
        if fit_on.size >= MIN_PRIOR_KEYWORDS:
            model = model_class(y[fit_on], X[fit_on], s[fit_on], impressions[fit_on])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # convergence chatter: the result is checked below
                res = model.fit(
                    start_params=start, method="bfgs", maxiter=300, disp=0, skip_hessian=True
                )
            params = np.asarray(res.params, dtype=float)
            if not np.all(np.isfinite(params)):
                params = start
        else:  # too few keywords to learn the spread: a weak prior around the pooled rate
            params = np.r_[pooled, np.zeros(X.shape[1] - 1), math.log(2.0), 0.0]
            if never_shown_mass:
                params = np.r_[params, -20.0]  # no point mass: every empty history a small volume
        return params, int(fit_on.size)

    params, fitted_on = account_wide("volume.prior", prior)
    zero_share = np.zeros(len(y))
    never_shown_share = 0.0
    if never_shown_mass:
        empty = np.flatnonzero((y == 0) & (s > 0))
        if empty.size:
            zero_share[empty] = _ZeroInflatedPoissonLognormal(
                y[empty], X[empty], s[empty], impressions[empty]
            ).zero_share(params)
        never_shown_share = float(special.expit(np.clip(params[-1], -20.0, 5.0)))
        params = params[:-1]
    m, tau2 = _volume_prior(X, impressions, params)
    v = tau2 / max(opts.shrinkage, 1e-3)
    group_report = None
    if groups is not None and opts.shrinkage > 0:
        m, v, group_report = _ad_group_level(y, s, m, v, groups, zero_share, opts)
    lo_q, hi_q = (1 - opts.interval) / 2, (1 + opts.interval) / 2
    out: dict[str, Any] = {
        name: np.empty(len(y)) for name in ("mean", "sd", "log_mean", "var", "log_lo", "log_hi")
    }
    grid = np.linspace(-10.0, 7.0, 171)  # in Laplace scales: the lower tail is the longer one
    for begin in range(0, len(y), _GRID_CHUNK):
        sl = slice(begin, begin + _GRID_CHUNK)
        mode, scale = _volume_mode(y[sl], s[sl], m[sl], v[sl])
        u = mode[:, None] + scale[:, None] * grid[None, :]
        log_dens = (
            y[sl, None] * u - s[sl, None] * np.exp(u) - (u - m[sl, None]) ** 2 / (2 * v[sl, None])
        )
        dens = np.exp(log_dens - log_dens.max(axis=1, keepdims=True))
        cdf = np.concatenate(
            [np.zeros((len(u), 1)), np.cumsum((dens[:, 1:] + dens[:, :-1]) / 2, axis=1)], axis=1
        )
        cdf /= cdf[:, -1:]
        # Trapezoid weights on the uniform grid: interior points 1, the two ends 1/2.
        w = dens * np.where((grid == grid[0]) | (grid == grid[-1]), 0.5, 1.0)
        w /= w.sum(axis=1, keepdims=True)
        mean_u = (w * u).sum(axis=1)
        out["log_mean"][sl] = mean_u
        out["var"][sl] = (w * (u - mean_u[:, None]) ** 2).sum(axis=1)
        level = np.exp(u)
        shown = 1 - zero_share[sl]
        mean_c = shown * (w * level).sum(axis=1)
        out["mean"][sl] = mean_c
        second = shown * (w * level**2).sum(axis=1)
        out["sd"][sl] = np.sqrt(np.maximum(second - mean_c**2, 0.0))
        # Where the point mass holds the whole lower tail the interval is [0, the `interval`
        # quantile]: an equal-tailed one (to the 95% quantile) would hold 95%, not 90%.
        atom = zero_share[sl] >= lo_q
        for q, name in ((lo_q, "log_lo"), (np.where(atom, opts.interval, hi_q), "log_hi")):
            # The mixture's q-quantile is the shown part's at (q - zero share) / shown share.
            q_shown = (q - zero_share[sl]) / shown
            j = np.clip((cdf < q_shown[:, None]).sum(axis=1), 1, len(grid) - 1)
            rows = np.arange(len(u))
            c0, c1 = cdf[rows, j - 1], cdf[rows, j]
            frac = np.clip((q_shown - c0) / np.maximum(c1 - c0, 1e-300), 0, 1)
            at = u[rows, j - 1] + frac * (u[rows, j] - u[rows, j - 1])
            out[name][sl] = np.where(q_shown > 0, at, -np.inf)
    out["prior"] = {
        "coefficients": [float(c) for c in params[:-2]],
        "tau_large_counts": float(np.exp(params[-2])),
        "tau_per_impression": float(np.exp(params[-1])),
        "fitted_on_keywords": fitted_on,
    }
    if never_shown_mass:
        out["prior"]["never_shown_share"] = never_shown_share
    if group_report is not None:
        out["prior"]["ad_groups"] = group_report
    return out


def _ad_group_level(
    y: np.ndarray,
    s: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    groups: np.ndarray,
    zero_share: np.ndarray,
    opts: RoiOptions,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """The prior moved toward each keyword's ad group (:func:`sem.roi.pooling.group_offsets`):
    mean ``m`` plus its ad group's shrunk shift, variance the keyword's own part plus the
    shift's uncertainty. A sparse keyword then starts from what its ad group's other keywords
    do, not from the typical keyword of its category; without a significant spread between ad
    groups nothing changes.

    The per-group shifts are account-wide (:mod:`sem.roi.shared`, keyed by ad group id): in a
    chunked fit they come from the keyword sample, and an ad group without keywords in it
    gets no shift, its prior the category's (variance ``tau2`` added back)."""
    codes, ids = pd.factorize(pd.Series(groups), use_na_sentinel=True)

    def fit() -> tuple[float, pd.DataFrame, dict[str, Any]]:
        shown = 1 - zero_share  # a never-shown keyword says nothing of its group's volume

        def score(shift: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            # d/dm log p(y | m, var) = E[u - m | y] / var, minus the second derivative
            # 1 / var - Var[u | y] / var^2 (Laplace: the posterior mode and scale).
            mean = m + shift
            mode, scale = _volume_mode(y, s, mean, var)
            return shown * (mode - mean) / var, shown * np.maximum(1 / var - scale**2 / var**2, 0)

        level = group_offsets(score, v, codes, opts.group_level_alpha)
        table = pd.DataFrame(
            {"shift": level["shift"], "shift_var": level["shift_var"]},
            index=ids[: len(level["shift"])],
        )
        return level["tau2"], table, level["report"]

    tau2, table, report = account_wide("volume.ad_groups", fit)
    if tau2 <= 0:
        return m, v, report
    known = table.reindex(pd.Index(groups))
    shift = known["shift"].fillna(0.0).to_numpy(float)
    shift_var = known["shift_var"].fillna(tau2).to_numpy(float)
    keyword_var = np.maximum(v - tau2, KEYWORD_SPREAD_FLOOR * v)
    return m + shift, keyword_var + shift_var, report


def joint_volume_posterior(
    clicks: np.ndarray,
    s: np.ndarray,
    impressions: np.ndarray,
    kw: pd.DataFrame,
    cat: np.ndarray,
    n_cat: int,
    x_ref: np.ndarray,
    opts: RoiOptions,
) -> dict[str, Any]:
    """Posterior of clicks/day at the reference bid as impressions/day ``e^v`` times CTR.

    ``v`` has the Poisson-lognormal posterior of :func:`volume_posterior` over impressions
    (no impressions covariate: they are its data); CTR a beta-binomial posterior of clicks out
    of impressions, the prior fitted by maximum likelihood per category. The two posteriors are
    independent (the likelihood factorizes), so log clicks/day has the sum of their means and
    variances; its interval keeps the shape of ``v``'s (the skewed, long-tailed part for a
    keyword with few impressions) scaled to the total spread.
    """
    no_count_term = np.full(len(clicks), np.inf)  # impressions are the data: no count spread
    X = volume_covariates(kw, cat, n_cat, x_ref, None)
    shown = volume_posterior(
        impressions,
        s,
        X,
        no_count_term,
        opts,
        seed=opts.seed,
        never_shown_mass=True,
        groups=kw["ad_group_id"].to_numpy(),
    )
    # CTR is not independent of the impression volume (a keyword rarely shown is often a
    # narrow, relevant one): the CTR prior moves with the posterior mean of ``v``.
    alpha, beta, ctr_prior = _ctr_posterior(
        clicks, impressions, shown["log_mean"], cat, n_cat, opts, kw["ad_group_id"].to_numpy()
    )
    ctr_mean = alpha / (alpha + beta)
    ctr_sq = ctr_mean * (alpha + 1) / (alpha + beta + 1)
    log_ctr = special.digamma(alpha) - special.digamma(alpha + beta)
    log_ctr_var = special.polygamma(1, alpha) - special.polygamma(1, alpha + beta)
    var = shown["var"] + log_ctr_var
    scale = np.sqrt(var / np.maximum(shown["var"], 1e-300))
    log_mean = shown["log_mean"] + log_ctr
    mean = shown["mean"] * ctr_mean
    second = (shown["sd"] ** 2 + shown["mean"] ** 2) * ctr_sq
    return {
        "mean": mean,
        "sd": np.sqrt(np.maximum(second - mean**2, 0.0)),
        "log_mean": log_mean,
        "var": var,
        "log_lo": log_mean + (shown["log_lo"] - shown["log_mean"]) * scale,
        "log_hi": log_mean + (shown["log_hi"] - shown["log_mean"]) * scale,
        "prior": {"impressions": shown["prior"], "ctr": ctr_prior},
    }


def _ctr_posterior(
    clicks: np.ndarray,
    impressions: np.ndarray,
    log_volume: np.ndarray,
    cat: np.ndarray,
    n_cat: int,
    opts: RoiOptions,
    groups: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Beta posterior of each keyword's CTR: beta-binomial prior by category, its logit mean
    quadratic in the keyword's (posterior mean) log impression volume (maximum likelihood,
    the account's when a category has under 20 clicks), then shifted toward its ad group's
    (:func:`_ctr_ad_group_level`)."""
    shrinkage = opts.shrinkage
    n, x = impressions, np.minimum(clicks, impressions)
    z = log_volume - account_wide("volume.ctr_centre", lambda: np.median(log_volume))
    Z = np.column_stack([z, z**2])
    bounds = [(-3.0, 3.0), (-1.0, 1.0)]
    has = n > 0

    def priors(offset: np.ndarray | float = 0.0) -> tuple[np.ndarray, list[dict[str, float]]]:
        off = np.broadcast_to(np.asarray(offset, float), n.shape)
        overall = fit_beta_binomial(n[has], x[has], Z[has], bounds, off[has])
        theta, report = np.empty((n_cat, 4)), []
        for c in range(n_cat):
            sel = (cat == c) & has
            theta[c] = (
                fit_beta_binomial(n[sel], x[sel], Z[sel], bounds, off[sel])
                if x[sel].sum() >= 20
                else overall
            )
            report.append({"mean": float(special.expit(theta[c, 0])),
                           "volume_slope": float(theta[c, 1]),
                           "strength": float(np.exp(theta[c, 3])),
                           "keywords": int(sel.sum())})  # fmt: skip
        return theta, report

    theta, report = account_wide("volume.ctr_priors", priors)
    shift = np.zeros(len(n))
    group_report = None
    if shrinkage > 0:
        theta, report, shift, group_report = _ctr_ad_group_level(
            n, x, Z, cat, (theta, report), priors, groups, opts.group_level_alpha
        )
    mean = special.expit(theta[cat, 0] + (Z * theta[cat, 1:-1]).sum(axis=1) + shift)
    strength = np.exp(theta[cat, -1]) * shrinkage
    return (
        np.maximum(mean * strength + x, 0.5),
        np.maximum((1 - mean) * strength + n - x, 0.5),
        {"categories": report, "ad_groups": group_report},
    )


def _ctr_ad_group_level(
    n: np.ndarray,
    x: np.ndarray,
    Z: np.ndarray,
    cat: np.ndarray,
    fitted: tuple[np.ndarray, list[dict[str, float]]],
    priors: Callable[[np.ndarray], tuple[np.ndarray, list[dict[str, float]]]],
    groups: np.ndarray,
    alpha: float,
) -> tuple[np.ndarray, list[dict[str, float]], np.ndarray, dict[str, Any]]:
    """The CTR prior moved toward the keyword's ad group (:func:`sem.roi.pooling.group_offsets`
    on the beta-binomial likelihood, in the logit of the prior mean): an ad group whose
    keywords are clicked more (a better ad, a closer landing page) lifts its sparse keywords'
    CTR. With a significant spread between ad groups the category priors are fitted again
    with each keyword's ad-group shift as an offset (what is left is the keywords' own
    spread: a stronger prior), and the shifts measured again under them.

    Returns the category priors (theta, report), each keyword's logit shift and the report.
    Account-wide per ad group id, as :func:`_ad_group_level`."""
    theta, category_report = fitted
    codes, ids = pd.factorize(pd.Series(groups), use_na_sentinel=True)

    def shifts(th: np.ndarray) -> dict[str, Any]:
        logit = th[cat, 0] + (Z * th[cat, 1:-1]).sum(axis=1)
        strength = np.exp(th[cat, -1])

        def score(shift: np.ndarray, _var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            # Derivatives of the beta-binomial log likelihood in the logit of the prior mean.
            mu = special.expit(logit + shift)
            a, b = mu * strength, (1 - mu) * strength
            d_mu = strength * (
                special.digamma(x + a) - special.digamma(a)
                - special.digamma(n - x + b) + special.digamma(b)
            )  # fmt: skip
            d2_mu = strength**2 * (
                special.polygamma(1, x + a) - special.polygamma(1, a)
                + special.polygamma(1, n - x + b) - special.polygamma(1, b)
            )  # fmt: skip
            slope = mu * (1 - mu)
            d2 = d2_mu * slope**2 + d_mu * slope * (1 - 2 * mu)
            return d_mu * slope, np.maximum(-d2, 0.0)

        return group_offsets(score, None, codes, alpha)

    def fit() -> tuple[np.ndarray, list[dict[str, float]], pd.Series, dict[str, Any]]:
        level = shifts(theta)
        if level["tau2"] <= 0:
            return theta, category_report, pd.Series(dtype=float), level["report"]
        per_keyword = np.where(codes >= 0, level["shift"][np.maximum(codes, 0)], 0.0)
        refit, refit_report = priors(per_keyword)
        level = shifts(refit)
        if level["tau2"] <= 0:  # the refitted priors leave no spread: keep the first fit
            return theta, category_report, pd.Series(dtype=float), level["report"]
        table = pd.Series(level["shift"], index=ids[: len(level["shift"])])
        return refit, refit_report, table, level["report"]

    theta, category_report, table, report = account_wide("volume.ctr_ad_groups", fit)
    shift = table.reindex(pd.Index(groups)).fillna(0.0).to_numpy(float)
    return theta, category_report, shift, report
