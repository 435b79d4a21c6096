"""Console output shared by every command: rich on a terminal, quiet otherwise.

Progress bars and status go to stderr so stdout stays machine-readable
(``--format json`` can be piped). Text from crawled pages is untrusted: print it
with :func:`safe_text`, never as rich markup.

Off a terminal (a log file, a pipe, ``make demo``) rich would lay everything out at
80 columns and hard-wrap long lines, splitting URLs and reason codes that then cannot
be copied. Here text is never hard-wrapped (``soft_wrap``) and tables get
:data:`LOG_WIDTH` columns, unless ``COLUMNS`` says otherwise.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable

from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from searchops.escaping import terminal_document, terminal_text

LOG_WIDTH = 200  # columns of a table written to a log or pipe (wide logs read fine)


class _Console(Console):
    """A console that is only as narrow as a real terminal (or ``COLUMNS``) asks."""

    @property
    def size(self) -> ConsoleDimensions:
        # COLUMNS is read now, not when the console was made (rich reads it once, at import):
        # a notebook, a test runner or a wrapper script may set it later.
        dimensions = super().size
        columns = os.environ.get("COLUMNS", "")
        if columns.isdigit() and int(columns) > 0:
            return ConsoleDimensions(int(columns), dimensions.height)
        if self.is_terminal:
            return dimensions
        return ConsoleDimensions(LOG_WIDTH, dimensions.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


stderr = _Console(stderr=True, highlight=False, soft_wrap=True)
stdout = _Console(highlight=False, soft_wrap=True)


def clean_text(value: object, limit: int = 200) -> str:
    """Untrusted text for a ``rich.text.Text`` or ``markup=False``: no control or escape
    sequences (:func:`searchops.escaping.terminal_text`), bounded length (markup is not
    interpreted there, so not escaped)."""
    text = terminal_text(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def safe_text(value: object, limit: int = 200) -> str:
    """Untrusted text, made safe for a terminal: no control or escape sequences, no
    rich markup, bounded length."""
    return escape(clean_text(value, limit))


def interactive() -> bool:
    """Progress displays only on a real terminal, and never in CI logs."""
    return stderr.is_terminal and not os.environ.get("CI") and not _quiet


_quiet = False


def set_quiet(value: bool) -> None:
    global _quiet
    _quiet = value


def is_quiet() -> bool:
    """``-q``: only results and errors, no summaries."""
    return _quiet


def progress(transient: bool = False) -> Progress:
    """A rich progress display; disabled (no output at all) when not interactive."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=stderr,
        transient=transient,
        disable=not interactive(),
    )


class PipedProgress:
    """Progress for CI logs and pipes, where the live display is off: one plain line on
    stderr at most every ``every_s`` seconds (``[crawl]``/``[vitals] progress_every_s``), so
    a long command never looks hung. Silent on a terminal (the live display shows it), with
    -q, and when ``every_s`` is 0."""

    def __init__(self, label: str, every_s: float) -> None:
        self.label = label
        self.every_s = every_s
        self.enabled = every_s > 0 and not interactive() and not _quiet
        self.started = self.last = time.monotonic()

    def tick(self, text: str | Callable[[], str]) -> None:
        """Print ``label: text (elapsed)`` if ``every_s`` passed since the last line."""
        now = time.monotonic()
        if not self.enabled or now - self.last < self.every_s:
            return
        self.last = now
        message = text() if callable(text) else text
        elapsed = int(now - self.started)
        line = f"{self.label}: {message} ({elapsed // 60}:{elapsed % 60:02d} elapsed)"
        print(terminal_text(line), file=sys.stderr, flush=True)


class SafeFormatter(logging.Formatter):
    """Log records name URLs, titles and server answers: no escape sequence reaches the
    terminal or the log file through them."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_document(super().format(record))


def configure_logging(debug: bool = False, verbose: bool = False) -> None:
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(SafeFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # Scrapy and the Google Ads client are chatty at INFO; their details belong to --debug.
    for noisy in ("scrapy", "twisted", "google.ads", "urllib3", "asyncio", "filelock"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)
