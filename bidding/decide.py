"""Bids chosen over the posterior: each keyword's bid on a grid inside its step-cap box is
the one whose gain survives the uncertainty, instead of a point optimum behind a data hold.

For every keyword, posterior draws (:func:`bidding.recommend.posterior_draws`: clicks at
today's bid, click elasticity, CPC exponent and ratio, conversion rate, order value) give at
each grid bid ``b`` the change against today's bid of value ``dV(b)`` and cost ``dC(b)``
over a day. For an objective weight ``w`` (``margin`` for profit; smaller when a budget binds)
the gain is ``dG = w dV - dC``; the keyword moves to the grid bid that maximizes the
``risk_quantile`` lower quantile of ``dG`` (normal approximation from the draws' mean and
variance: ``mean - z sd``), and only when that quantile is positive. ``risk_quantile`` 0.5 is
plain expected profit; lower values move a keyword only as far as its evidence supports:
a keyword with few clicks has wide draws, so only a move that gains in most of them is made.

A keyword whose profit is negative in at least ``pause_probability`` of the draws even at
the lowest bid of its box (it spends without converting enough to pay for its clicks) is cut:
paused, within the pause guardrails, or else bid down to the bottom of its box.

Every per-keyword quantity is a ``keywords x grid`` array of moments, computed a block of
keywords at a time, so a budget's multiplier can be searched without redrawing.
"""

from __future__ import annotations

import os
import tempfile
import weakref
from collections.abc import Iterator

import numpy as np
from scipy import stats

from bidding.models import KeywordModels
from sem.roi.draws import KeywordDraws

GRID_POINTS = 21  # bids from -cap to +cap: 2% apart at the default 20% cap
_CHUNK = 1000  # keywords per block of draws (keywords x grid x draws floats in memory)


