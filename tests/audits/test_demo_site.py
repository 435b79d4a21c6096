"""The audits against the demo site's defect manifest: recall, precision, baseline changes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import audits
from demo.site import serve
from demo.site.defects import KINDS, changes, manifest
from demo.truth import KIND_RULES, OUT_OF_SCOPE, change_mismatches, report
from searchops.cli import main
from searchops.workspace import Workspace
from seo_crawler import crawl
from tests.conftest import free_port
from tests.fixtures_demo import DEMO_PRODUCTS, DEMO_SEED, DemoSite

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("audits-demo")]


def test_every_defect_kind_has_a_rule() -> None:
    assert set(KINDS) - OUT_OF_SCOPE == set(KIND_RULES)
    known = {rule.id for rule in audits.all_rules()}
    assert {rule for rules in KIND_RULES.values() for rule in rules} <= known


def test_recall_and_precision_on_the_demo_site(
    demo_site: DemoSite, demo_run: Path, tmp_path: Path
) -> None:
    run = Path(shutil.copytree(demo_run, tmp_path / "run"))  # the shared crawl stays untouched
    result = audits.audit(run)
    numbers = report(run, demo_site.defects, result.findings)
    print(
        f"\nrecall: {numbers['found']}/{numbers['defects']} seeded defects found ({numbers['recall']:.0%}); "
        f"precision: {numbers['control_pages_with_errors']} of {numbers['control_pages']} clean control "
        "pages with error findings"
    )
    assert numbers["missed"] == [], numbers["missed"]
    assert numbers["false_errors"].empty, numbers["false_errors"][
        ["rule_id", "url", "message"]
    ].to_string()
    assert numbers["control_pages"] > 500  # the controls are the bulk of the site, not a handful


@pytest.fixture(scope="module")
def two_weeks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Path, str]]:
    """Week 1 and week 2 of the demo site on one port (same URLs), crawled into one workspace."""
    base = tmp_path_factory.mktemp("weeks")
    ws = base / "ws.duckdb"
    port = free_port()
    runs = []
    for week, monday in ((1, date(2026, 11, 9)), (2, date(2026, 11, 16))):
        with serve(products=DEMO_PRODUCTS, seed=DEMO_SEED, week=week, port=port) as url:
            site = str(url)
            runs.append(
                crawl(
                    [site + "/"],
                    out=base / f"week{week}",
                    render="never",
                    workspace=str(ws),
                    week=monday,
                    show_progress=False,
                )
            )
    yield runs[0], runs[1], ws, site


def test_baseline_changes_match_the_manifest(two_weeks: tuple[Path, Path, Path, str]) -> None:
    week1, week2, _, site = two_weeks
    result = audits.audit(week2, baseline=week1)
    truth = changes(DEMO_PRODUCTS, DEMO_SEED, site)
    assert all(truth.values())  # the demo really has new, fixed and persisting defects
    assert change_mismatches(truth, result.findings) == []
    assert set(result.findings["change"]) == {"new", "fixed", "persisting"}
    # with a baseline only new findings fail the build
    assert result.exit_code("error") == int((result.failing("error")["change"] == "new").any())
    assert (result.failing("error")["change"] == "new").all()


def test_fail_on_counts_only_new_findings(
    two_weeks: tuple[Path, Path, Path, str], tmp_path: Path
) -> None:
    week1, _, _, _ = two_weeks
    ws = str(tmp_path / "ws.duckdb")
    # errors exist, none new against itself: 1 without a baseline, 0 with one
    assert (
        _cli(
            "--workspace",
            ws,
            "audit",
            str(week1),
            "--format",
            "json",
            "--out",
            str(tmp_path / "a.json"),
        )
        == 1
    )
    assert _cli("--workspace", ws, "audit", str(week1), "--baseline", str(week1), "--fail-on", "error", "--format", "csv", "--out", str(tmp_path / "b.csv")) == 0  # fmt: skip
    assert _cli("--workspace", ws, "audit", str(week1), "--fail-on", "never", "--format", "csv", "--out", str(tmp_path / "c.csv")) == 0  # fmt: skip


def test_baseline_last_from_the_workspace(
    two_weeks: tuple[Path, Path, Path, str], tmp_path: Path
) -> None:
    week1, week2, ws, site = two_weeks
    out = tmp_path / "audit.json"
    code = _cli(
        "--workspace",
        str(ws),
        "audit",
        str(week2),
        "--baseline",
        "last",
        "--format",
        "json",
        "--out",
        str(out),
    )
    data = json.loads(out.read_text())
    assert Path(data["baseline"]).resolve() == week1.resolve()
    assert data["stats"]["new"] > 0 and data["stats"]["fixed"] > 0
    new_errors = [f for f in data["findings"] if f["change"] == "new" and f["severity"] == "error"]
    assert code == (1 if new_errors else 0)
    with Workspace(ws, read_only=True) as workspace:
        audit_run = workspace.con.execute(
            "SELECT run_id, week FROM runs WHERE kind = 'audit'"
        ).fetchall()
        assert [str(week) for _, week in audit_run] == ["2026-11-16"]
        stored = workspace.con.execute(
            "SELECT change, count(*) FROM findings WHERE run_id = ? GROUP BY change",
            [audit_run[0][0]],
        ).fetchall()
        assert dict(stored) == {k: data["stats"][k] for k in ("new", "fixed", "persisting")}
        families = {
            r[0] for r in workspace.con.execute("SELECT family FROM health_scores").fetchall()
        }
        assert {"meta", "hreflang", "overall"} <= families
    # the defects fixed in week 2 are among the stored fixed findings
    fixed_urls = {f["url"] for f in data["findings"] if f["change"] == "fixed"}
    week1_only = [e for e in manifest(DEMO_PRODUCTS, DEMO_SEED, 1, site) if e["weeks"] == [1]]
    assert {e["url"] for e in week1_only if e["kind"] not in OUT_OF_SCOPE} <= fixed_urls


def _cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    return int(exit_info.value.code or 0)


@pytest.mark.parametrize("products", [DEMO_PRODUCTS, 2000])
def test_recall_through_the_cli_at_scale(
    demo_site_factory: Callable[..., DemoSite], tmp_path: Path, products: int
) -> None:
    """As a new user measures it: `crawl` (defaults, host `localhost`), `audit --format json`.

    The larger site has deeper category pagination, more sitemap-only pages and defects
    spread over more templates than the default one the other tests use.
    """
    site = demo_site_factory(products=products)
    base = site.url.replace("127.0.0.1", "localhost")
    run, ws = tmp_path / "run", str(tmp_path / "ws.duckdb")
    assert _cli("--workspace", ws, "-q", "crawl", base + "/", "--out", str(run)) == 0
    out = tmp_path / "findings.json"
    audit_args = ("audit", str(run), "--format", "json", "--out", str(out), "--fail-on", "never")
    assert _cli("--workspace", ws, "-q", *audit_args) == 0
    findings = pd.DataFrame(json.loads(out.read_text())["findings"])
    numbers = report(run, manifest(products, DEMO_SEED, 1, base), findings)
    print(f"\n{products} products: recall {numbers['found']}/{numbers['defects']}")
    assert numbers["missed"] == [], numbers["missed"]
    assert numbers["false_errors"].empty, numbers["false_errors"][["rule_id", "url"]].to_string()
