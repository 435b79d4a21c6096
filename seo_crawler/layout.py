"""Names of the working files in a run folder while a crawl runs (no heavy imports:
the lean parent process of ``searchops crawl`` reads them)."""

PARTS = "parts"  # committed Parquet parts: parts/part-NNNNN/<table>.parquet
FRONTIER = "frontier.jsonl"  # every URL scheduled, one JSON line each (durable across kill -9)
SITEMAP_QUEUE = ".sitemap-queue.txt"  # sitemap-only URLs waiting to be judged (rebuilt on resume)
PROGRESS = ".progress.json"  # stats the crawler process writes twice a second
SPEC = ".spec.json"  # the crawl's arguments and settings, read by the crawler process
LOG = "crawl.log"  # the crawler process's warnings and errors
PID = ".crawler.pid"  # the crawler process, while it runs
TABLES = ("pages", "links", "sitemaps", "sitemap_urls", "robots")  # one file each per part


def worker_file(name: str, worker: str) -> str:
    """A working file of one worker of a shared crawl (``.progress.json`` ->
    ``.progress-WORKER.json``): the workers share the run folder."""
    if not worker:
        return name
    stem, dot, ext = name.rpartition(".")
    return f"{stem}-{worker}.{ext}" if dot and stem else f"{name}-{worker}"
