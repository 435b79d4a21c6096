"""Account-wide quantities of the ROI models, shared by the keyword chunks of one fit.

Some of what the models estimate comes from every keyword at once: the category priors, the
day dispersion and drift per volume bucket, the volume prior, medians that centre a covariate,
the weekday season. A million keywords are fitted chunk by chunk (:mod:`sem.roi.fit`), and
every chunk must use the same ones, or a keyword's result would depend on which chunk it fell
in. So the model code computes each such quantity through :func:`account_wide`:

* outside a chunked fit it just computes it (one call, nothing kept);
* the chunked fit's first pass, over a sample of keywords, records each value in call order;
* each chunk's pass replays the recorded values instead of computing them from its keywords.

The contract for model code: a quantity computed from more than one keyword goes through
:func:`account_wide`, and only that quantity (never a per-keyword array).
``tests/sem/test_roi_chunks.py`` fits an account in one piece and in several chunks and
fails on any quantity that escapes it. Random draws need nothing of the kind: each is its
keyword's (:class:`sem.roi.draws.KeywordDraws`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class SharedValues:
    """The recorded account-wide values (per name, in call order)."""

    values: dict[str, list[Any]] = field(default_factory=dict)
    presets: dict[str, Any] = field(default_factory=dict)

    def preset(self, name: str, value: Any) -> None:
        """Fix ``name`` (every call) before recording: from an aggregate of every keyword
        (the weekday season, the window, the categories) rather than from the sample."""
        self.presets[name] = value


@dataclass
class _Session:
    shared: SharedValues
    replay: bool
    calls: Counter[str] = field(default_factory=Counter)


_SESSION: ContextVar[_Session | None] = ContextVar("sem_roi_shared", default=None)


def account_wide(name: str, compute: Callable[[], T]) -> T:
    """``compute()``, or in a chunked fit the value recorded for this call of ``name``."""
    session = _SESSION.get()
    if session is None:
        return compute()
    if name in session.shared.presets:
        return session.shared.presets[name]  # type: ignore[no-any-return]
    i = session.calls[name]
    session.calls[name] += 1
    recorded = session.shared.values.setdefault(name, [])
    if i < len(recorded):
        return recorded[i]  # type: ignore[no-any-return]
    if session.replay:
        raise RuntimeError(f"account-wide value {name!r} #{i} was not recorded")
    value = compute()
    recorded.append(value)
    return value


@contextmanager
def recording(shared: SharedValues) -> Iterator[SharedValues]:
    """Record every account-wide value computed inside."""
    token = _SESSION.set(_Session(shared, replay=False))
    try:
        yield shared
    finally:
        _SESSION.reset(token)


@contextmanager
def replaying(shared: SharedValues) -> Iterator[SharedValues]:
    """Use the recorded values inside (one chunk: call counts start from zero)."""
    token = _SESSION.set(_Session(shared, replay=True))
    try:
        yield shared
    finally:
        _SESSION.reset(token)
