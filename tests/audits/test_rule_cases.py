"""One runner for every rule's pass/fail fixtures: ``cases/<RULE-ID>.yaml``.

A case file::

    rule: SEO-META-001
    cases:
      - name: page without a title            # failing case: expect lists the findings
        pages: [{url: https://s.ex/a, title: null, title_count: 0}]
        expect: [https://s.ex/a]               # or [{url:, related_url:, evidence:}]
      - name: page with a title                # passing case
        pages: [{url: https://s.ex/a}]
        expect: []

Records are completed with a clean page's values (:func:`audits.synthetic.clean_page`);
``links``, ``sitemaps``, ``sitemap_urls``, ``robots``, ``vitals`` and ``image_files``
(images.parquet) tables, ``options`` (this rule's
config) and ``baseline`` (a nested run: pages, links, ..., vitals) are optional.
``evidence`` in an expectation is a substring of the finding's evidence.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from audits.engine import evaluate
from audits.registry import all_rules, get_rule
from audits.synthetic import write_run
from searchops.settings import Settings, load_settings
from seo_crawler.schema import IMAGE_FILES

CASES_DIR = Path(__file__).parent / "cases"


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["rule"] == path.stem, f"{path.name} declares rule {data['rule']}"
    return data


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = _load(path)
        for case in data["cases"]:
            params.append(pytest.param(data["rule"], case, id=f"{data['rule']}: {case['name']}"))
    return params


def _write(run: Path, spec: dict[str, Any]) -> Path:
    write_run(
        run,
        pages=spec.get("pages", []),
        links=spec.get("links", []),
        sitemaps=spec.get("sitemaps"),
        sitemap_urls=spec.get("sitemap_urls"),
        robots=spec.get("robots"),
    )
    if "vitals" in spec:
        pq.write_table(pa.Table.from_pylist(spec["vitals"]), run / "vitals.parquet")
    if "image_files" in spec:  # the sampled image files: images.parquet
        table = pa.Table.from_pylist(spec["image_files"], schema=IMAGE_FILES)
        pq.write_table(table, run / "images.parquet")
    return run


@functools.cache
def _settings(rule_id: str, options_json: str) -> Settings:
    """Default settings with the case's options for its rule (cached: cases share them)."""
    options = json.loads(options_json)
    overrides = {"audit": {"rules": {rule_id: options}}} if options is not None else None
    return load_settings(project_dir=CASES_DIR, overrides=overrides).settings


def _expected(item: str | dict[str, Any]) -> dict[str, Any]:
    return {"url": item} if isinstance(item, str) else item


@pytest.mark.parametrize(("rule_id", "case"), _cases())
def test_rule_case(rule_id: str, case: dict[str, Any], tmp_path: Path) -> None:
    rule = get_rule(rule_id)
    settings = _settings(rule_id, json.dumps(case.get("options"), sort_keys=True))
    run = _write(tmp_path / "run", case)
    baseline = _write(tmp_path / "baseline", case["baseline"]) if "baseline" in case else None
    result = evaluate(run, [rule], settings, baseline=baseline)
    assert result.rules["status"].tolist() == ["ran"], result.rules["reason"].tolist()
    found = result.findings
    expected = [_expected(e) for e in case["expect"]]
    assert sorted(found["url"]) == sorted(e["url"] for e in expected), found[
        ["url", "message", "evidence"]
    ].to_string()
    for want in expected:
        rows = found[found["url"] == want["url"]]
        if "related_url" in want:
            assert want["related_url"] in set(rows["related_url"]), rows.to_string()
        if "evidence" in want:
            assert any(want["evidence"] in ev for ev in rows["evidence"]), rows.to_string()
    assert (found["rule_id"] == rule_id).all()
    assert found["fingerprint"].is_unique


def test_every_rule_has_passing_and_failing_cases() -> None:
    files = {p.stem: _load(p) for p in CASES_DIR.glob("*.yaml")}
    missing = []
    for rule in all_rules():
        cases = files.get(rule.id, {}).get("cases", [])
        if not any(c["expect"] for c in cases) or not any(not c["expect"] for c in cases):
            missing.append(rule.id)
    assert not missing, f"rules without a passing and a failing case: {missing}"
    unknown = set(files) - {rule.id for rule in all_rules()}
    assert not unknown, f"case files for no rule: {sorted(unknown)}"


def test_every_option_is_configured_in_default_toml() -> None:
    settings = load_settings(project_dir=Path("/nonexistent")).settings
    configured = settings.audit.rules
    missing = [
        f"{rule.id}.{name}"
        for rule in all_rules()
        for name in rule.options
        if name not in {**rule.inherited_options(settings), **configured.get(rule.id, {})}
    ]
    assert not missing, f"options without a default in config/default.toml: {missing}"
