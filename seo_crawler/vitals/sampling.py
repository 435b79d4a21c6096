"""Templates and sampling: which pages of a crawl to measure.

Catalog sites render thousands of pages from a handful of templates; lab vitals
are a property of the template, so a few pages per template measured a few
times tell more than one load of every page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pandas as pd

from seo_crawler.urls import page_template

OTHER = "other"


def classify(url: str, templates: Mapping[str, str]) -> str:
    """The first template whose regex matches ``url`` (in config order), else ``other``."""
    return page_template(url, templates)


def measurable_pages(pages: pd.DataFrame) -> pd.DataFrame:
    """HTML pages that answered 200 themselves (redirecting URLs are measured at their target)."""
    html = pages["content_type"].fillna("").str.contains("html", regex=False)
    ok = pages["status"].eq(200) & html
    if "final_url" in pages:
        ok &= pages["final_url"].isna() | pages["final_url"].eq(pages["url"])
    if "error" in pages:
        ok &= pages["error"].isna()
    return pages.loc[ok, ["url"]].drop_duplicates("url")


def sample(urls: pd.Series, templates: Mapping[str, str], per_template: int) -> pd.DataFrame:
    """``per_template`` URLs of each template, chosen deterministically.

    URLs are ranked by a hash of the URL rather than taken in crawl order, so the
    sample spreads across the catalog and the same pages are picked in every run
    of an unchanged site (a regression compares like with like).
    """
    frame = pd.DataFrame({"url": urls.drop_duplicates().astype(str)})
    frame["template"] = [classify(u, templates) for u in frame["url"]]
    frame["rank"] = [hashlib.sha1(u.encode()).hexdigest() for u in frame["url"]]
    frame = (
        frame.sort_values(["template", "rank"]).groupby("template", sort=True).head(per_template)
    )
    return frame[["url", "template"]].reset_index(drop=True)
