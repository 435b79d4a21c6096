"""A real Debian ``redis-server`` for tests and benchmarks: a free port on 127.0.0.1, a
temporary directory, no persistence (``make`` installs it, like Chromium)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


MISSING = "redis-server is not installed (`make redis` installs Debian's)"


@contextmanager
def redis_server() -> Iterator[str]:
    """Start ``redis-server``; yields ``redis://127.0.0.1:PORT/0``; stops it after."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(MISSING)
    import redis

    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="redis-") as folder:
        server = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                folder,
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    redis.Redis.from_url(url).ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.05)
            yield url
        finally:
            server.terminate()
            server.wait(10)
