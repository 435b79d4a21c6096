"""A bare Scrapy spider, in the style of Scrapy's own tests: ``python -m
tests.crawler.robots_probe BASE MIDDLEWARE`` crawls the 50 disallowed start URLs of
:mod:`tests.crawler.robots_site` at once with ``MIDDLEWARE`` as the robots.txt middleware
and prints what it downloaded (JSON). Its own process: Twisted's reactor cannot restart.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess

from tests.crawler.robots_site import start_paths


class Probe(scrapy.Spider):
    name = "robots-probe"

    def __init__(self, base: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.start_urls = [base + path for path in start_paths()]
        self.fetched: list[str] = []

    def parse(self, response: scrapy.http.Response) -> None:
        self.fetched.append(response.url)


def main(base: str, middleware: str) -> None:
    process = CrawlerProcess(
        {
            "ROBOTSTXT_OBEY": True,
            "DOWNLOADER_MIDDLEWARES": {
                "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
                middleware: 100,
            },
            "CONCURRENT_REQUESTS": 64,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
            "LOG_LEVEL": "ERROR",
            "TELNETCONSOLE_ENABLED": False,
        }
    )
    crawler = process.create_crawler(Probe)
    process.crawl(crawler, base=base)
    process.start()
    print(json.dumps({"scrapy": scrapy.__version__, "fetched": crawler.spider.fetched}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
