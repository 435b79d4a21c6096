"""The bare Scrapy spider of the crawl benchmark: the least a Scrapy SEO crawl does.

Breadth-first over one site's links, extracting title, meta description, meta robots,
canonical, hreflang and JSON-LD by XPath, one JSON line per page (Scrapy's feed export).
No redirect records, no trap rules, no structured-data parsing, no link table: the floor a
crawler built on Scrapy is measured against (``benchmarks/crawl.py`` runs it with
``scrapy runspider``, in its own process, with the same budget and concurrency as ours).

    scrapy runspider benchmarks/bare_spider.py -a start=http://127.0.0.1:PORT/ -a exclude=REGEX -O out.jl
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start: str, exclude: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.start_urls = [start]
        self.host = urlsplit(start).netloc
        self.exclude = re.compile(exclude) if exclude else None

    def parse(self, response: Response) -> Iterator[Any]:
        if not hasattr(response, "xpath"):
            return  # not HTML
        yield {
            "url": response.url,
            "status": response.status,
            "title": response.xpath("//title/text()").get(),
            "meta_description": response.xpath("//meta[@name='description']/@content").get(),
            "meta_robots": response.xpath("//meta[@name='robots']/@content").get(),
            "canonical": response.xpath("//link[@rel='canonical']/@href").get(),
            "hreflang": [
                {"lang": link.attrib.get("hreflang"), "href": link.attrib.get("href")}
                for link in response.xpath("//link[@rel='alternate'][@hreflang]")
            ],
            "jsonld": response.xpath("//script[@type='application/ld+json']/text()").getall(),
        }
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href)
            if urlsplit(url).netloc == self.host and not (
                self.exclude and self.exclude.search(url)
            ):
                yield scrapy.Request(url, callback=self.parse)
