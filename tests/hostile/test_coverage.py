"""``searchops coverage`` on ads data that does not meet the crawl."""

from __future__ import annotations

import json
from pathlib import Path

from tests.hostile.server import HostileServer, Reply, cli

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"


def _product(i: int) -> str:
    return json.dumps({
        "@context": "https://schema.org", "@type": "Product", "name": f"Tent {i}",
        "sku": f"T{i}",
        "offers": {"@type": "Offer", "price": "199.00", "priceCurrency": "CAD",
                   "availability": "https://schema.org/InStock"},
    })  # fmt: skip


def catalog() -> HostileServer:
    server = HostileServer()
    links = "".join(f"<a href='/p/{i}'>p</a>" for i in range(3))
    server.route("/", Reply.html(f"<h1>Home</h1>{links}", "<title>Home</title>"))
    for i in range(3):
        server.route(
            f"/p/{i}",
            Reply.html(
                f"<h1>Tent {i}</h1>",
                f"<title>Tent {i}</title><script type='application/ld+json'>{_product(i)}</script>",
            ),
        )
    return server


def test_coverage_when_no_crawled_product_has_ads(tmp_path: Path) -> None:
    # a keyword report without Final URL: no keyword lands on a crawled product
    imported = cli(
        "sem", "import", str(EXPORTS / "google-en-tents-keywords-by-day.csv"), cwd=tmp_path
    )
    assert imported.returncode == 0, imported.stderr
    with catalog().running() as base:
        crawled = cli("crawl", base + "/", "--render", "never", "--out", "run", cwd=tmp_path)
    assert crawled.returncode == 0, crawled.stderr
    result = cli("coverage", "--crawl", "run", "--out", "cov", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 of 3 crawled products" in result.stdout
    assert (tmp_path / "cov" / "coverage-keywords.csv").is_file() or list(
        (tmp_path / "cov").rglob("coverage-keywords.csv")
    )
