"""Posterior draws: joint draws of every model's quantities at the current bid, and the
intervals derived from them (ROAS, marginal ROAS, profit, value per click); and
:class:`KeywordDraws`, the random numbers every posterior draw of a keyword is made from.

Every draw belongs to its keyword: it is a function of the seed, what the draws are for, the
keyword's id, the quantity's name and the draw's index, and of nothing else. So a keyword's
draws, and every decision taken on them, do not depend on the order the keywords were
imported or read in (DuckDB does not keep it), on which other keywords are in the account,
or on how a large account is cut into chunks. One generator stream shared by the keywords
in row order gave the demo 0.949 or 0.971 of its oracle from one run to the next (issue 18).

numpy's generators cannot be keyed by an array of ids without one generator object per
keyword (about 30 us each: 30 s per million keywords and per quantity), so the bits are a
counter-based hash instead: SplitMix64's output function (Steele, Lea & Flood, "Fast
splittable pseudorandom number generators", OOPSLA 2014) over ``key + index * golden``,
which is SplitMix64's own stream seeded by the keyword's key. Normals are the inverse CDF of
those uniforms; gammas, and betas from two gammas, come from Marsaglia & Tsang's rejection
method ("A simple method for generating gamma variables", ACM TOMS 2000), every retry
keyed by its round.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from sem.roi.options import RoiOptions

BOOTSTRAP_CHUNK = 5000  # keywords per bootstrap block: bounds memory at 100,000 keywords

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15  # SplitMix64's increment (2**64 / golden ratio, odd)
_M1, _M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB  # SplitMix64's output multipliers
# Marsaglia-Tsang accepts at least 95% of proposals for a shape >= 1 (smaller shapes are
# boosted to shape + 1): 40 rounds leave a draw unaccepted with probability < 0.05 ** 40.
_GAMMA_ROUNDS = 40


def _mix_int(x: int) -> int:
    """SplitMix64's output function on a Python int (mod 2**64)."""
    x &= _MASK
    x = ((x ^ (x >> 30)) * _M1) & _MASK
    x = ((x ^ (x >> 27)) * _M2) & _MASK
    return x ^ (x >> 31)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's output function on a uint64 array, in place (numpy wraps uint64 products
    mod 2**64)."""
    t = np.right_shift(x, np.uint64(30))
    x ^= t
    x *= np.uint64(_M1)
    np.right_shift(x, np.uint64(27), out=t)
    x ^= t
    x *= np.uint64(_M2)
    np.right_shift(x, np.uint64(31), out=t)
    x ^= t
    return x


def _unit(bits: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Uniforms on (0, 1) into ``out`` from the top 53 of SplitMix64's bits (``bits`` is used up)."""
    _mix(bits)
    bits >>= np.uint64(11)
    np.multiply(bits, 2.0**-53, out=out)
    out += 2.0**-54
    return out


def _name_key(name: str) -> np.uint64:
    return np.uint64(_mix_int(zlib.crc32(name.encode()) * _GOLDEN))


def _marsaglia_tsang(d: np.ndarray, c: np.ndarray, z: np.ndarray, u: np.ndarray) -> np.ndarray:
    """log of the gamma draw d * v (shape d + 1/3) from a normal ``z`` and a uniform ``u``;
    NaN where the proposal is rejected (``d``, ``c`` broadcast against ``z``)."""
    v = c * z
    v += 1
    v3 = v * v
    v3 *= v
    with np.errstate(invalid="ignore", divide="ignore"):
        log_v = np.log(v3)  # NaN where v <= 0: rejected below, as the comparison is False
        bound = z * z
        bound *= 0.5
        bound += d
        bound -= d * v3
        bound += d * log_v
        accept = np.log(u) < bound
        log_v += np.log(d)
    log_v[~accept] = np.nan
    return log_v


# Cells hashed per pass: the hash's uint64 temporaries stay in the CPU's cache (one pass over
# a whole 1,000 x 200 block was ~8x slower than numpy's own normals; blocked, about the same).
_PASS_CELLS = 1 << 15


