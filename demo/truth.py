"""The demo site's defect manifest as audit expectations: which rule must find each kind;
and the demo ads account's eventual revenue (:func:`eventual_revenue`), which the weekly
report's lag-adjusted estimate must bracket.

Shared by the recall/precision test and the baseline test (and handy from a shell:
``python -m demo.truth RUN MANIFEST.json`` prints the numbers).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from seo_crawler import load_pages

# kind -> the rules meant to find it (any of them counts)
KIND_RULES: dict[str, tuple[str, ...]] = {
    "title-missing": ("SEO-META-001",),
    "title-duplicate": ("SEO-META-007",),
    "title-too-long": ("SEO-META-005", "SEO-META-006"),
    "description-missing": ("SEO-META-008",),
    "description-duplicate": ("SEO-META-014",),
    "description-too-long": ("SEO-META-012", "SEO-META-013"),
    "h1-missing": ("SEO-META-015",),
    "noindex-in-sitemap": ("SEO-INDEX-001",),
    "robots-blocked-linked": ("SEO-INDEX-003",),
    "canonical-to-redirect": ("SEO-INDEX-008",),
    "canonical-to-404": ("SEO-INDEX-007",),
    "canonical-other-host": ("SEO-INDEX-010",),
    "redirect-chain": ("SEO-LINKS-005",),
    "redirect-loop": ("SEO-LINKS-006",),
    "link-to-redirect": ("SEO-LINKS-004",),
    "status-404": ("SEO-LINKS-001",),
    "status-500": ("SEO-LINKS-002",),
    "link-to-404": ("SEO-LINKS-003",),
    "link-to-500": ("SEO-LINKS-003",),
    "orphan-in-sitemap": ("SEO-LINKS-009",),
    "hreflang-not-reciprocal": ("SEO-HREFLANG-004",),
    "hreflang-invalid-code": ("SEO-HREFLANG-001", "SEO-HREFLANG-002"),
    "hreflang-missing-self": ("SEO-HREFLANG-003",),
    "hreflang-missing-x-default": ("SEO-HREFLANG-010",),
    "jsonld-invalid": ("SEO-SCHEMA-001",),
    "product-no-price": ("SEO-SCHEMA-005",),
    "product-price-zero": ("SEO-SCHEMA-005",),
    "product-wrong-currency": ("SEO-SCHEMA-012", "SEO-SCHEMA-011"),
    "rating-without-count": ("SEO-SCHEMA-009",),
    "image-no-alt": ("SEO-CONTENT-004",),
    "duplicate-exact": ("SEO-CONTENT-001",),
    "duplicate-near": ("SEO-CONTENT-002",),
    "thin-content": ("SEO-CONTENT-003",),
    "non-utf8": ("SEO-CONTENT-006",),
    "oversized-page": ("SEO-CONTENT-005",),
    # Rendered by the crawler (render=auto): content-needs-javascript; without rendering
    # the raw shell shows as a page without h1.
    "js-only-product": ("SEO-CONTENT-007", "SEO-META-015"),
    "crawler-trap": ("SEO-LINKS-011",),
}
# Judged by other stages: lab vitals (slow-hero, layout-shift) and the report's escaping.
OUT_OF_SCOPE = frozenset({"slow-hero", "layout-shift", "xss-payload"})
# Kinds whose finding names the manifest's target as its related URL.
TARGETED = frozenset(
    {
        "canonical-to-redirect",
        "canonical-to-404",
        "link-to-404",
        "link-to-500",
        "link-to-redirect",
        "hreflang-not-reciprocal",
        "duplicate-exact",
        "duplicate-near",
    }
)


def matches(entry: dict[str, Any], finding: Any) -> bool:
    if finding.rule_id not in KIND_RULES[entry["kind"]]:
        return False
    if entry.get("prefix"):
        return bool(str(finding.url).startswith(entry["url"]))
    if finding.url != entry["url"]:
        return False
    return entry["kind"] not in TARGETED or finding.related_url == entry.get("target")


def missed(manifest: list[dict[str, Any]], findings: pd.DataFrame) -> list[dict[str, Any]]:
    """Manifest entries (in scope) that no finding of their rules matches."""
    by_url: dict[str, list[Any]] = {}
    for f in findings.itertuples():
        by_url.setdefault(str(f.url), []).append(f)
    out = []
    for entry in manifest:
        if entry["kind"] in OUT_OF_SCOPE:
            continue
        candidates = (
            [f for f in findings.itertuples() if str(f.url).startswith(entry["url"])]
            if entry.get("prefix")
            else by_url.get(entry["url"], [])
        )
        if not any(matches(entry, f) for f in candidates):
            out.append(entry)
    return out


def defect_urls(manifest: list[dict[str, Any]]) -> tuple[set[str], tuple[str, ...]]:
    """URLs a defect is on or points to, and the prefixes of trap spaces."""
    urls = {e["url"] for e in manifest} | {e["target"] for e in manifest if e.get("target")}
    prefixes = tuple(e["url"] for e in manifest if e.get("prefix"))
    return urls, prefixes


def control_pages(run: Path, manifest: list[dict[str, Any]]) -> set[str]:
    """HTML pages that answered 200 and have nothing to do with any defect."""
    pages = load_pages(run)
    urls, prefixes = defect_urls(manifest)
    ok = pages[(pages["status"] == 200) & (pages["url"] == pages["final_url"])]
    ok = ok[ok["content_type"].fillna("").str.startswith("text/html")]
    return {u for u in ok["url"] if u not in urls and not u.startswith(prefixes)}


def false_errors(run: Path, manifest: list[dict[str, Any]], findings: pd.DataFrame) -> pd.DataFrame:
    """Error findings on clean control pages.

    A pair finding whose other URL is a defect (a clean page's hreflang alternate that
    is the seeded noindex page) is that defect's consequence, not a false positive.
    """
    controls = control_pages(run, manifest)
    urls, prefixes = defect_urls(manifest)
    errors = findings[(findings["severity"] == "error") & findings["url"].isin(controls)]
    related = errors["related_url"].fillna("")
    explained = related.isin(urls) | related.map(
        lambda u: bool(u) and u.startswith(prefixes)
    ).astype(bool)
    return errors[~explained]


def change_mismatches(
    changes: dict[str, list[dict[str, Any]]], findings: pd.DataFrame
) -> list[str]:
    """Entries of ``demo.site.defects.changes`` without a finding of that change."""
    problems = []
    for change, entries in changes.items():
        for entry in entries:
            if entry["kind"] in OUT_OF_SCOPE:
                continue
            if missed([entry], findings[findings["change"] == change]):
                problems.append(f"{change} {entry['kind']} {entry['url']}")
    return problems


def report(run: Path, manifest: list[dict[str, Any]], findings: pd.DataFrame) -> dict[str, Any]:
    in_scope = [e for e in manifest if e["kind"] not in OUT_OF_SCOPE]
    lost = missed(manifest, findings)
    controls = control_pages(run, manifest)
    false = false_errors(run, manifest, findings)
    return {
        "defects": len(in_scope),
        "found": len(in_scope) - len(lost),
        "recall": (len(in_scope) - len(lost)) / len(in_scope),
        "missed": lost,
        "control_pages": len(controls),
        "control_pages_with_errors": int(false["url"].nunique()),
        "false_errors": false,
    }


def eventual_revenue(account: Any, since: date, until: date) -> float:
    """Conversion value of the clicks of ``since..until`` (keywords and Shopping items), once
    every late conversion has arrived: the demo account's tables hold eventual conversions
    (its API server reports only what has arrived by its clock)."""
    total = 0.0
    for table in ("sem_keyword_daily", "sem_shopping_daily"):
        frame = account.frames[table]
        days = pd.to_datetime(frame["date"])
        inside = (days >= pd.Timestamp(since)) & (days <= pd.Timestamp(until))
        total += float(frame.loc[inside, "conversions_value"].sum())
    return total


if __name__ == "__main__":
    run_dir, manifest_file = Path(sys.argv[1]), Path(sys.argv[2])
    numbers = report(
        run_dir,
        json.loads(manifest_file.read_text()),
        pd.read_parquet(run_dir / "findings.parquet"),
    )
    print({k: v for k, v in numbers.items() if k != "false_errors"})
    print(numbers["false_errors"][["rule_id", "url", "message", "related_url"]].to_string())
