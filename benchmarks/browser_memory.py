"""Peak memory of a crawl (and of vitals) whose pages' scripts allocate without end.

Issue 19: such a page pushed ``crawl --render auto|always`` and ``vitals`` past 4 GB in about
4 s. Target: peak <= 1.5 GB. A local site (127.0.0.1) serves a home page, ``--pages`` plain
pages, ``/eat`` (JavaScript arrays until V8 gives up: capped by ``[render] js_heap_mb``) and
``/buffers`` (typed arrays, outside V8's heap: only the renderer watchdog stops them). The
same crawl without the two hostile pages is the peer, run in the same process: the ratio is
what the hostile pages cost. Memory is sampled every 50 ms over the whole process tree
(searchops, the crawler, its extraction worker, Chromium): PSS summed (shared pages split
between their users: the memory the tree really holds; the target applies to it) and RSS
summed (counts the libraries and shared memory Chromium's ~10 processes share once per
process: a loose upper bound, ~3x PSS even for plain pages).

    .venv/bin/python benchmarks/browser_memory.py [--pages 20] [--vitals]

``--uncapped`` also runs the hostile crawl with the caps lifted (heap 16 GB, watchdog at
64 GB), killed once its tree passes 3 GB: what the caps prevent.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

SEARCHOPS = str(Path(sys.executable).parent / "searchops")
KILL_AT = 3 << 30  # an uncapped run is stopped at this PSS (a shared machine)

EAT = "<script>const a = []; while (true) a.push(new Array(1e6).fill(Math.random()));</script>"
BUFFERS = (
    "<script>const a = []; setInterval(() => { for (let i = 0; i < 8; i++) "
    "{ const b = new Uint8Array(5e7); b.fill(1); a.push(b); } }, 50);</script>"
)


def _site(pages: int, hostile: bool) -> ThreadingHTTPServer:
    links = "".join(f"<a href='/p/{i}'>page {i}</a>" for i in range(pages))
    if hostile:
        links += "<a href='/eat'>eat</a><a href='/buffers'>buffers</a>"
    bodies = {"/": f"<h1>Home</h1>{links}", "/eat": EAT, "/buffers": BUFFERS}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            body = bodies.get(path) or (
                f"<h1>Page {path}</h1><p>{'words ' * 80}</p>" if path.startswith("/p/") else None
            )
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            data = f"<!doctype html><html lang=en><head><title>{path}</title></head><body>{body}</body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def peak_memory(argv: list[str], cwd: Path) -> tuple[float, float, int, float]:
    """(peak RSS MB, peak PSS MB, exit code, seconds) of ``argv`` and all its children."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(child.pid)
    peak_rss = peak_pss = 0
    tick = 0
    while child.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            rss = sum(p.memory_info().rss for p in tree if p.is_running())
            peak_rss = max(peak_rss, rss)
            if tick % 2 == 0:  # PSS reads smaps: every 100 ms
                pss = 0
                for p in tree:
                    try:
                        pss += p.memory_full_info().pss
                    except psutil.Error:
                        continue
                peak_pss = max(peak_pss, pss)
            if peak_pss > KILL_AT:
                for p in reversed(tree):
                    with contextlib.suppress(psutil.Error):
                        p.kill()
        except psutil.Error:
            pass
        tick += 1
        time.sleep(0.05)
    stderr = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.returncode not in (0, 1):
        print(f"  exit {child.returncode}: {stderr.strip().splitlines()[-1:]}")
    return peak_rss / 2**20, peak_pss / 2**20, child.returncode, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--render", default="always", choices=("auto", "always"))
    parser.add_argument("--vitals", action="store_true", help="also measure vitals on /buffers")
    parser.add_argument("--uncapped", action="store_true", help="also run without the caps")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        uncapped = folder / "uncapped.toml"
        uncapped.write_text(
            "[render]\njs_heap_mb = 16384\nrenderer_max_mb = 65536\nbrowser_max_mb = 65536\n"
        )
        runs: list[tuple[str, bool, list[str]]] = [
            ("plain pages (peer)", False, []),
            ("with /eat and /buffers", True, []),
        ]
        if args.uncapped:
            runs.append(("with /eat and /buffers, caps lifted", True, ["--config", str(uncapped)]))
        print(f"crawl --render {args.render}, {args.pages} plain pages; peak over the process tree")
        results = {}
        for name, hostile, extra in runs:
            server = _site(args.pages, hostile)
            base = f"http://127.0.0.1:{server.server_address[1]}/"
            out = folder / f"run-{len(results)}"
            argv = [SEARCHOPS, "--workspace", str(folder / "ws.duckdb"), *extra, "crawl", base,
                    "--render", args.render, "--out", str(out)]  # fmt: skip
            rss, pss, code, seconds = peak_memory(argv, folder)
            server.shutdown()
            results[name] = pss
            print(
                f"  {name:<40} peak RSS {rss:7.0f} MB  peak PSS {pss:7.0f} MB  "
                f"exit {code}  {seconds:5.1f} s"
            )
        peer = results["plain pages (peer)"]
        hostile_pss = results["with /eat and /buffers"]
        print(f"hostile / peer peak PSS: {hostile_pss / peer:.2f}x; target peak <= 1536 MB: "
              f"{'met' if hostile_pss <= 1536 else 'NOT met'}")  # fmt: skip
        if args.vitals:
            server = _site(args.pages, True)
            base = f"http://127.0.0.1:{server.server_address[1]}"
            for path in ("/p/0", "/buffers"):
                argv = [SEARCHOPS, "--workspace", str(folder / "ws.duckdb"), "vitals", base + path,
                        "--runs", "1", "--profile", "none", "--out", str(folder / f"vitals{path.replace('/', '-')}")]  # fmt: skip
                rss, pss, code, seconds = peak_memory(argv, folder)
                print(f"  vitals {path:<33} peak RSS {rss:7.0f} MB  peak PSS {pss:7.0f} MB  "
                      f"exit {code}  {seconds:5.1f} s")  # fmt: skip
            server.shutdown()


if __name__ == "__main__":
    main()
