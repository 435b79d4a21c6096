"""A crawl shared by workers on any number of machines, through Redis
(:mod:`seo_crawler.redis_frontier`): starting one, joining one, and ending it.

* :func:`start` (``searchops crawl URL... --frontier redis://... --out RUN``) stores the
  crawl's spec and run folder in Redis under a new crawl id, prints the command that adds
  a worker, and crawls as the first worker;
* :func:`join` (``searchops crawl --join ID --frontier redis://...``) reads the spec from
  Redis and crawls as another worker, into the same run folder (a shared filesystem path
  on other machines: each worker writes its own part files, ``part-NNNNN-WORKER``);
* when the crawl is done (empty queue, no lease held, no live worker busy) every worker's
  crawler exits; the first to get there (``SET finalizer NX``: exactly one, on a lease it
  renews, so that another takes over if it is killed) waits until the others have exited (or
  their heartbeat has expired: a killed worker) and finalizes the run folder (pages, links,
  sitemaps, crawl.json) from every worker's part files; the others return once it is done.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searchops import console
from searchops.errors import SearchopsError
from seo_crawler import layout, redis_frontier
from seo_crawler.spec import CrawlSpec

if TYPE_CHECKING:
    import redis

    from searchops.workspace import Workspace

log = logging.getLogger(__name__)

STARTUP_MS = 300_000  # the first worker's crawler has this long to queue the start URLs
KEEP_S = 86_400  # the spec and the finished mark stay a day: a late --join is told it is over


def start(
    spec: CrawlSpec,
    frontier: str,
    run: Path,
    *,
    show_progress: bool | None,
    workspace: Workspace | str | os.PathLike[str] | None,
) -> Path:
    client = redis_frontier.connect(frontier)
    crawl_id = redis_frontier.new_crawl_id()
    worker = _worker_id()
    spec.write(run)
    record = {"spec": spec.model_dump(mode="json"), "run": str(run.resolve())}
    redis_frontier.store_spec(client, crawl_id, json.dumps(record))
    redis_frontier.starting(client, crawl_id, worker, max(spec.crawl.lease_s, STARTUP_MS / 1000))
    shared = {"frontier": frontier, "crawl_id": crawl_id, "worker": worker, "join": False}
    from seo_crawler.api import join_command

    console.stderr.print(
        f"shared crawl {crawl_id} in {run.resolve()}\n"
        f"add a worker (any machine that sees this folder at the same path and reaches Redis):\n"
        f"  {join_command(shared)}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return _work(client, shared, run, spec, show_progress, workspace)


def join(
    crawl_id: str,
    frontier: str,
    out: Path | None,
    *,
    show_progress: bool | None,
    workspace: Workspace | str | os.PathLike[str] | None = None,
) -> Path:
    client = redis_frontier.connect(frontier)
    record = redis_frontier.load_spec(client, crawl_id)
    prefix = redis_frontier.key_prefix(crawl_id)
    if client.exists(prefix + "finished"):
        raise SearchopsError(f"shared crawl {crawl_id} is finished: nothing to join")
    run = out if out is not None else Path(record["run"])
    if not (run / layout.SPEC).is_file():
        raise SearchopsError(
            f"the run folder of crawl {crawl_id} ({run}) is not on this machine: mount the "
            "shared folder at the same path, or give its path here with --out"
        )
    spec = CrawlSpec.model_validate(record["spec"])
    shared = {"frontier": frontier, "crawl_id": crawl_id, "worker": _worker_id(), "join": True}
    return _work(client, shared, run, spec, show_progress, None if workspace is None else workspace)


def _worker_id() -> str:
    return f"w{uuid.uuid4().hex[:8]}"


def _work(
    client: redis.Redis,
    shared: dict[str, Any],
    run: Path,
    spec: CrawlSpec,
    show_progress: bool | None,
    workspace: Workspace | str | os.PathLike[str] | None,
) -> Path:
    from seo_crawler import api

    started = datetime.now(UTC)
    show = show_progress if show_progress is not None else console.interactive()
    prefix = redis_frontier.key_prefix(shared["crawl_id"])
    worker = shared["worker"]
    try:
        progress = api._run_child(run, resume=False, show=show, shared=shared)
    finally:
        client.sadd(prefix + "exited", worker)
    # One finalizer, on a lease it renews: killed while it waits or finalizes, another takes over.
    lease_ms = int(spec.crawl.lease_s * 1000)
    while True:
        # "finalized" is set before the finalizer's key goes: checked first, never finalized twice
        if client.exists(prefix + "finalized"):
            return run
        if client.set(prefix + "finalizer", worker, nx=True, px=lease_ms):
            break
        time.sleep(0.25)
    stop = threading.Event()
    renew = threading.Thread(
        target=_renew, args=(client, prefix + "finalizer", lease_ms, stop), daemon=True
    )
    renew.start()
    try:
        _wait_for_workers(client, prefix)
        if _written(run, shared["crawl_id"]):
            # the last finalizer was killed after writing the run folder (its parts are gone):
            # merging again would overwrite it with nothing; only the registration is redone
            if workspace is not None:
                api.register_written(run, workspace)
            return run
        merged = _merged_progress(run, progress)
        return api.finish(
            run, spec, merged, started, resume=False, show=show, workspace=workspace,
            extra={"shared": {"crawl_id": shared["crawl_id"], "workers": _workers(client, prefix)}},
        )  # fmt: skip
    finally:
        stop.set()
        client.set(prefix + "finalized", worker, ex=KEEP_S)
        _release_keys(client, prefix)


def _written(run: Path, crawl_id: str) -> bool:
    """Whether this crawl's run folder is already finalized (its manifest complete)."""
    from searchops.run_folder import read_manifest

    try:
        manifest = read_manifest(run)
    except SearchopsError:  # none yet (the usual case), or unreadable: merge the parts
        return False
    shared = manifest.get("shared") or {}
    return bool(manifest.get("complete")) and shared.get("crawl_id") == crawl_id


