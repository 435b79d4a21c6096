"""The catalog crawler: a Scrapy project that records what search engines see.

Public Python API (advertools-style, returns paths and DataFrames):

* ``seo_crawler.crawl(...)`` runs a crawl and returns the run folder;
* ``seo_crawler.load_pages(run)`` returns ``pages.parquet`` as a pandas DataFrame.
"""
