"""The engine on synthetic runs: rule metadata checks, selection, options, suppressions,
fingerprints, baselines, scores, skipped rules and the Python API's writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import audits
from audits.engine import evaluate
from audits.registry import get_rule, select_rules
from audits.rule import Rule, RuleDefinitionError
from audits.synthetic import write_run
from searchops.errors import SearchopsError
from searchops.settings import load_settings
from searchops.workspace import Workspace

_DOC = """Summary.

    Why: because. Anti-pattern: that. Fix: this.
    Source: https://example.org/doc
"""


def _settings(tmp_path: Path, **audit: Any) -> Any:
    return load_settings(
        project_dir=tmp_path, overrides={"audit": audit} if audit else None
    ).settings


def _run(tmp_path: Path, name: str = "run", **tables: Any) -> Path:
    return write_run(tmp_path / name, **tables)


@pytest.mark.parametrize(
    ("attrs", "problem"),
    [
        ({"id": "SEO-META-9999"}, "SEO-META-NNN"),
        ({"id": "SEO-LINKS-901"}, "SEO-META-NNN"),
        ({"slug": "Title Missing"}, "slug"),
        ({"severity": "critical"}, "severity"),
        ({"family": "speed"}, "family"),
        ({"needs": ("pages", "screenshots")}, "needs"),
        ({"fields": ("no_such_column",)}, "no column"),
        ({"fields": ("vitals.lcp_ms",)}, "missing from needs"),
        ({"__doc__": "Summary only."}, "Why:"),
        ({"__doc__": _DOC.replace("https://example.org/doc", "the docs")}, "http"),
    ],
)
def test_rule_metadata_is_checked_at_definition(attrs: dict[str, Any], problem: str) -> None:
    namespace: dict[str, Any] = {
        "__doc__": _DOC,
        "id": "SEO-META-900",
        "slug": "test-state",
        "family": "meta",
        "severity": "warning",
        "check": lambda self, ctx: "SELECT 1",
        **attrs,
    }
    with pytest.raises(RuleDefinitionError, match=problem):
        type("BadRule", (Rule,), namespace)


def test_a_rule_must_implement_check() -> None:
    with pytest.raises(RuleDefinitionError, match="check"):
        type(
            "NoCheck",
            (Rule,),
            {
                "__doc__": _DOC,
                "id": "SEO-META-901",
                "slug": "x",
                "family": "meta",
                "severity": "notice",
            },
        )


def test_registry_has_one_rule_per_id_with_complete_metadata() -> None:
    rules = audits.all_rules()
    assert len({r.id for r in rules}) == len(rules) >= 70
    table = audits.rules_table()
    assert not (table[["why", "anti_pattern", "fix", "source"]] == "").any().any()
    assert table["source"].str.contains("http").all()
    families = set(table["family"])
    assert {
        "meta",
        "indexability",
        "links",
        "hreflang",
        "structured_data",
        "content",
        "sitemaps",
    } <= families


def test_selection_by_id_glob_slug_and_family() -> None:
    ids = lambda rules: {r.id for r in rules}  # noqa: E731
    assert ids(select_rules("SEO-META-001")) == {"SEO-META-001"}
    assert ids(select_rules("title-missing,hreflang")) == {"SEO-META-001"} | {
        r.id for r in audits.all_rules() if r.family == "hreflang"
    }
    assert ids(select_rules("SEO-META-00*")) == {f"SEO-META-00{i}" for i in range(1, 10)}
    assert "SEO-META-001" not in ids(select_rules("meta", "title-missing"))
    with pytest.raises(SearchopsError, match="no rule matches"):
        select_rules("SEO-NOPE-001")


def test_options_severity_override_and_disable(tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        pages=[{"url": "https://s.ex/a", "title": "A title of forty-one characters, roughly"}],
    )
    rule = get_rule("SEO-META-005")
    assert evaluate(run, [rule], _settings(tmp_path)).findings.empty
    strict = _settings(tmp_path, rules={"SEO-META-005": {"max_chars": 20, "severity": "error"}})
    found = evaluate(run, [rule], strict).findings
    assert found[["url", "severity"]].values.tolist() == [["https://s.ex/a", "error"]]
    off = _settings(tmp_path, rules={"SEO-META-005": {"enabled": False}})
    assert evaluate(run, [rule], off).rules.empty
    with pytest.raises(SearchopsError, match="unknown option"):
        evaluate(run, [rule], _settings(tmp_path, rules={"SEO-META-005": {"max_char": 20}}))
    with pytest.raises(SearchopsError, match="no such rule"):
        evaluate(run, [rule], _settings(tmp_path, rules={"SEO-META-999": {}}))


def test_url_suppressions(tmp_path: Path) -> None:
    pages = [
        {"url": f"https://s.ex/{p}", "title": None, "title_count": 0}
        for p in ("a", "search/x", "search/y")
    ]
    run = _run(tmp_path, pages=pages)
    rule = get_rule("SEO-META-001")
    result = evaluate(
        run, [rule], _settings(tmp_path, suppress={"title-missing": ["https://s.ex/search/*"]})
    )
    assert result.findings["url"].tolist() == ["https://s.ex/a"]
    assert result.suppressed == 2
    other = evaluate(run, [rule], _settings(tmp_path, suppress={"hreflang": ["*"]}))
    assert len(other.findings) == 3


def test_fingerprint_ignores_wording_and_volatile_evidence(tmp_path: Path) -> None:
    rule = get_rule("SEO-CONTENT-003")
    a = evaluate(
        _run(tmp_path, "a", pages=[{"url": "https://s.ex/a", "word_count": 40}]),
        [rule],
        _settings(tmp_path),
    )
    b = evaluate(
        _run(tmp_path, "b", pages=[{"url": "https://s.ex/a", "word_count": 12}]),
        [rule],
        _settings(tmp_path),
    )
    assert a.findings["evidence"].tolist() != b.findings["evidence"].tolist()
    assert a.findings["fingerprint"].tolist() == b.findings["fingerprint"].tolist()
    other = evaluate(
        _run(tmp_path, "c", pages=[{"url": "https://s.ex/b", "word_count": 40}]),
        [rule],
        _settings(tmp_path),
    )
    assert other.findings["fingerprint"].tolist() != a.findings["fingerprint"].tolist()


def test_baseline_new_fixed_persisting_and_fail_on(tmp_path: Path) -> None:
    missing = {"title": None, "title_count": 0}
    before = _run(
        tmp_path,
        "before",
        pages=[{"url": "https://s.ex/a", **missing}, {"url": "https://s.ex/b", **missing}],
    )
    after = _run(
        tmp_path,
        "after",
        pages=[{"url": "https://s.ex/b", **missing}, {"url": "https://s.ex/c", **missing}],
    )
    result = audits.audit(
        after, baseline=before, rules="SEO-META-001", settings=_settings(tmp_path)
    )
    changes = dict(zip(result.findings["url"], result.findings["change"], strict=True))
    assert changes == {
        "https://s.ex/a": "fixed",
        "https://s.ex/b": "persisting",
        "https://s.ex/c": "new",
    }
    assert result.failing("error")["url"].tolist() == ["https://s.ex/c"]
    assert (result.exit_code("error"), result.exit_code("never")) == (1, 0)
    same = audits.audit(after, baseline=after, rules="SEO-META-001", settings=_settings(tmp_path))
    assert same.exit_code("error") == 0 and len(same.open_findings()) == 2
    assert (
        audits.audit(after, rules="SEO-META-001", settings=_settings(tmp_path)).exit_code("error")
        == 1
    )


def test_rule_without_its_artifact_is_skipped(tmp_path: Path) -> None:
    run = _run(tmp_path, pages=[{"url": "https://s.ex/a"}])  # no sitemaps fetched
    result = evaluate(
        run, [get_rule("SEO-SITEMAP-003"), get_rule("SEO-META-001")], _settings(tmp_path)
    )
    status = dict(zip(result.rules["rule_id"], result.rules["status"], strict=True))
    assert status == {"SEO-SITEMAP-003": "skipped", "SEO-META-001": "ran"}
    assert "no sitemaps" in result.rules.set_index("rule_id").loc["SEO-SITEMAP-003", "reason"]


def test_health_scores_per_family(tmp_path: Path) -> None:
    pages = [{"url": f"https://s.ex/{i}"} for i in range(8)]
    pages += [
        {"url": "https://s.ex/x", "title": None, "title_count": 0},
        {"url": "https://s.ex/y", "viewport": None},
    ]
    settings = _settings(tmp_path)
    result = evaluate(
        _run(tmp_path, pages=pages),
        [get_rule("SEO-META-001"), get_rule("SEO-META-017")],
        settings,
    )
    scores = result.scores.set_index("family")
    weights, exponent = settings.audit.severity_weights, settings.audit.affected_share_exponent
    # Two rules, each on 1 page of 10: their shares compound.
    expected = (
        100 * (1 - weights["error"] * 0.1**exponent) * (1 - weights["warning"] * 0.1**exponent)
    )
    assert scores.loc["meta", "score"] == pytest.approx(expected, abs=0.05)
    assert scores.loc["meta", "affected"] == 2
    assert scores.loc["overall", "score"] == scores.loc["meta", "score"]


def _site(broken_titles: int = 0, noindexed: int = 0, pages: int = 200) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"url": f"https://s.ex/p/{i}"} for i in range(pages)]
    for row in rows[:broken_titles]:
        row.update(title=None, title_count=0)
    for row in rows[pages - noindexed :]:
        row.update(meta_robots="noindex")
    return rows


def _scores(tmp_path: Path, name: str, pages: list[dict[str, Any]]) -> pd.Series:
    result = audits.audit(
        _run(tmp_path, name, pages=pages), rules="meta,indexability", settings=_settings(tmp_path)
    )
    return result.scores.set_index("family")["score"]


def test_a_seeded_regression_moves_its_family_and_overall_and_a_fix_moves_them_back(
    tmp_path: Path,
) -> None:
    clean = _scores(tmp_path, "clean", _site())
    # 3 of 200 pages lose their title (1.5%): the "share of clean pages" score read 98.5;
    # this one must show it as a real regression of the meta family.
    titles = _scores(tmp_path, "titles", _site(broken_titles=3))
    assert clean["meta"] - titles["meta"] >= 5
    assert titles["indexability"] == clean["indexability"]
    assert titles["overall"] < clean["overall"]
    # Worse is lower: more pages broken, a lower score.
    assert _scores(tmp_path, "more", _site(broken_titles=30))["meta"] < titles["meta"]
    # A second family regresses on its own.
    both = _scores(tmp_path, "both", _site(broken_titles=3, noindexed=2))
    assert both["meta"] == titles["meta"]
    assert both["indexability"] < clean["indexability"]
    assert both["overall"] < titles["overall"]
    fixed = _scores(tmp_path, "fixed", _site())
    assert fixed.to_dict() == clean.to_dict()


def test_audit_writes_run_folder_and_workspace(tmp_path: Path) -> None:
    run = _run(tmp_path, pages=[{"url": "https://s.ex/a", "title": None, "title_count": 0}])
    with Workspace(tmp_path / "ws.duckdb") as ws:
        result = audits.audit(run, rules="meta", settings=_settings(tmp_path), workspace=ws)
        audits.audit(
            run, rules="meta", settings=_settings(tmp_path), workspace=ws
        )  # re-audit replaces
        stored = ws.con.execute("SELECT run_id, rule_id, url, fingerprint FROM findings").df()
        runs = ws.runs("audit")
        scores = ws.con.execute("SELECT family, score FROM health_scores").df()
    written = pd.read_parquet(run / "findings.parquet")
    assert written["fingerprint"].tolist() == result.findings["fingerprint"].tolist()
    assert stored["rule_id"].tolist() == ["SEO-META-001"]
    assert runs["run_id"].tolist() == [stored["run_id"][0]] and runs["path"][0] == str(
        run.resolve()
    )
    assert set(scores["family"]) == {"meta", "overall"}


def test_not_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(SearchopsError, match="not a run folder"):
        audits.audit(tmp_path)


def _with_vitals(run: Path, slow: set[str]) -> Path:
    """Four templates, three loads each; the ``slow`` ones have a poor LCP (6 s)."""
    from seo_crawler.vitals.schema import VITALS, VITALS_FILE

    rows = [
        {"url": f"https://s.ex/{t}/{i}", "template": t, "run_index": r, "profile": "mobile",
         "status": 200, "lcp_ms": 6000.0 if t in slow else 1200.0, "cls": 0.01, "fcp_ms": 900.0,
         "ttfb_ms": 200.0, "tbt_ms": 50.0}
        for t in ("home", "category", "product", "other") for i in range(2) for r in range(3)
    ]  # fmt: skip
    table = pa.Table.from_pylist(rows, schema=VITALS)
    pq.write_table(table, run / VITALS_FILE)
    return run


def test_a_slow_template_moves_the_vitals_family_and_a_fix_moves_it_back(
    tmp_path: Path,
) -> None:
    pages = [{"url": f"https://s.ex/p/{i}"} for i in range(400)]
    settings = _settings(tmp_path)

    def vitals_score(name: str, slow: set[str]) -> pd.Series:
        run = _with_vitals(_run(tmp_path, name, pages=pages), slow)
        result = audits.audit(run, rules="vitals,meta", settings=settings)
        return result.scores.set_index("family")["score"]

    fast = vitals_score("fast", set())
    slow = vitals_score("slow", {"product"})
    # One template of four (a finding stands for a template, not for one of 400 pages).
    share = settings.audit.severity_weights["error"] * 0.25**settings.audit.affected_share_exponent
    assert fast["vitals"] - slow["vitals"] >= 100 * share - 0.1
    assert slow["overall"] < fast["overall"]
    assert vitals_score("fixed", set()).to_dict() == fast.to_dict()
