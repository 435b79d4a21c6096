"""Fixtures that crawl the demo site once per test session (per xdist worker).

* ``demo_run`` (session): the run folder (``Path``) of ``crawl(render="auto")`` over the
  ``demo_site`` fixture (300 products, seed 7); audits, coverage and crawler tests read it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from seo_crawler import crawl
from tests.fixtures_demo import DemoSite


@pytest.fixture(scope="session")
def demo_run(demo_site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete crawl of the demo site (JS-only pages rendered in Chromium)."""
    out = tmp_path_factory.mktemp("demo_run") / "run"
    return crawl([demo_site.url + "/"], out=out, render="auto", show_progress=False)
