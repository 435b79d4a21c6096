"""A real crawl of the demo site killed with ``kill -9`` mid-crawl, resumed, and checked.

Issue 21 item 2: a 1,000,000-page crawl of the demo site on one machine with peak RSS <= 400
MB for the whole process tree (the CLI, its Scrapy child and the extraction worker; the demo
site is served in a process of its own, outside the tree) that survives ``kill -9`` at any
point. This script:

1. serves the demo site (``--products``, two pages a product: ``--pages // 2 + 5,000`` by
   default) in its own process, or uses ``--site URL``;
2. starts ``searchops crawl URL --max-pages N --render never --out RUN`` (the traps
   /events/, /outlet/, /help/ excluded as in ``benchmarks/crawl.py``);
3. samples the RSS of the whole process tree every ``--every`` seconds into ``RUN.rss.tsv``
   (seconds, pages committed, tree RSS MB, processes) and counts committed pages from the
   run folder's part files;
4. at ``--kill-at`` committed pages, sends SIGKILL to every process of the tree at once (a
   power cut: no handler runs) and records the URLs committed so far;
5. resumes with ``--resume`` (the same command) and samples it the same way;
6. when the crawl ends: reads RUN/pages.parquet with DuckDB and prints rows, distinct URLs,
   URLs committed before the kill that are missing (lost: goal 0), URLs fetched again after
   the resume (parts rows beyond the distinct ones), and the peak RSS of each session.

``--check-after N``: also check the part files ``N`` pages after the resume (every URL
committed before the kill is still there, counting URLs committed twice) while the crawl
goes on: an interim answer for a crawl that takes hours. A crawl that has to stop before
its end: ``kill -TERM`` the ``searchops`` CLI process (the crawl stops gracefully, resumable;
this script then checks the parts and exits 0). To resume it later by hand, serve the same
site on the same port first (the start URL is in RUN/.spec.json):
``python -m demo.site --port PORT --products N --seed 1`` then
``searchops crawl --out RUN --resume``.

    .venv/bin/python benchmarks/crawl_resume.py --pages 20000 --kill-at 8000 --out /tmp/r20k
    nice -n 5 .venv/bin/python benchmarks/crawl_resume.py --pages 1000000 --kill-at 150000 \\
        --check-after 20000 --out /var/tmp/crawl1m
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent
TRAPS = r"/(events|outlet|help)/"


class PartCounter:
    """Committed pages of a run folder, counted incrementally from its part files (a part
    folder is committed by renaming it: one without ``.tmp`` is complete)."""

    def __init__(self, run: Path) -> None:
        self.run = run
        self.counted: dict[str, int] = {}

    def pages(self) -> int:
        parts = self.run / "parts"
        if parts.is_dir():
            for part in os.scandir(parts):
                if (
                    part.name.endswith(".tmp")
                    or part.name in self.counted
                    or not part.is_dir()  # finalize's own files
                ):
                    continue
                path = Path(part.path) / "pages.jsonl"
                try:
                    with path.open("rb") as fh:
                        self.counted[part.name] = sum(1 for _ in fh)
                except OSError:  # finalized and removed meanwhile
                    self.counted[part.name] = 0
        return sum(self.counted.values())


def part_urls(run: Path) -> Iterator[str]:
    parts = run / "parts"
    if not parts.is_dir():
        return
    for part in sorted(os.scandir(parts), key=lambda p: p.name):
        if part.name.endswith(".tmp") or not part.is_dir():
            continue
        with contextlib.suppress(OSError), open(Path(part.path) / "pages.jsonl") as fh:
            for line in fh:
                yield json.loads(line)["url"]


def tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


# CPU seconds of every process of the crawl's trees, by pid, as last sampled (a process
# killed with -9 is never waited for by its parent, so RUSAGE_CHILDREN would miss it)
CPU: dict[int, float] = {}


def rss_mb(procs: list[psutil.Process]) -> float:
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
            times = proc.cpu_times()
            CPU[proc.pid] = times.user + times.system  # each process by its own pid
    return total / 2**20


def session(
    cmd: list[str], run: Path, log: Path, label: str, every: float,
    kill_at: int | None, check: tuple[int, Path] | None,
) -> tuple[float, int, bool]:  # fmt: skip
    """Run one crawl session; return (peak tree RSS MB, pages committed, killed)."""
    counter = PartCounter(run)
    start = time.monotonic()
    with open(f"{run}.{label}.stderr", "wb") as err:  # the child keeps its own copy
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    root = psutil.Process(proc.pid)
    peak, pages, last_print, checked = 0.0, 0, 0.0, check is None
    first_pages, last_pages = counter.pages(), 0
    cpu_before = sum(CPU.values())
    with log.open("a") as out:
        while proc.poll() is None:
            procs = tree(root)
            rss = rss_mb(procs)
            peak = max(peak, rss)
            pages = counter.pages()
            now = time.monotonic() - start
            out.write(f"{label}\t{now:.1f}\t{pages}\t{rss:.1f}\t{len(procs)}\n")
            out.flush()
            if now - last_print >= 60:
                rate = (pages - last_pages) / (now - last_print) if last_print else 0.0
                last_print, last_pages = now, pages
                cpu = sum(CPU.values()) - cpu_before
                print(
                    f"[{label}] {now:7.0f} s  {pages:9,} pages committed ({rate:.0f}/s)  "
                    f"tree RSS {rss:5.0f} MB (peak {peak:.0f})  {len(procs)} processes  "
                    f"CPU {cpu:,.0f} s ({(pages - first_pages) / max(cpu, 1e-9):.0f} pages/CPU s)",
                    flush=True,
                )
            if kill_at is not None and pages >= kill_at:
                for p in procs:  # every process of the tree, at once: a power cut
                    with contextlib.suppress(psutil.Error):
                        p.send_signal(signal.SIGKILL)
                proc.wait()
                print(
                    f"[{label}] kill -9 of {len(procs)} processes at {pages:,} pages committed, "
                    f"{now:.0f} s", flush=True,
                )  # fmt: skip
                return peak, pages, True
            if not checked and check is not None and pages >= check[0]:
                checked = True
                interim_check(run, check[1])
            time.sleep(every)
    print(
        f"[{label}] ended after {time.monotonic() - start:.0f} s, peak tree RSS {peak:.0f} MB",
        flush=True,
    )
    if proc.returncode != 0 and b"interrupted" in Path(f"{run}.{label}.stderr").read_bytes():
        # stopped on purpose (SIGTERM to the CLI: a session that has to end); SIGINT does
        # nothing to a crawl started in the background, whose shell ignores it
        print(f"[{label}] interrupted at {pages:,} pages: the run folder is resumable", flush=True)
        if check is not None:
            interim_check(run, check[1])
        raise SystemExit(0)
    if proc.returncode != 0:
        raise SystemExit(
            f"{label}: searchops crawl exited {proc.returncode} (see {run}.{label}.stderr)"
        )
    return peak, pages, False


def interim_check(run: Path, before: Path) -> None:
    """Every URL committed before the kill is still in the parts; URLs committed twice."""
    seen: set[str] = set()
    rows = 0
    for url in part_urls(run):
        rows += 1
        seen.add(url)
    lost = sum(1 for line in before.open() if line.rstrip("\n") not in seen)
    print(
        f"interim check: {rows:,} part rows, {len(seen):,} distinct URLs "
        f"({rows - len(seen):,} committed twice), {lost} of the URLs committed before "
        f"the kill missing (lost)",
        flush=True,
    )


def final_check(run: Path, before: Path | None) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET memory_limit = '1GB'")
    pages = str(run / "pages.parquet")
    rows, distinct = con.execute(
        "SELECT count(*), count(DISTINCT url) FROM read_parquet(?)", [pages]
    ).fetchone()  # type: ignore[misc]
    print(
        f"pages.parquet: {rows:,} rows, {distinct:,} distinct URLs ({rows - distinct} duplicates)"
    )
    if before is not None:
        lost = con.execute(
            "SELECT count(*) FROM read_csv(?, columns={'url': 'VARCHAR'}, header=false, "
            "quote='', escape='', delim='\\t') b ANTI JOIN read_parquet(?) p USING (url)",
            [str(before), pages],
        ).fetchone()[0]  # type: ignore[index]
        print(f"URLs committed before the kill and missing from pages.parquet (lost): {lost}")
    stats = json.loads((run / "crawl.json").read_text())["stats"]
    print(f"crawl.json: {stats['pages']:,} pages, {stats.get('errors')} errors")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=20_000, help="page budget (--max-pages)")
    parser.add_argument(
        "--products", type=int, default=0, help="catalog size (0: pages // 2 + 5000)"
    )
    parser.add_argument(
        "--kill-at", type=int, default=0, help="kill -9 at this many committed pages (0: never)"
    )
    parser.add_argument("--check-after", type=int, default=0,
                        help="interim part-file check this many pages after the resume (0: none)")  # fmt: skip
    parser.add_argument(
        "--site", default="", help="crawl this demo site URL instead of serving one"
    )
    parser.add_argument("--out", type=Path, required=True, help="run folder (must not exist)")
    parser.add_argument("--every", type=float, default=0.5, help="RSS sampling period, seconds")
    args = parser.parse_args()
    run: Path = args.out
    if run.exists():
        raise SystemExit(f"{run} exists: give a new run folder")
    run.parent.mkdir(parents=True, exist_ok=True)
    log = Path(f"{run}.rss.tsv")
    log.write_text("session\tseconds\tpages\trss_mb\tprocesses\n")
    products = args.products or args.pages // 2 + 5_000
    with contextlib.ExitStack() as stack:
        if args.site:
            url = args.site.rstrip("/")
        else:
            from demo.site import serve

            url = str(stack.enter_context(serve(products=products, seed=1, process=True)))
        cmd = [
            str(BIN / "searchops"), "--workspace", f"{run}.ws.duckdb", "-q",
            "crawl", url + "/", "--max-pages", str(args.pages), "--render", "never",
            "--out", str(run), "--exclude", TRAPS,
        ]  # fmt: skip
        print(" ".join(cmd), flush=True)
        t0 = time.monotonic()
        peak1, pages1, killed = session(
            cmd, run, log, "first", args.every, args.kill_at or None, None
        )
        before: Path | None = None
        peaks = [peak1]
        if killed:
            before = Path(f"{run}.before-kill.urls")
            with before.open("w") as fh:
                for u in part_urls(run):
                    fh.write(u + "\n")
            check = (pages1 + args.check_after, before) if args.check_after else None
            peak2, _, _ = session([*cmd, "--resume"], run, log, "resume", args.every, None, check)
            peaks.append(peak2)
        wall = time.monotonic() - t0
    cpu = sum(CPU.values())
    stats = json.loads((run / "crawl.json").read_text())["stats"]
    print(
        f"{stats['pages']:,} pages in {wall:,.0f} s wall ({stats['pages'] / wall:.1f} pages/s), "
        f"{stats['pages'] / cpu:.1f} pages per CPU second of the crawl's processes; "
        f"peak tree RSS by session: {' / '.join(f'{p:.0f}' for p in peaks)} MB (target <= 400)"
    )
    final_check(run, before)


if __name__ == "__main__":
    main()
