"""Errors, and how any exception becomes one line on stderr and exit code 2.

:func:`exit_status` is the one mapping: the ``searchops`` command (``searchops.cli``)
and the crawler process (``seo_crawler.process``) both end through it.
"""

from __future__ import annotations

import sys
import traceback

from searchops.escaping import terminal_document, terminal_text


class SearchopsError(Exception):
    """A usage, configuration or runtime problem the user can act on.

    The message must make sense on its own, on one line: the CLI prints it
    without a traceback (unless ``--debug``) and exits 2.
    """


class ConfigError(SearchopsError):
    """The configuration is invalid: the message names the file, the key and the problem."""


USAGE_OR_RUNTIME_ERROR = 2


def one_line(text: str, limit: int = 500) -> str:
    """``text`` on one line (a multi-line message would read as several errors)."""
    flat = " ".join(terminal_text(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def describe(exc: BaseException) -> str:
    """The one line an exception is reported as."""
    if isinstance(exc, SearchopsError):
        return f"error: {one_line(str(exc))}"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    detail = one_line(str(exc))
    return (
        f"internal error: {type(exc).__name__}{': ' + detail if detail else ''}"
        " (rerun with --debug for details)"
    )


def exit_status(exc: BaseException, *, debug: bool, prog: str = "searchops") -> int:
    """Report ``exc`` on stderr and return the exit code: one line, or with ``debug``
    the traceback as well (never for a plain interruption)."""
    if debug and not isinstance(exc, KeyboardInterrupt):
        sys.stderr.write(terminal_document("".join(traceback.format_exception(exc))))
    print(f"{prog}: {describe(exc)}", file=sys.stderr)
    return USAGE_OR_RUNTIME_ERROR
