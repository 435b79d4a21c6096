"""Templates, sampling, profiles and summaries (no browser)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audits.synthetic import write_run
from searchops.errors import SearchopsError
from searchops.settings import load_settings
from seo_crawler.config import VitalsThreshold
from seo_crawler.vitals import measure_run, profiles, sampling, summary


@pytest.fixture(scope="module")
def settings():  # type: ignore[no-untyped-def]
    return load_settings(project_dir=Path("/nonexistent")).settings


def test_default_templates_classify_catalog_urls(settings) -> None:  # type: ignore[no-untyped-def]
    templates = settings.vitals.templates
    base = "http://127.0.0.1:8000"
    assert sampling.classify(f"{base}/", templates) == "home"
    assert sampling.classify(f"{base}/en-ca/", templates) == "home"
    assert sampling.classify(f"{base}/fr-ca/c/tentes/", templates) == "category"
    assert sampling.classify(f"{base}/en-ca/p/alpine-tent-0001234", templates) == "product"
    assert sampling.classify(f"{base}/en-ca/about/", templates) == "other"


def test_only_html_pages_that_answered_200_themselves_are_measured() -> None:
    pages = pd.DataFrame(
        {
            "url": ["https://s/a", "https://s/b", "https://s/c", "https://s/d", "https://s/e"],
            "final_url": [
                "https://s/a",
                "https://s/a",
                "https://s/c",
                "https://s/d",
                "https://s/e",
            ],
            "status": [200, 200, 404, 200, 200],
            "content_type": ["text/html", "text/html", "text/html", "application/pdf", "text/html"],
            "error": [None, None, None, None, "timeout"],
        }
    )
    assert sampling.measurable_pages(pages)["url"].tolist() == ["https://s/a"]


def test_sampling_is_deterministic_and_bounded_per_template(settings) -> None:  # type: ignore[no-untyped-def]
    urls = pd.Series([f"https://s/en-ca/p/item-{i:07d}" for i in range(50)] + ["https://s/en-ca/"])
    first = sampling.sample(urls, settings.vitals.templates, per_template=3)
    again = sampling.sample(urls.sample(frac=1, random_state=1), settings.vitals.templates, 3)
    assert first.equals(again)
    assert first.groupby("template").size().to_dict() == {"home": 1, "product": 3}
    # not simply the first URLs in crawl order
    assert first.loc[first["template"] == "product", "url"].tolist() != urls[:3].tolist()


def test_mobile_network_throttling_uses_lighthouse_devtools_adjustments(settings) -> None:  # type: ignore[no-untyped-def]
    vitals = settings.vitals
    mobile = profiles.network_conditions(vitals.profiles["mobile"], vitals)
    assert mobile is not None
    assert mobile["latency"] == pytest.approx(150 * 3.75)
    assert mobile["downloadThroughput"] == pytest.approx(1.6 * 1024 * 1024 / 8 * 0.9)
    assert mobile["uploadThroughput"] == pytest.approx(750 * 1024 / 8 * 0.9)
    assert profiles.network_conditions(vitals.profiles["none"], vitals) is None
    options = profiles.context_options(vitals.profiles["mobile"])
    assert options["viewport"] == {"width": 412, "height": 823}
    assert options["device_scale_factor"] == 1.75 and options["is_mobile"]


def test_rating_boundaries_are_inclusive_of_good_and_exclusive_of_poor() -> None:
    lcp = VitalsThreshold(good=2500, poor=4000)
    assert summary.rate(2500, lcp) == "good"
    assert summary.rate(2501, lcp) == "ni"
    assert summary.rate(4000, lcp) == "ni"
    assert summary.rate(4001, lcp) == "poor"
    assert summary.rate(np.nan, lcp) is None


def test_summary_per_template_and_page(settings) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for url, values in {
        "https://s/p/1": [1000, 2000, 3000],
        "https://s/p/2": [5000, 5000, 5000],
    }.items():
        for i, v in enumerate(values):
            rows.append(
                {"url": url, "template": "product", "run_index": i, "lcp_ms": v, "error": None}
            )
    rows.append(
        {
            "url": "https://s/p/2",
            "template": "product",
            "run_index": 3,
            "lcp_ms": None,
            "error": "timeout",
        }
    )
    frame = pd.DataFrame(rows)
    for metric in ("cls", "inp_ms", "fcp_ms", "ttfb_ms", "tbt_ms", "total_bytes", "requests"):
        frame[metric] = np.nan
    templates = summary.summarize(frame, settings.vitals.thresholds)
    lcp = templates[templates["metric"] == "lcp_ms"].iloc[0]
    assert (lcp["n"], lcp["p50"], lcp["p75"]) == (6, 4000, 5000)
    assert lcp["rating"] == "poor"
    pages = summary.summarize(frame, settings.vitals.thresholds, by=("template", "url"))
    first = pages[(pages["url"] == "https://s/p/1") & (pages["metric"] == "lcp_ms")].iloc[0]
    # p75 of 1000, 2000, 3000 is 2500: exactly the good boundary, still good
    assert (first["p50"], first["p75"], first["iqr"], first["rating"]) == (2000, 2500, 1000, "good")
    assert set(pages["metric"]) == {"lcp_ms"}  # metrics never measured have no row


def test_a_run_without_measurable_pages_is_a_clear_error(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SearchopsError, match=r"no pages\.parquet"):
        measure_run(tmp_path, settings=settings)
    run = write_run(tmp_path / "run", pages=[{"url": "https://s.ex/gone", "status": 404}])
    with pytest.raises(SearchopsError, match="nothing to measure"):
        measure_run(run, settings=settings)
