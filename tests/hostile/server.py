"""A hostile HTTP server on 127.0.0.1 and the CLI runner the hostile tests share.

The server speaks raw HTTP/1.1 (asyncio streams, ``Connection: close``) so a test can send
what a well-behaved framework refuses to: a Content-Length that lies, a body that stalls, a
header block of any shape. Bounded: it listens on 127.0.0.1 only, a reply body is at most
``MAX_BODY`` bytes, a stall lasts at most ``MAX_STALL`` seconds, and every request it sees is
recorded (method, path, headers, body) so a test can assert what was, or was not, fetched.

    server = HostileServer()
    server.route("/", Reply.html("<h1>hi</h1><a href='/deep'>deep</a>"))
    server.route("/deep", Reply(body=b"...", content_length=10))
    with server.running() as base:       # "http://127.0.0.1:PORT"
        result = cli("crawl", base + "/", cwd=tmp_path)

A ``body`` may be a callable ``(base_url) -> bytes`` when the page must name absolute URLs.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import free_port

MAX_BODY = 64 * 1024 * 1024  # a hostile reply never exceeds this (bounded in size)
MAX_STALL = 30.0  # seconds a reply may hang (bounded in time)
_CHUNK = 64 * 1024
SEARCHOPS = str(Path(sys.executable).parent / "searchops")

Body = bytes | Callable[[str], bytes]


@dataclass
class Reply:
    """One response. ``content_length``: the Content-Length to *declare* (None: the true
    length; -1: none, the body ends when the connection closes). ``send_bytes``: stop after
    this many body bytes and close. ``stall``: seconds to hang after the headers (bounded by
    MAX_STALL) before the body; ``drip``: seconds between 64 KiB chunks."""

    body: Body = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    content_length: int | None = None
    send_bytes: int | None = None
    stall: float = 0.0
    drip: float = 0.0

    @classmethod
    def html(cls, body: str, head: str = "", **kwargs: object) -> Reply:
        page = f"<!doctype html><html lang='en'><head>{head}</head><body>{body}</body></html>"
        return cls(body=page.encode(), **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class HostileServer:
    """Routes (exact path, query included or not) -> :class:`Reply`; anything else is 404."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host  # another loopback address (127.0.0.2) is another host
        self.routes: dict[str, Reply] = {}
        self.requests: list[Seen] = []
        self.base = ""

    def route(self, path: str, reply: Reply) -> HostileServer:
        self.routes[path] = reply
        return self

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), MAX_STALL)
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = ([*lines[0].split(" "), "", ""])[:3]
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            size = min(int(headers.get("content-length", "0") or 0), MAX_BODY)
            body = await asyncio.wait_for(reader.readexactly(size), MAX_STALL) if size else b""
            self.requests.append(Seen(method, target, headers, body))
            reply = self.routes.get(target) or self.routes.get(target.split("?")[0])
            if reply is None:
                reply = Reply(body=b"not found", status=404, content_type="text/plain")
            await self._send(writer, method, reply)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _send(self, writer: asyncio.StreamWriter, method: str, reply: Reply) -> None:
        body = reply.body(self.base) if callable(reply.body) else reply.body
        body = body[:MAX_BODY]
        lines = [f"HTTP/1.1 {reply.status} X"]
        if reply.content_type:
            lines.append(f"Content-Type: {reply.content_type}")
        declared = len(body) if reply.content_length is None else reply.content_length
        if declared >= 0:
            lines.append(f"Content-Length: {declared}")
        lines += [f"{k}: {v}" for k, v in reply.headers.items()]
        lines.append("Connection: close")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        if method == "HEAD":
            return
        if reply.stall:
            await asyncio.sleep(min(reply.stall, MAX_STALL))
        if reply.send_bytes is not None:
            body = body[: reply.send_bytes]
        for start in range(0, len(body), _CHUNK):
            writer.write(body[start : start + _CHUNK])
            await writer.drain()
            if reply.drip:
                await asyncio.sleep(min(reply.drip, MAX_STALL))

    @contextmanager
    def running(self) -> Iterator[str]:
        """Serve in a background thread; yields ``http://HOST:PORT``."""
        port = free_port()
        loop = asyncio.new_event_loop()
        started = threading.Event()
        holder: list[asyncio.AbstractServer] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            holder.append(
                loop.run_until_complete(asyncio.start_server(self._handle, self.host, port))
            )
            started.set()
            loop.run_forever()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        assert started.wait(10), "hostile server did not start"
        self.base = f"http://{self.host}:{port}"
        try:
            yield self.base
        finally:
            holder[0].close()
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)


def cli(
    *args: str, cwd: Path, timeout: float = 180, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``searchops ARGS`` in a subprocess (output piped, as in CI), workspace in ``cwd``."""
    environment = {
        **os.environ,
        "SEARCHOPS_WORKSPACE": str(cwd / "ws.duckdb"),
        "COLUMNS": "200",
        **(env or {}),
    }
    return subprocess.run(
        [SEARCHOPS, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=environment,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 2 with one line on stderr naming each of ``needles``; no traceback, no
    'internal error', no raw SQL. Returns the line."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert "Traceback" not in line and "internal error" not in line.lower(), line
    for needle in needles:
        assert needle.lower() in line.lower(), line
    return line
