"""Errors, and how any exception becomes one line on stderr and exit code 2.

:func:`exit_status` is the one mapping: the ``searchops`` command (``searchops.cli``)
and the crawler process (``seo_crawler.process``) both end through it.
"""

from __future__ import annotations

import errno
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


def database_reason(exc: BaseException) -> str:
    """The reason in a DuckDB or Arrow error, without the SQL text DuckDB appends."""
    text = str(exc).split("LINE 1:")[0].strip().splitlines()
    return one_line(text[0] if text else type(exc).__name__, 200)


_DAMAGED_WORKSPACE = ("Corrupt database", "not a valid DuckDB database")
_DAMAGED_PARQUET = ("magic bytes", "Parquet", "parquet", "Invalid Input Error")
_WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}


def _known(exc: BaseException) -> str | None:
    """What is wrong and what to do, for the environment's failures a user can fix."""
    if isinstance(exc, OSError) and (exc.filename or exc.strerror):
        where = f"{exc.filename}: " if exc.filename else ""
        if exc.errno in _WRITE_ERRNOS:
            todo = "choose a folder you can write to (--out) or fix its permissions"
        elif exc.errno == errno.ENOSPC:
            todo = "free disk space and run it again"
        else:
            todo = "check the path"
        return f"{where}{exc.strerror or exc}; {todo}"
    module = type(exc).__module__ or ""
    if module.split(".")[0] in ("duckdb", "_duckdb", "pyarrow"):
        reason = database_reason(exc)
        if any(mark in reason for mark in _DAMAGED_WORKSPACE):
            return (
                f"the workspace file is damaged ({reason}); move it aside (a new one is "
                "created; run folders can be audited again) or restore it from a backup"
            )
        if any(mark in reason for mark in _DAMAGED_PARQUET):
            return (
                f"a Parquet file is damaged ({reason}); crawl again or restore the run "
                "folder from a copy"
            )
    return None


def describe(exc: BaseException) -> str:
    """The one line an exception is reported as."""
    if isinstance(exc, SearchopsError):
        return f"error: {one_line(str(exc))}"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    known = _known(exc)
    if known is not None:
        return f"error: {one_line(known)}"
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