def _renew(client: redis.Redis, key: str, lease_ms: int, stop: threading.Event) -> None:
    while not stop.wait(lease_ms / 3000):
        client.pexpire(key, lease_ms)


def _workers(client: redis.Redis, prefix: str) -> list[str]:
    return sorted(str(w) for w in client.hkeys(prefix + "workers"))


def _wait_for_workers(client: redis.Redis, prefix: str) -> None:
    """Until every other worker has exited (its last part committed) or stopped beating."""
    while True:
        exited = {str(w) for w in client.smembers(prefix + "exited")}
        now = int(time.time() * 1000)
        alive = [
            w
            for w, expiry in client.hgetall(prefix + "workers").items()
            if str(w) not in exited and int(expiry) > now
        ]
        if not alive:
            return
        time.sleep(0.25)


def _merged_progress(run: Path, mine: dict[str, Any]) -> dict[str, Any]:
    """The whole crawl's progress (pages of every worker, the longest elapsed time)."""
    merged = dict(mine)
    pages = elapsed = 0.0
    for path in run.glob(".progress-*.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        pages += data.get("pages", 0) - data.get("pages_before", 0)
        elapsed = max(elapsed, data.get("elapsed", 0.0))
    merged.update(pages=pages, pages_before=0, elapsed=elapsed or mine.get("elapsed", 0.0))
    return merged


def _release_keys(client: redis.Redis, prefix: str) -> None:
    """The crawl's frontier and fingerprints are dropped; its spec and finished mark kept a day."""
    keep = {prefix + "spec", prefix + "finished", prefix + "finalized"}
    batch: list[str] = []
    for key in client.scan_iter(match=prefix + "*", count=1000):
        if str(key) in keep:
            client.expire(key, KEEP_S)
            continue
        batch.append(str(key))
        if len(batch) >= 1000:
            client.unlink(*batch)
            batch = []
    if batch:
        client.unlink(*batch)
