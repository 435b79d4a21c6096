"""The product-page and media corpus (``site/products``, ``site/media``, ``site/mediasitemaps``,
written from Google's product structured data, image SEO and video SEO documentation),
crawled and audited through the CLI on its own (the whole corpus runs in test_corpus.py):
every case page is reported by the rule its verdict names, no clean control is, and
SEO-PRODUCT-001 names exactly the part each product page lacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from tests.corpus.server import corpus_site, expectations

SEARCHOPS = str(Path(sys.executable).parent / "searchops")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SEARCHOPS, "--workspace", str(cwd / "ws.duckdb"), *args],
        capture_output=True, text=True, cwd=cwd, timeout=300,
    )  # fmt: skip


def _crawl_and_audit(cwd: Path, rules: str, *, pages: list[str], sitemaps: list[str]) -> list[Any]:
    """Crawl the given corpus paths as localhost (the pages name localhost) and audit them."""
    with corpus_site() as origin:
        local = origin.replace("127.0.0.1", "localhost")
        args = [f"{local}/{p}" for p in pages]
        for sitemap in sitemaps:
            args += ["--sitemap", f"{local}/{sitemap}"]
        run = cwd / "run"
        crawl = _cli("crawl", *args, "--max-depth", "0", "--out", str(run), cwd=cwd)
        assert crawl.returncode == 0, crawl.stderr
    audit = _cli("audit", str(run), "--rules", rules, "--format", "json", "--fail-on", "never",
                 cwd=cwd)  # fmt: skip
    assert audit.returncode == 0, audit.stderr
    findings: list[Any] = json.loads(audit.stdout)["findings"]
    return [
        {
            **f,
            "path": f["url"].split("/", 3)[3],
            "related": (f.get("related_url") or "").split("/", 3)[-1],
        }
        for f in findings
    ]


def test_each_product_page_case_names_its_missing_part(tmp_path: Path) -> None:
    pages = expectations()["products"]["pages"]
    findings = _crawl_and_audit(
        tmp_path, "SEO-PRODUCT-001", pages=[f"products/{p}" for p in pages], sitemaps=[]
    )
    found = {f["path"]: f for f in findings}
    rows = []
    for page, verdict in pages.items():
        finding = found.get(f"products/{page}")
        named = [part.split("=")[0] for part in finding["evidence"].split("; ")] if finding else []
        rows.append({"page": page, "expected": verdict.get("missing", []), "reported": named})
    table = pd.DataFrame(rows)
    print("\n" + table.to_string())
    assert (table.expected == table.reported).all()
    assert all("Customers cannot judge this product" in f["message"] for f in findings)


def test_each_media_case_fires_its_rule_and_the_controls_none(tmp_path: Path) -> None:
    spec = expectations()
    media, sitemaps = spec["media"], spec["mediasitemaps"]
    judged = media["judged"] + sitemaps["judged"]
    findings = _crawl_and_audit(
        tmp_path, ",".join(judged),
        pages=[f"media/{p}" for p in media["pages"]],
        sitemaps=[f"mediasitemaps/{p}" for p in sitemaps["pages"]],
    )  # fmt: skip
    fired: dict[str, set[str]] = {}
    for f in findings:
        if f["rule_id"] in media["judged"]:
            fired.setdefault(f["path"], set()).add(f["rule_id"])
        else:  # a sitemap finding is about one of its entries; the file is the related URL
            fired.setdefault(f["related"], set()).add(f["rule_id"])
    rows = [
        {"page": f"{folder}/{page}", "expected": sorted(v["fires"]),
         "reported": sorted(fired.get(f"{folder}/{page}", set()))}
        for folder in ("media", "mediasitemaps")
        for page, v in spec[folder]["pages"].items()
    ]  # fmt: skip
    table = pd.DataFrame(rows)
    print("\n" + table.to_string())
    assert (table.expected == table.reported).all()


def test_products_ranks_the_pages_customers_cannot_judge_by_value(tmp_path: Path) -> None:
    """`searchops products --crawl RUN`: the incomplete tents, the one with Shopping revenue
    (through its feed item) first, then the one a Search keyword lands on, then the others;
    the clean controls never (their spend does not list them)."""
    from datetime import date

    from searchops.workspace import Workspace
    from sem import tables

    pages = expectations()["products"]["pages"]
    with corpus_site() as origin:
        local = origin.replace("127.0.0.1", "localhost")
        run = tmp_path / "run"
        urls = [f"{local}/products/{p}" for p in pages]
        crawl = _cli("crawl", *urls, "--max-depth", "0", "--out", str(run), cwd=tmp_path)
        assert crawl.returncode == 0, crawl.stderr
    feed = tmp_path / "feed.txt"
    feed.write_text(
        "id\ttitle\tlink\tprice\tavailability\tproduct_type\n"
        f"TENT-V\tNo Video\t{local}/products/tents/no-video.html\t262.00 CAD\tin_stock\tCamping > Tents\n"
        f"TENT-A\tComplete A\t{local}/products/tents/complete-a.html\t249.00 CAD\tin_stock\t\n",
        encoding="utf-8",
    )
    imported = _cli("merchant", "import", str(feed), "--language", "en", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    day = date(2026, 11, 20)
    with Workspace(tmp_path / "ws.duckdb") as ws:
        shopping = pd.DataFrame({
            "date": [day, day], "customer_id": ["1", "1"], "campaign_id": [1, 1],
            "ad_group_id": [1, 1], "item_id": ["tent-v", "tent-a"], "clicks": [40, 90],
            "impressions": [900, 2000], "cost": [31.5, 80.0], "conversions": [2.0, 5.0],
            "conversions_value": [524.0, 1245.0],
        })  # fmt: skip
        tables.write(ws, "sem_shopping_daily", shopping, source="t", pull_id="p")
        keyword = {"customer_id": "1", "campaign_id": 2, "ad_group_id": 3, "criterion_id": 4}
        tables.write(ws, "sem_keywords", pd.DataFrame([{
            **keyword, "keyword": "tent gtin", "match_type": "EXACT", "status": "ENABLED",
            "final_url": f"{local}/products/tents/no-identifiers.html?utm_source=google",
        }]), source="t", pull_id="p")  # fmt: skip
        tables.write(ws, "sem_keyword_daily", pd.DataFrame([{
            **keyword, "date": day, "clicks": 10, "impressions": 100, "cost": 12.0,
            "conversions": 0.0, "conversions_value": 0.0,
        }]), source="t", pull_id="p")  # fmt: skip
    ranked = _cli("products", "--crawl", str(run), "--format", "json", cwd=tmp_path)
    assert ranked.returncode == 0, ranked.stderr
    rows = json.loads(ranked.stdout)
    order = [r["url"].rsplit("/", 1)[-1] for r in rows]
    print("\n".join(f"{r['url']}  {r['missing']}  {r['shopping_revenue']}  {r['paid_spend']}"
                    for r in rows))  # fmt: skip
    assert order[:2] == ["no-video.html", "no-identifiers.html"]
    assert len(order) == 11 and not [o for o in order if o.startswith("complete")]
    assert rows[0]["missing"] == "video" and rows[0]["shopping_revenue"] == 524.0
    assert rows[0]["offer_ids"] == "TENT-V" and rows[1]["paid_spend"] == 12.0
    assert rows[0]["product_type"] == "Camping > Tents" and rows[1]["product_type"] == ""
    assert rows[1]["missing"] == "GTIN or MPN" and rows[1]["category"] == "Gear > Tents"
    assert "11 products customers cannot judge; 2 with spend or revenue" in ranked.stderr