class KeywordDraws:
    """Random draws per keyword (rows) and draw (columns), each keyword's a function of
    ``(seed, purpose, its id, the quantity's name, the draw's index)`` only (module docstring).

    ``purpose`` separates uses that must not share draws (the bids chosen on one set, their
    forecast told on another); ``name`` separates the quantities of one use. The same name
    asked twice gives the same numbers."""

    def __init__(self, ids: ArrayLike | pd.Index | pd.Series, seed: int, purpose: str):
        known = pd.Series(np.asarray(ids)).astype("Int64").fillna(-1).to_numpy(np.int64)
        base = _mix_int(_mix_int(seed + _GOLDEN) ^ int(_name_key(purpose)))
        self._keys = _mix(known.view(np.uint64) ^ np.uint64(base))

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, rows: slice | np.ndarray) -> KeywordDraws:
        """The draws of some keywords (rows of this one's): the same numbers as here."""
        part = object.__new__(KeywordDraws)
        part._keys = self._keys[rows]
        return part

    def _named(self, name: str) -> np.ndarray:
        return _mix(self._keys ^ _name_key(name))

    def uniform(self, name: str, n: int) -> np.ndarray:
        """Uniforms on (0, 1), keywords x ``n``."""
        keys = self._named(name)
        steps = np.arange(1, n + 1, dtype=np.uint64) * np.uint64(_GOLDEN)
        out = np.empty((len(keys), n))
        rows = max(_PASS_CELLS // max(n, 1), 1)
        for start in range(0, len(keys), rows):
            _unit(keys[start : start + rows, None] + steps, out[start : start + rows])
        return out

    def _uniform_at(self, name: str, rows: np.ndarray, index: np.ndarray) -> np.ndarray:
        """The uniforms :meth:`uniform` gives at cells ``(rows, index)``."""
        bits = _mix(self._keys[rows] ^ _name_key(name))  # those rows' keys of self._named(name)
        bits += (index.astype(np.uint64) + np.uint64(1)) * np.uint64(_GOLDEN)
        return _unit(bits, np.empty(len(rows)))

    def normal(self, name: str, n: int) -> np.ndarray:
        """Standard normals, keywords x ``n``."""
        u = self.uniform(name, n)
        return special.ndtri(u, out=u)  # type: ignore[no-any-return]

    def _log_gamma(self, name: str, shape: np.ndarray, n: int) -> np.ndarray:
        """log of Gamma(``shape``, 1) draws (keywords x ``n``; ``shape`` > 0, keywords x 1 or
        x ``n``), a block of keywords at a time; the few rejected proposals are redrawn cell
        by cell, each round from its own name."""
        k = len(self._keys)
        shape = np.asarray(shape, float).reshape(k, -1)
        out = np.empty((k, n))
        steps = np.arange(1, n + 1, dtype=np.uint64) * np.uint64(_GOLDEN)
        z_keys, u_keys = self._named(f"{name}/z0"), self._named(f"{name}/u0")
        boost_keys = self._named(f"{name}/boost")
        rows = max(_PASS_CELLS // max(n, 1), 1)
        for start in range(0, k, rows):
            sl = slice(start, start + rows)
            a = shape[sl]  # per keyword (x 1) or per cell
            boosted = a < 1  # Gamma(a) = Gamma(a + 1) * U ** (1 / a)
            d = np.where(boosted, a + 1, a) - 1 / 3
            c = 1 / np.sqrt(9 * d)
            z = special.ndtri(_unit(z_keys[sl, None] + steps, np.empty((len(a), n))))
            u = _unit(u_keys[sl, None] + steps, np.empty((len(a), n)))
            block = _marsaglia_tsang(d, c, z, u)
            d_cells, c_cells = np.broadcast_to(d, block.shape), np.broadcast_to(c, block.shape)
            for r in range(1, _GAMMA_ROUNDS + 1):
                i, j = np.nonzero(np.isnan(block))
                if not i.size:
                    break
                if r == _GAMMA_ROUNDS:  # never in practice (see _GAMMA_ROUNDS): the mode
                    block[i, j] = np.log(d_cells[i, j])
                    break
                z = special.ndtri(self._uniform_at(f"{name}/z{r}", start + i, j))
                u = self._uniform_at(f"{name}/u{r}", start + i, j)
                block[i, j] = _marsaglia_tsang(d_cells[i, j], c_cells[i, j], z, u)
            if boosted.any():
                boost = _unit(boost_keys[sl, None] + steps, np.empty(block.shape))
                cells = np.broadcast_to(boosted, block.shape)
                block[cells] += np.log(boost[cells]) / np.broadcast_to(a, block.shape)[cells]
            out[sl] = block
        return out

    def beta(self, name: str, a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
        """Beta(``a``, ``b``) draws, keywords x ``n`` (``a``, ``b`` broadcast to it), as
        X / (X + Y) of two gammas (in logs: shapes far below 1 do not underflow). A NaN
        parameter gives NaN, as numpy's does; one <= 0 is an error, as numpy's is."""
        a, b = np.asarray(a, float), np.asarray(b, float)
        if (a <= 0).any() or (b <= 0).any():
            raise ValueError("beta parameters must be positive")
        nan = np.isnan(a) | np.isnan(b)
        a, b = np.where(nan, 1.0, a), np.where(nan, 1.0, b)
        x = self._log_gamma(f"{name}/a", a, n)
        x -= self._log_gamma(f"{name}/b", b, n)
        return np.where(nan, np.nan, special.expit(x))  # type: ignore[no-any-return]


def posterior_draws(fit: pd.DataFrame, draws: int, seed: int) -> dict[str, np.ndarray]:
    """Joint posterior draws (keywords x draws) of the quantities at the current bid, each
    keyword's from its own :class:`KeywordDraws`."""
    rng = KeywordDraws(fit["criterion_id"], seed, "roi")
    n = len(fit)
    shape = (n, draws)
    x = fit["current_bid"].to_numpy(float)[:, None]
    clicks0 = fit["clicks_per_day"].to_numpy(float)[:, None]
    # Clicks at the current bid: lognormal with the volume posterior's log spread (b's included),
    # mean-preserving so the draws average the point forecast.
    if "clicks_log_sd" in fit.columns:
        log_sd = fit["clicks_log_sd"].to_numpy(float)[:, None]
    else:  # a frame from elsewhere: the scale's coefficient of variation
        cv = (fit["a_se"] / fit["a"]).replace([np.inf, np.nan], 1.0).to_numpy(float)[:, None]
        log_sd = np.sqrt(np.log1p(cv**2))
    c0 = clicks0 * np.exp(log_sd * rng.normal("clicks", draws) - log_sd**2 / 2)
    b = fit["elasticity"].to_numpy(float)[:, None] + fit["elasticity_se"].to_numpy(float)[
        :, None
    ] * rng.normal("elasticity", draws)
    cvr = rng.beta(
        "cvr",
        fit["cvr_alpha"].to_numpy(float)[:, None],
        fit["cvr_beta"].to_numpy(float)[:, None],
        draws,
    )
    vpc = np.exp(
        fit["value_log_mu"].to_numpy(float)[:, None]
        + fit["value_log_sd"].to_numpy(float)[:, None] * rng.normal("value", draws)
    )
    ratio = np.maximum(
        fit["cpc_ratio"].to_numpy(float)[:, None]
        + fit["cpc_ratio_se"].to_numpy(float)[:, None] * rng.normal("cpc_ratio", draws),
        0.05,
    )
    saturated = (fit["clicks_per_day"] >= fit["click_ceiling"]).to_numpy()[:, None]
    return {
        "clicks": c0,
        "cost": c0 * ratio * x,
        "value": c0 * cvr * vpc,
        "value_per_click": cvr * vpc,
        "elasticity": b,
        "saturated": np.broadcast_to(saturated, shape),
    }


def add_derived_intervals(out: pd.DataFrame, opts: RoiOptions) -> None:
    lo_q, hi_q = (1 - opts.interval) / 2, (1 + opts.interval) / 2
    x = out["current_bid"].to_numpy(float)
    b = out["elasticity"].to_numpy(float)
    vpc = out["value_per_conversion"].to_numpy(float)
    roas = out["cvr"].to_numpy(float) * vpc / (out["cpc_ratio"].to_numpy(float) * x)
    saturated = (out["clicks_per_day"] >= out["click_ceiling"]).to_numpy()
    out["roas"] = roas
    out["marginal_roas"] = np.where(saturated, 0.0, roas * b / (b + 1))
    clicks = out["clicks_per_day"].to_numpy(float)
    out["value_per_day"] = clicks * out["cvr"].to_numpy(float) * vpc
    out["cost_per_day"] = clicks * out["cpc"].to_numpy(float)
    out["profit_per_day"] = out["value_per_day"] * opts.margin - out["cost_per_day"]
    cols = {c: np.empty(len(out)) for c in
            ("roas_lo", "roas_hi", "marginal_roas_lo", "marginal_roas_hi", "profit_lo", "profit_hi",
             "value_per_click_lo", "value_per_click_hi")}  # fmt: skip
    for start in range(0, len(out), BOOTSTRAP_CHUNK):
        part = out.iloc[start : start + BOOTSTRAP_CHUNK]
        d = posterior_draws(part, opts.draws, opts.seed)
        sl = slice(start, start + len(part))
        r = d["value"] / np.maximum(d["cost"], 1e-12)
        m = np.where(d["saturated"], 0.0, r * d["elasticity"] / (d["elasticity"] + 1))
        p = d["value"] * opts.margin - d["cost"]
        named = (
            ("roas", r),
            ("marginal_roas", m),
            ("profit", p),
            ("value_per_click", d["value_per_click"]),
        )
        for name, arr in named:
            q = np.quantile(arr, [lo_q, hi_q], axis=1)
            cols[f"{name}_lo"][sl], cols[f"{name}_hi"][sl] = q[0], q[1]
    for name, arr in cols.items():
        out[name] = arr
