"""The catalog crawler: a Scrapy project that records what search engines see.

Public Python API (advertools-style, returns paths and DataFrames)::

    from seo_crawler import crawl, load_pages, load_links

    run = crawl(["https://www.example.ca/"], sitemaps=["https://www.example.ca/sitemap.xml"],
                max_pages=5000, render="auto", workspace="searchops.duckdb")
    pages = load_pages(run)     # one row per URL (columns: seo_crawler.schema.PAGES)
    links = load_links(run)     # one row per reference (a, canonical, hreflang, redirect, img)

* ``crawl(start_urls, *, sitemaps=(), out=None, max_pages=None, max_depth=None,
  render=None (never), resume=False, settings=None, workspace=None, week=None,
  label=None, show_progress=None) -> Path`` runs a crawl in one child process
  (:mod:`seo_crawler.process`) and returns the run folder; ``crawl(out=RUN, resume=True)``
  continues an interrupted one from the spec it saved (:mod:`seo_crawler.spec`). It raises
  :class:`searchops.errors.SearchopsError` when no start URL could be fetched;
* ``load_pages(run)`` / ``load_links(run)`` return ``pages.parquet`` / ``links.parquet``;
* ``seo_crawler.extract.extract(url, body, headers)`` is the pure extraction of one
  response (usable on saved HTML); ``seo_crawler.sitemaps.parse_sitemap`` the safe
  sitemap reader; ``seo_crawler.urls`` the scope/trap/safety rules.
"""

from __future__ import annotations

from typing import Any

__all__ = ["crawl", "load_links", "load_pages"]


def __getattr__(name: str) -> Any:
    # Lazy (PEP 562): searchops.settings imports seo_crawler.config, and the API
    # imports searchops.settings; importing it eagerly here would be circular.
    if name in __all__:
        from seo_crawler import api

        return getattr(api, name)
    raise AttributeError(f"module 'seo_crawler' has no attribute {name!r}")
