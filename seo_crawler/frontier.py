"""The crawl frontier on disk: ``frontier.jsonl`` is both the durable log and the FIFO queue.

Every URL taken into the crawl is appended to the file (and flushed: it survives ``kill -9``)
before it is queued, and the queue is nothing but a read position in that same file. So the
URLs waiting cost no memory however many there are: a 100,000-page crawl of a catalog has
~70,000 discovered-but-unfetched URLs at its peak, which an in-memory deque of
(url, depth, source, referrer) tuples held for the whole crawl. A line is
``{"u": url, "d": depth, "f": source, "r": referrer}``, plus ``"n": 1`` for a visit whose
links are not followed (:attr:`seo_crawler.visit.Visit.follow`).

Lines of URLs recorded at once, without a fetch of their own (the end of a redirect chain),
carry ``"x": 1`` and are not handed out. On resume (:meth:`Frontier.resume`) the reader starts
at the beginning of the file and skips every URL the killed crawl recorded, so the queue is
exactly the scheduled-but-unrecorded URLs in their first order, then what this crawl adds.

:class:`LineQueue` is the same idea without durability, for sitemap-only URLs waiting to be
judged (a sitemap index lists every product: ~110,000 URLs on the demo site at 55,000 products).
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

from seo_crawler.visit import Visit


class UrlSet:
    """A set of URLs kept as their 64-bit hashes in one flat array: 12-24 bytes a URL.

    The crawl's seen-set and the writer's recorded-set hold every URL of the crawl (a
    million at a million pages, twice). A Python ``set`` of hashes costs ~70 bytes a URL
    (a 32-byte int object plus its slot): ~150 MB for the two at a million pages, half the
    crawl's memory budget. Here the hashes sit in an ``array('q')`` hash table with linear
    probing, at most half full (doubled when it gets there).

    Two URLs sharing a hash (odds ~1e-8 at a million URLs) would make the second look seen:
    an accepted risk for the memory budget. ``hash()`` of a string differs between
    processes, so a set lives in one process (resume rebuilds it from files).
    """

    _EMPTY = 0  # a slot never used; a URL whose hash is 0 is stored as 1

    def __init__(self, urls: Iterable[str] = ()) -> None:
        self._slots = array("q", bytes(8 * 1024))
        self._mask = 1023
        self._count = 0
        for url in urls:
            self.add(url)

    def __contains__(self, url: object) -> bool:
        return self._find(hash(url) or 1) >= 0

    def __len__(self) -> int:
        return self._count

    def add(self, url: Hashable) -> None:
        self._insert(hash(url) or 1)

    def add_new(self, key: Hashable) -> bool:
        """Add ``key`` (a URL, or any value: a tuple of them); whether it was new."""
        before = self._count
        self._insert(hash(key) or 1)
        return self._count > before

    def update(self, other: UrlSet) -> None:
        """Every URL of ``other`` (a set of this process) added to this one."""
        for h in other._slots:
            if h != self._EMPTY:
                self._insert(h)

    def _find(self, h: int) -> int:
        """The slot holding ``h``, or -1 - the empty slot where it would go."""
        slots, mask = self._slots, self._mask
        i = h & mask
        while True:
            found = slots[i]
            if found == h:
                return i
            if found == self._EMPTY:
                return -1 - i
            i = (i + 1) & mask

    def _insert(self, h: int) -> None:
        i = self._find(h)
        if i >= 0:
            return
        self._slots[-1 - i] = h
        self._count += 1
        if 2 * self._count > self._mask:
            self._grow()

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("q", bytes(16 * len(old)))
        self._mask = 2 * len(old) - 1
        slots, mask = self._slots, self._mask
        for h in old:
            if h != self._EMPTY:
                i = h & mask
                while slots[i] != self._EMPTY:
                    i = (i + 1) & mask
                slots[i] = h


class LineQueue:
    """A FIFO of strings in a file: appended at the end, read from a moving position."""

    def __init__(self, path: Path):
        self._writer = path.open("wb")  # fresh each crawl: rebuilt from the sitemaps on resume
        self._reader = path.open("rb")
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, item: str) -> None:
        self._writer.write(item.encode("utf-8") + b"\n")
        self._count += 1

    def popleft(self) -> str:
        if not self._count:
            raise IndexError("pop from an empty LineQueue")
        self._writer.flush()
        self._count -= 1
        return self._reader.readline()[:-1].decode("utf-8")

    def clear(self) -> None:
        self._writer.flush()
        self._reader.seek(0, 2)  # to the end: everything written is dropped
        self._count = 0

    def close(self) -> None:
        self._writer.close()
        self._reader.close()


class Frontier:
    """Every claimed URL, one JSON line each; the unfetched ones are the queue."""

    def __init__(self, path: Path):
        self.path = path
        self._writer = path.open("ab")
        if self._writer.tell():  # a killed crawl may have left half a line: end it first
            with path.open("rb") as fh:
                fh.seek(-1, 2)
                if fh.read(1) != b"\n":
                    self._writer.write(b"\n")
                    self._writer.flush()
        self._session_start = self._writer.tell()
        self._reader = path.open("rb")
        self._skip: UrlSet | None = None  # resume: URLs not to hand out again
        self._waiting = 0
        self.claimed = 0  # lines in the file (URLs taken into the crawl)

    def __len__(self) -> int:
        """URLs queued and not yet handed out."""
        return self._waiting

    def resume(self, recorded: UrlSet) -> UrlSet:
        """Read the file a killed crawl left; returns every URL it claimed.

        The reader then hands out, in their first order, the claimed URLs not in ``recorded``.
        Must be called before anything is pushed. Compact sets throughout: at a million
        pages, sets of URL strings took ~300 MB.
        """
        claimed = UrlSet()
        queued = UrlSet()
        self._reader.seek(0)
        for line in self._reader:
            entry = _parse(line)
            if entry is None:
                continue  # the line being written when the crawl was killed
            url = entry["u"]
            claimed.add(url)
            if url not in recorded:
                queued.add(url)
        self._reader.seek(0)
        self.claimed = len(claimed)
        self._waiting = len(queued)
        self._skip = UrlSet()
        self._skip.update(recorded)
        return claimed

    def push(self, visit: Visit) -> None:
        """Claim ``visit.url`` and queue it (what a fresh visit carries: no hops, no render)."""
        entry = {"u": visit.url, "d": visit.depth, "f": visit.source, "r": visit.referrer}
        if not visit.follow:
            entry["n"] = 1
        self._write(entry)
        self._waiting += 1

    def log_recorded(self, url: str, depth: int, source: str, referrer: str | None) -> None:
        """Claim ``url`` without queueing it: its row is recorded without a fetch."""
        self._write({"u": url, "d": depth, "f": source, "r": referrer, "x": 1})

    def pop(self) -> Visit | None:
        """The oldest queued URL, or None when nothing waits."""
        while self._waiting:
            line = self._reader.readline()
            if not line.endswith(b"\n"):  # cannot happen: every write is a whole flushed line
                self._reader.seek(-len(line), 1)
                return None
            entry = _parse(line)
            if entry is None:
                continue
            url = entry["u"]
            if self._skip is not None:
                if self._reader.tell() > self._session_start:
                    self._skip = None  # past what the killed crawl wrote: plain rules from here
                elif url in self._skip:
                    continue
                else:
                    self._skip.add(url)  # a duplicate line later is not handed out twice
                    self._waiting -= 1
                    return _visit(entry)
            if entry.get("x"):
                continue
            self._waiting -= 1
            return _visit(entry)
        return None

    def close(self) -> None:
        self._writer.close()
        self._reader.close()

    def _write(self, entry: dict[str, Any]) -> None:
        self._writer.write(json.dumps(entry).encode("utf-8") + b"\n")
        self._writer.flush()  # in the OS after this: survives kill -9 of the crawler
        self.claimed += 1


def _visit(entry: dict[str, Any]) -> Visit:
    return Visit(entry["u"], entry["d"], entry["f"], entry["r"], follow=not entry.get("n"))


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and isinstance(entry.get("u"), str) else None
