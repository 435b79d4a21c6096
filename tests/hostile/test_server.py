"""The hostile server itself: it sends what it is told, lies included."""

from __future__ import annotations

import socket

from tests.hostile.server import HostileServer, Reply


def _raw_get(base: str, path: str) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_serves_declared_lies_and_records_requests() -> None:
    server = HostileServer()
    server.route("/short", Reply(body=b"0123456789", content_length=100, send_bytes=4))
    server.route("/abs", Reply(body=lambda base: base.encode()))
    with server.running() as base:
        short = _raw_get(base, "/short")
        absolute = _raw_get(base, "/abs")
        missing = _raw_get(base, "/nope")
    assert b"Content-Length: 100\r\n" in short and short.endswith(b"\r\n\r\n0123")
    assert absolute.endswith(base.encode())
    assert missing.startswith(b"HTTP/1.1 404")
    assert server.paths() == ["/short", "/abs", "/nope"]
