"""Names of the working files in a run folder while a crawl runs (no heavy imports:
the lean parent process of ``searchops crawl`` reads them)."""

import shutil
from pathlib import Path

PARTS = "parts"  # committed Parquet parts: parts/part-NNNNN/<table>.parquet
JOBDIR = ".job"  # Scrapy JOBDIR (disk queues, spider state)
FRONTIER = "frontier.jsonl"  # every URL scheduled, one JSON line each (durable across kill -9)
PROGRESS = ".progress.json"  # stats the crawler process writes twice a second
SPEC = ".spec.json"  # the crawl's arguments and settings, read by the crawler process
LOG = "crawl.log"  # the crawler process's warnings and errors
PID = ".crawler.pid"  # the crawler process, while it runs


def forget_queue(run: Path) -> None:
    """Drop the JOBDIR request queue before a resume.

    Scrapy saves its disk-queue state only on a clean shutdown: after ``kill -9`` the
    queue files and their index disagree and requests pushed onto them get lost. The
    durable frontier (``frontier.jsonl``) re-enqueues every scheduled-but-unrecorded
    URL instead, which covers a clean stop as well.
    """
    shutil.rmtree(run / JOBDIR / "requests.queue", ignore_errors=True)
