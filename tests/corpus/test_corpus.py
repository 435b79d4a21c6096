"""The corpus, end to end through the CLI: `searchops crawl URL... --max-depth 1`, then
`searchops audit RUN --format json`, and per page the rule IDs a correct tool reports.

The verdicts are in ``expectations.yaml`` (written from each rule's documentation); a folder
with ``crawl:`` options (``--render always``) is crawled apart with them; the
files of a folder marked ``sitemaps: true`` are given as ``--sitemap`` and judged by what
is reported about them or their entries. The
hreflang, canonical and robots pages are crawled as http://127.0.0.1:PORT/ while every
page names http://localhost:PORT/; the structured-data and product pages (schema, schema2026, products, media) are crawled as localhost.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.corpus.server import SITE, corpus_site, expectations

SEARCHOPS = str(Path(sys.executable).parent / "searchops")
CRAWLED_AS_LOCALHOST = ("schema", "schema2026", "products", "media")

pytestmark = pytest.mark.slow


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SEARCHOPS, "--workspace", str(cwd / "ws.duckdb"), *args],
        capture_output=True, text=True, cwd=cwd, timeout=300,
    )  # fmt: skip


def _audit(run: Path, cwd: Path) -> list[dict[str, Any]]:
    audit = _cli("audit", str(run), "--format", "json", "--fail-on", "never", cwd=cwd)
    assert audit.returncode == 0, audit.stderr
    findings: list[dict[str, Any]] = json.loads(audit.stdout)["findings"]
    return findings


def _page_url(origin: str, folder: str, page: str) -> str:
    if folder in CRAWLED_AS_LOCALHOST:
        origin = origin.replace("127.0.0.1", "localhost")
    return f"{origin}/{folder}/{page}"


@pytest.fixture(scope="module")
def corpus_findings(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict[str, Any]]]:
    cwd = tmp_path_factory.mktemp("corpus")
    findings: list[dict[str, Any]] = []
    with corpus_site() as origin:
        # Folders that need their own crawl options (crawl: [--render, always]) are crawled
        # apart, each with its options; the others together.
        groups: dict[tuple[str, ...], list[str]] = {}
        for folder, spec in expectations().items():
            args = groups.setdefault(tuple(spec.get("crawl", ())), [])
            for page in spec["pages"]:
                url = _page_url(origin, folder, page)
                args += ["--sitemap", url] if spec.get("sitemaps") else [url]
        for number, (options, args) in enumerate(groups.items()):
            run = cwd / f"run-{number}"
            crawl = _cli("crawl", *args, *options, "--max-depth", "1", "--out", str(run), cwd=cwd)
            assert crawl.returncode == 0, crawl.stderr
            findings += _audit(run, cwd)
    return origin, findings


def _verdicts(origin: str, findings: list[dict[str, Any]]) -> pd.DataFrame:
    # A sitemap's findings are about the file (url) or about one of its entries, the file
    # being the related URL.
    sitemap_files = {
        _page_url(origin, folder, page)
        for folder, spec in expectations().items()
        if spec.get("sitemaps")
        for page in spec["pages"]
    }
    fired: dict[str, set[str]] = {}
    for finding in findings:
        fired.setdefault(finding["url"], set()).add(finding["rule_id"])
        if finding.get("related_url") in sitemap_files:
            fired.setdefault(finding["related_url"], set()).add(finding["rule_id"])
    rows = []
    for folder, spec in expectations().items():
        judged = set(spec["judged"])
        for page, verdict in spec["pages"].items():
            got = fired.get(_page_url(origin, folder, page), set()) & judged
            want = set(verdict["fires"])
            rows.append({
                "page": f"{folder}/{page}", "missed": sorted(want - got),
                "false": sorted(got - want), "right": got == want,
            })  # fmt: skip
    return pd.DataFrame(rows)


def test_every_corpus_page_is_judged_right(
    corpus_findings: tuple[str, list[dict[str, Any]]],
) -> None:
    verdicts = _verdicts(*corpus_findings)
    wrong = verdicts[~verdicts.right]
    print(f"corpus pages judged right: {int(verdicts.right.sum())}/{len(verdicts)}")
    assert wrong.empty, "\n" + wrong.to_string()


def test_the_expectations_cover_every_corpus_page() -> None:
    on_disk = {
        str(p.relative_to(SITE))
        for p in SITE.rglob("*")
        if p.suffix in (".html", ".pdf", ".xml") and p.parent != SITE
    }
    listed = {
        f"{folder}/{page}" for folder, spec in expectations().items() for page in spec["pages"]
    }
    assert on_disk == listed
    assert len(listed) >= 30


def test_alternates_beyond_max_depth_are_fetched_for_return_links(tmp_path: Path) -> None:
    """Only noreturn-en is given, with --max-depth 0: its alternate is still fetched (as a
    page whose links are not followed), so the missing return link is reported rather
    than "not crawled"."""
    with corpus_site() as origin:
        run = tmp_path / "run"
        crawl = _cli("crawl", f"{origin}/hreflang/noreturn-en.html", "--max-depth", "0",
                     "--out", str(run), cwd=tmp_path)  # fmt: skip
        assert crawl.returncode == 0, crawl.stderr
    pages = pd.read_parquet(run / "pages.parquet", columns=["url", "status"])
    fetched = set(pages[pages.status == 200].url)
    assert (
        "http://localhost:{}/hreflang/noreturn-fr.html".format(origin.rsplit(":", 1)[1]) in fetched
    )
    fired = {(f["rule_id"], f["url"]) for f in _audit(run, tmp_path)}
    page = f"{origin}/hreflang/noreturn-en.html"
    assert ("SEO-HREFLANG-004", page) in fired
    assert ("SEO-HREFLANG-013", page) not in fired


def test_pages_fetched_under_both_loopback_names_are_judged_once(
    corpus_findings: tuple[str, list[dict[str, Any]]],
) -> None:
    """The hreflang pages crawled as 127.0.0.1 are fetched again as the localhost URLs their
    alternates name; findings are about the 127.0.0.1 ones only, and none is a duplicate."""
    origin, findings = corpus_findings
    localhost = origin.replace("127.0.0.1", "localhost")
    copies = {f"{localhost}/hreflang/{page}" for page in expectations()["hreflang"]["pages"]}
    assert not [f for f in findings if f["url"] in copies]
    assert not [f for f in findings if f["rule_id"] == "SEO-CONTENT-001"]


def test_alternates_left_out_by_max_pages_are_not_crawled_not_missing(tmp_path: Path) -> None:
    """With --max-pages 1 the alternate is never fetched: the page gets "not crawled, cannot
    verify" (SEO-HREFLANG-013), not a false missing return link."""
    with corpus_site() as origin:
        run = tmp_path / "run"
        crawl = _cli("crawl", f"{origin}/hreflang/noreturn-en.html", "--max-pages", "1",
                     "--out", str(run), cwd=tmp_path)  # fmt: skip
        assert crawl.returncode == 0, crawl.stderr
    fired = {(f["rule_id"], f["url"]) for f in _audit(run, tmp_path)}
    page = f"{origin}/hreflang/noreturn-en.html"
    assert ("SEO-HREFLANG-013", page) in fired
    assert ("SEO-HREFLANG-004", page) not in fired


def test_a_loc_holding_markup_is_recorded_whole_not_as_the_site_root(tmp_path: Path) -> None:
    """sitemaps/loc-markup.xml: a <loc> with a <b> element and one with an entity reference
    were recorded cut at the markup (the site root); they are read whole and flagged."""
    with corpus_site() as origin:
        run = tmp_path / "run"
        crawl = _cli("crawl", "--sitemap", f"{origin}/sitemaps/loc-markup.xml", "--max-pages", "3",
                     "--out", str(run), cwd=tmp_path)  # fmt: skip
        assert crawl.returncode == 0, crawl.stderr
    urls = pd.read_parquet(run / "sitemap_urls.parquet")
    assert sorted(urls["loc"]) == [f"{origin}/links/&page;", f"{origin}/links/javascript-href.html"]
    assert urls["loc_markup"].all()
    sitemaps = pd.read_parquet(run / "sitemaps.parquet")
    assert len(sitemaps["structure_issues"].iloc[0]) == 2