def posterior_draws(
    model: KeywordModels, idx: slice, n: int, level: float, rng: KeywordDraws
) -> dict[str, np.ndarray]:
    """Draws (keywords x draws) of clicks/day at today's bid ``c0``, the click curve's slopes
    below and above it ``e_down``/``e_up``, CPC exponents ``g_down``/``g_up``, CPC ratio ``k``, value per click ``vpc`` (conversion rate x order value)."""
    from bidding.recommend import _draws

    d = _draws(model, idx, n, level, rng)
    b0 = np.nan_to_num(model.col("cpc_bid", idx))
    e0 = np.clip(np.nan_to_num(model.col("elasticity", idx)), 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c0 = np.nan_to_num(d["a"] * np.power(np.where(b0 > 0, b0, 1.0), e0)[:, None])
    k = len(b0)

    def spread(name: str, se_name: str, low: float, high: float, default: float) -> np.ndarray:
        mean = (
            np.nan_to_num(model.col(name, idx), nan=default)
            if name in model.frame.columns
            else np.full(k, default)
        )
        se = (
            np.nan_to_num(model.col(se_name, idx))
            if se_name in model.frame.columns
            else np.zeros(k)
        )
        return np.clip(mean[:, None] + se[:, None] * rng[idx].normal(name, n), low, high)

    return {
        "c0": c0,
        "e_down": d["e_down"],
        "e_up": d["e_up"],
        "g_down": d["g_down"],
        "g_up": d["g_up"],
        "k": spread("cpc_ratio", "cpc_ratio_se", 1e-3, 1.0, 0.75),
        "vpc": d["cvr"] * d["value"],
    }


# Keywords whose grid moments stay in memory; past this each quantity's ``keywords x grid``
# array goes to an unlinked temporary file (gone with the process, even after kill -9) and
# is read back a block of keywords at a time: at 1,000,000 keywords the nine arrays are
# 1.5 GB, and a choice over them held several more of that size at once.
MEMORY_KEYWORDS = 100_000
# Keywords per block when the moments are read back (9 arrays x 21 columns x 8 bytes each).
READ_BLOCK = 50_000
_FIELDS = ("bids", "dv", "dc", "var_v", "var_c", "cov", "value", "cost", "cost_var")


class _Store:
    """The ``keywords x grid`` arrays of :class:`Moments`, written a block of keywords at a
    time in keyword order: in memory, or (``on_disk``) one unlinked temporary file each."""

    def __init__(self, n: int, g: int, on_disk: bool) -> None:
        self.n, self.g = n, g
        # closed by close() (Moments' finalizer): the files outlive this call by design
        self.files = {name: tempfile.TemporaryFile(prefix="searchops-moments-")  # noqa: SIM115
                      for name in _FIELDS} if on_disk else None  # fmt: skip
        self.arrays = None if on_disk else {name: np.zeros((n, g)) for name in _FIELDS}

    def write(self, idx: slice, block: dict[str, np.ndarray]) -> None:
        for name in _FIELDS:
            if self.files is None:
                self.arrays[name][idx] = block[name]  # type: ignore[index]
            else:
                self.files[name].write(np.ascontiguousarray(block[name], np.float64).data)

    def read(self, name: str, lo: int, hi: int) -> np.ndarray:
        """Rows ``lo:hi`` of ``name`` (a view of the array in memory)."""
        if self.files is None:
            return self.arrays[name][lo:hi]  # type: ignore[index]
        out = np.empty((hi - lo, self.g))
        f = self.files[name]
        f.flush()
        if out.nbytes and os.preadv(f.fileno(), [out.data], lo * self.g * 8) != out.nbytes:
            raise OSError(f"short read of the bid grid moments ({name})")
        return out

    def close(self) -> None:
        for f in (self.files or {}).values():
            f.close()


class Moments:
    """Per keyword (rows) and grid bid (columns): the grid ``bids``, mean and variance of the
    daily change of value and cost against today's bid (``dv``, ``dc``, ``var_v``, ``var_c``),
    their covariance ``cov``, the expected ``value`` and ``cost`` and the cost's variance
    ``cost_var``; ``p_loss_low``: per keyword, the share of draws with negative profit at the
    lowest bid of its box; ``current``: the grid column of today's bid.

    The arrays are read a block of keywords at a time (:meth:`pick`, :meth:`choose`,
    :meth:`spend`): past :data:`MEMORY_KEYWORDS` keywords they live in temporary files. Every
    result is per keyword, so it is the same whichever the blocks."""

    def __init__(self, store: _Store, p_loss_low: np.ndarray, current: int) -> None:
        self._store = store
        self.p_loss_low = p_loss_low
        self.current = current
        weakref.finalize(self, store.close)

    def __len__(self) -> int:
        return self._store.n

    def __getattr__(self, name: str) -> np.ndarray:
        """A whole ``keywords x grid`` array (``m.cost``): for small models and tests."""
        if name in _FIELDS:
            return self._store.read(name, 0, self._store.n)
        raise AttributeError(name)

    def _blocks(self) -> Iterator[tuple[int, int]]:
        n = self._store.n
        step = n if self._store.files is None else READ_BLOCK
        for lo in range(0, n, max(step, 1)):
            yield lo, min(lo + step, n)

    def pick(self, name: str, cols: np.ndarray | int) -> np.ndarray:
        """Per keyword, ``name`` at its grid column ``cols`` (one per keyword, or one for all)."""
        cols = np.broadcast_to(np.asarray(cols), (len(self),))
        out = np.empty(len(self))
        for lo, hi in self._blocks():
            block = self._store.read(name, lo, hi)
            out[lo:hi] = block[np.arange(hi - lo), cols[lo:hi]]
        return out

    @staticmethod
    def _gain(block: dict[str, np.ndarray], w: float, z: float) -> np.ndarray:
        mean = w * block["dv"] - block["dc"]
        var = np.maximum(w * w * block["var_v"] + block["var_c"] - 2 * w * block["cov"], 0.0)
        return mean - z * np.sqrt(var)

    def gain(self, w: float, z: float) -> np.ndarray:
        """The lower quantile (``z`` standard deviations below the mean) of ``w dV - dC``
        (``keywords x grid``: for small models and tests)."""
        names = ("dv", "dc", "var_v", "var_c", "cov")
        return self._gain({name: self._store.read(name, 0, len(self)) for name in names}, w, z)

    def choose(self, w: float, z: float, min_mean: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Per keyword: the grid column chosen at weight ``w`` and whether a move is supported
        (its lower-quantile gain positive, and its mean gain ``w dV - dC`` per day at least
        ``min_mean``); unsupported keywords keep today's bid."""
        cols = np.empty(len(self), dtype=np.intp)
        supported = np.empty(len(self), bool)
        for lo, hi in self._blocks():
            names = ("dv", "dc", "var_v", "var_c", "cov")
            block = {name: self._store.read(name, lo, hi) for name in names}
            g = self._gain(block, w, z)
            if min_mean > 0:
                g = np.where(w * block["dv"] - block["dc"] >= min_mean, g, -np.inf)
            g[:, self.current] = 0.0
            best = np.argmax(g, axis=1)
            ok = g[np.arange(len(best)), best] > 0
            cols[lo:hi] = np.where(ok, best, self.current)
            supported[lo:hi] = ok
        return cols, supported

    def spend(self, cols: np.ndarray, active: np.ndarray | None = None) -> tuple[float, float]:
        """(mean, variance) of the total daily spend at the chosen grid columns, over the
        ``active`` keywords (default all)."""
        on = np.ones(len(cols), bool) if active is None else active
        mean = np.where(on, self.pick("cost", cols), 0.0).sum()
        return float(mean), float(np.where(on, self.pick("cost_var", cols), 0.0).sum())


def grid(current: np.ndarray, lower: np.ndarray, upper: np.ndarray, step: float) -> np.ndarray:
    """Grid bids (keywords x GRID_POINTS) from the box's lower to its upper bound, on the
    ``step`` grid, with today's bid in the middle column."""
    half = GRID_POINTS // 2
    down = np.linspace(0.0, 1.0, half + 1)[::-1][:-1]
    up = np.linspace(0.0, 1.0, half + 1)[1:]
    lo_part = current[:, None] - (current - lower)[:, None] * down[None, :]
    hi_part = current[:, None] + (upper - current)[:, None] * up[None, :]
    bids = np.concatenate([lo_part, current[:, None], hi_part], axis=1)
    snapped = np.round(bids / step) * step
    snapped = np.clip(snapped, lower[:, None], upper[:, None])
    snapped[:, half] = current
    return np.round(snapped, 10)


def moments(
    model: KeywordModels,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    value_scale: np.ndarray,
    margin: float,
    step: float,
    draws: int,
    level: float,
    horizon_days: int,
    seed: int,
) -> Moments:
    """The :class:`Moments` of ``model``'s keywords over their boxes (see the module docstring).

    The cost variance adds the outcome noise of a day's spend averaged over the horizon (Poisson
    clicks at the drawn rate), so a spend limit checked on it holds for what is billed."""
    # the bids are chosen on draws of their own; the forecast of what they do is told on
    # others (bidding.recommend.expected_changes), or a lucky draw would both pick and praise
    rng = KeywordDraws(model.frame["criterion_id"], seed, "choose")
    current = np.nan_to_num(model.current_bid)
    n, g = len(current), GRID_POINTS
    ceiling = model.col("click_ceiling")
    ceiling = np.where(np.isfinite(ceiling) & (ceiling > 0), ceiling, np.inf)
    store = _Store(n, g, on_disk=n > MEMORY_KEYWORDS)
    p_loss_low = np.zeros(n)
    for start in range(0, n, _CHUNK):
        idx = slice(start, min(start + _CHUNK, n))
        d = posterior_draws(model, idx, draws, level, rng)
        bids = grid(current[idx], lower[idx], upper[idx], step)  # per keyword: one block's
        b0 = current[idx][:, None, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(b0 > 0, bids[:, :, None] / b0, 1.0)  # k x g x 1
        # the slope on the move's side: a stepped curve may be flat above and steep below
        e = np.where(r > 1, d["e_up"][:, None, :], d["e_down"][:, None, :])
        gam = np.where(r > 1, d["g_up"][:, None, :], d["g_down"][:, None, :])
        clicks = np.minimum(ceiling[idx][:, None, None], d["c0"][:, None, :] * r**e)
        cpc = np.minimum(d["k"][:, None, :] * b0 * r**gam, b0 * r)  # never above the bid
        vpc = (d["vpc"] * value_scale[idx][:, None])[:, None, :]
        value = clicks * vpc
        cost = clicks * cpc
        half = g // 2
        dv = value - value[:, half : half + 1, :]
        dc = cost - cost[:, half : half + 1, :]
        # parameter spread plus Poisson clicks over the horizon, as a daily average
        noise = (clicks * cpc**2).mean(-1) / horizon_days
        store.write(idx, {
            "bids": bids,
            "dv": dv.mean(-1),
            "dc": dc.mean(-1),
            "var_v": dv.var(-1),
            "var_c": dc.var(-1),
            "cov": ((dv - dv.mean(-1, keepdims=True)) * (dc - dc.mean(-1, keepdims=True))).mean(-1),
            "value": value.mean(-1),
            "cost": cost.mean(-1),
            "cost_var": cost.var(-1) + noise,
        })  # fmt: skip
        profit_low = margin * value[:, 0, :] - cost[:, 0, :]
        p_loss_low[idx] = (profit_low < 0).mean(-1)
    return Moments(store, p_loss_low, current=GRID_POINTS // 2)


def normal_z(probability: float) -> float:
    """Standard normal quantile (``probability`` 0.5 -> 0)."""
    return float(stats.norm.ppf(probability))
