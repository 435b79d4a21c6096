"""``audit --format json|csv`` stream the findings from the findings file, batch by batch:
the text is byte for byte what rendering every finding at once gave (the reference
renderers below are the code they replace), to a file and to stdout, and the findings are
never read into one DataFrame."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import audits
from audits import outputs
from audits.synthetic import write_run
from searchops.cli import main
from searchops.escaping import terminal_document, terminal_json, write_csv
from searchops.settings import load_settings

RULES = "SEO-META-001,SEO-META-017"  # title missing (error), viewport missing (warning)
# URLs a terminal or a spreadsheet would act on, and text JSON must escape
PATHS = ["caf\u00e9", "a\u202eb", "x\x1b[31mred", "=HYPERLINK(1)", 'q"uote', "t\tab", "\u0085c1"]


def _runs(tmp_path: Path) -> tuple[Path, Path]:
    def pages(keys: range) -> list[dict[str, Any]]:
        return [
            {"url": f"https://s.ex/{PATHS[i % len(PATHS)]}/{i}", "title": None, "title_count": 0}
            for i in keys
        ]

    before = write_run(tmp_path / "before", pages=pages(range(0, 14)))
    after = write_run(
        tmp_path / "after",
        pages=[*pages(range(5, 23)), {"url": "https://s.ex/=1+2", "viewport": None}],
    )
    return before, after


def _old_json(result: Any) -> str:
    """``as_json`` before it streamed: every finding of the DataFrame at once."""

    def records(df: pd.DataFrame) -> list[dict[str, Any]]:
        return json.loads(df.to_json(orient="records"))  # type: ignore[no-any-return]

    head = json.dumps(
        {
            "run": str(result.run),
            "baseline": str(result.baseline) if result.baseline else None,
            "stats": result.stats, "notes": result.notes,
            "scores": records(result.scores), "rules": records(result.rules),
            "findings": [],
        },
        indent=2, ensure_ascii=False,
    )  # fmt: skip
    findings = pd.read_parquet(result.findings_file)
    if findings.empty:
        return terminal_json(head)
    columns = list(findings.columns)
    text = ",\n".join(
        textwrap.indent(json.dumps(dict(zip(columns, row, strict=True)), indent=2,
                                   ensure_ascii=False), "    ")
        for row in findings.astype(object).where(findings.notna(), None)
        .itertuples(index=False, name=None)
    )  # fmt: skip
    return terminal_json(
        head.replace('\n  "findings": []\n}', f'\n  "findings": [\n{text}\n  ]\n}}')
    )


def _findings_text(text: str) -> str:
    """The CSV, or the JSON document from its findings on (the head holds timings)."""
    return text[text.index('"findings": [') :] if text.startswith("{") else text


def _old_csv(result: Any) -> str:
    return terminal_document(str(write_csv(pd.read_parquet(result.findings_file))))


@pytest.mark.parametrize("baseline", [True, False])
def test_streamed_json_and_csv_are_the_text_of_every_finding_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    baseline: bool,
) -> None:  # fmt: skip
    monkeypatch.setattr(outputs, "BATCH_ROWS", 4)  # 24 or 25 findings: several batches
    before, after = _runs(tmp_path)
    settings = load_settings(project_dir=tmp_path).settings
    result = audits.audit(
        after, baseline=before if baseline else None, rules=RULES, settings=settings
    )
    expected = {"json": _old_json(result), "csv": _old_csv(result)}
    assert len(pd.read_parquet(result.findings_file)) > 3 * outputs.BATCH_ROWS
    assert "\x1b" not in expected["csv"] and "\x1b" not in expected["json"]
    for fmt in ("json", "csv"):
        assert outputs.render(result, fmt, examples=3) == expected[fmt]
    assert result._findings is None  # streamed from the file, never read whole

    args = ["--workspace", str(tmp_path / "ws.duckdb"), "audit", str(after), "--rules", RULES]
    args += (
        ["--baseline", str(before), "--fail-on", "never"] if baseline else ["--fail-on", "never"]
    )
    for fmt in ("json", "csv"):
        out = tmp_path / f"findings.{fmt}"
        with pytest.raises(SystemExit) as done:
            main([*args, "--format", fmt, "--out", str(out)])
        assert done.value.code == 0
        capsys.readouterr()
        with pytest.raises(SystemExit):
            main([*args, "--format", fmt])
        printed = capsys.readouterr().out
        # Another audit run: only the rules' seconds may differ, in the JSON head
        assert _findings_text(out.read_text(encoding="utf-8")) == _findings_text(expected[fmt])
        assert printed.endswith("\n") and not printed.endswith("\n\n")
        assert _findings_text(printed) == _findings_text(expected[fmt]) + (
            "" if fmt == "csv" else "\n"
        )
    parsed = json.loads(expected["json"])
    assert len(parsed["findings"]) == len(pd.read_parquet(result.findings_file))
    assert any("\u202e" in f["url"] for f in parsed["findings"])  # escaped, then parsed back


def test_no_findings_give_the_header_and_an_empty_list(tmp_path: Path) -> None:
    run = write_run(tmp_path / "ok", pages=[{"url": "https://s.ex/ok"}])
    result = audits.audit(run, rules=RULES, settings=load_settings(project_dir=tmp_path).settings)
    assert outputs.render(result, "json", examples=3) == _old_json(result)
    assert json.loads(outputs.render(result, "json", examples=3))["findings"] == []
    csv = outputs.render(result, "csv", examples=3)
    assert csv == _old_csv(result) and csv.startswith("rule_id,") and csv.count("\n") == 1
