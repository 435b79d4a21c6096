"""Keeping RSS close to the live data: the crawl's memory budget is 300 MB at 100,000 pages.

* :func:`release_freed_memory`: glibc keeps freed heap pages; ``malloc_trim`` hands them back
  (after each batch the crawler writes, after each phase of finalization).
* :func:`row_groups`: Parquet read one row group at a time. ``ParquetFile.iter_batches``
  held on to what it had read: over the 1,000,000-page demo crawl's pages.parquet (500 row
  groups) its Arrow allocation grew 14 -> 64 MB and RSS +150 MB, while reading the same
  columns a row group at a time stayed flat (189 MB peak; pyarrow 22).
* :func:`lean_arrow_pool`: Arrow's default allocator in the Linux wheels (mimalloc) keeps
  what it freed for reuse. Finalizing a 100,000-page run through it peaked at ~325 MB of RSS
  for ~20 MB of live Arrow buffers; through jemalloc, which returns memory after a short decay,
  at ~280 MB (measured on the same run folder). The pool is switched only for the duration:
  buffers remember the pool they came from, so switching back is safe.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_malloc_trim: Any
try:
    _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
except (OSError, AttributeError):  # not glibc (macOS, musl): RSS is what it is
    _malloc_trim = None


def release_freed_memory() -> None:
    if _malloc_trim is not None:
        _malloc_trim(0)


def row_groups(path: Any, columns: list[str]) -> Iterator[Any]:
    """``columns`` of the Parquet file at ``path`` as one pyarrow Table per row group."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as file:
        for i in range(file.metadata.num_row_groups):
            yield file.read_row_group(i, columns=columns, use_threads=False)


@contextmanager
def lean_arrow_pool() -> Iterator[None]:
    import pyarrow as pa

    previous = pa.default_memory_pool()
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)  # give freed pages back at once
    except (NotImplementedError, pa.ArrowNotImplementedError):  # a build without jemalloc
        pool = pa.system_memory_pool()
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
        release_freed_memory()
