"""Findings stay in DuckDB and Parquet, not in memory: what `searchops audit` prints and
writes (summary, tables, CI formats, exit code, findings.parquet, the workspace) comes
from the findings file, and the pandas DataFrame is read only when a caller asks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import audits
from audits import ci
from audits.scoring import health_scores
from audits.synthetic import write_run
from audits.terminal import audit_tables
from searchops.cli import main
from searchops.settings import load_settings
from searchops.workspace import Workspace

MISSING = {"title": None, "title_count": 0}
RULES = "SEO-META-001,SEO-META-017"  # title missing (error), viewport missing (warning)


def _runs(tmp_path: Path) -> tuple[Path, Path]:
    before = write_run(
        tmp_path / "before",
        pages=[{"url": f"https://s.ex/{i}", **MISSING} for i in range(0, 6)],
    )
    after = write_run(
        tmp_path / "after",
        pages=[{"url": f"https://s.ex/{i}", **MISSING} for i in range(3, 9)]
        + [{"url": "https://s.ex/ok"}, {"url": "https://s.ex/noview", "viewport": None}],
    )
    return before, after


def test_outputs_come_from_the_findings_file_without_the_dataframe(tmp_path: Path) -> None:
    before, after = _runs(tmp_path)
    settings = load_settings(project_dir=tmp_path).settings
    with Workspace(tmp_path / "ws.duckdb") as ws:
        result = audits.audit(after, baseline=before, rules=RULES, settings=settings, workspace=ws)
        stored = ws.con.execute(
            "SELECT url, change FROM findings WHERE rule_id = 'SEO-META-001' ORDER BY url"
        ).fetchall()
    list(audit_tables(result, 3))
    ci.junit_xml(result)
    ci.github_annotations(result)
    ci.markdown(result)
    assert result.exit_code("error") == 1
    assert result._findings is None  # nothing above read the findings into pandas
    assert result.stats["new"] == 3 + 1 and result.stats["fixed"] == 3
    assert result.stats["persisting"] == 3
    meta = [("https://s.ex/" + str(i), c) for i, c in [(0, "fixed"), (1, "fixed"), (2, "fixed")]]
    meta += [("https://s.ex/" + str(i), "persisting") for i in (3, 4, 5)]
    meta += [("https://s.ex/" + str(i), "new") for i in (6, 7, 8)]
    assert stored == sorted(meta)
    # the artifact and the DataFrame are the file, in report order (errors first)
    written = pd.read_parquet(after / "findings.parquet")
    pd.testing.assert_frame_equal(written, result.findings)
    assert written["severity"].tolist() == sorted(
        written["severity"], key=["error", "warning", "notice"].index
    )
    # the scores DuckDB counted are the ones pandas counts from the rows
    open_rows = result.open_findings()
    scores = health_scores(
        open_rows[open_rows["change"] != "fixed"].assign(change=None),
        int(result.scores.loc[result.scores["family"] == "overall", "pages"].iloc[0]),
        sorted(set(result.rules.loc[result.rules["status"] == "ran", "family"])),
        settings,
    )
    merged = result.scores.merge(scores, on="family", suffixes=("", "_pandas"))
    assert len(merged) == len(result.scores)
    for column in ("score", "findings", "affected"):
        assert (merged[column] == merged[f"{column}_pandas"]).all(), merged


def test_rule_groups_count_and_list_like_the_rows(tmp_path: Path) -> None:
    _, after = _runs(tmp_path)
    result = audits.audit(after, rules=RULES, settings=load_settings(project_dir=tmp_path).settings)
    rows = result.findings
    groups = result.rule_groups("open", rows=2, examples=4)
    assert [g.rule_id for g in groups] == list(dict.fromkeys(rows["rule_id"]))
    for group in groups:
        own = rows[rows["rule_id"] == group.rule_id]
        assert group.count == len(own) and group.new == 0
        assert group.examples == list(own["url"].drop_duplicates().head(4))
        pd.testing.assert_frame_equal(
            group.rows, own.head(2).reset_index(drop=True), check_dtype=False
        )


def test_the_cli_prints_and_exits_from_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = _runs(tmp_path)
    args = ["--workspace", str(tmp_path / "ws.duckdb"), "audit", str(after)]
    with pytest.raises(SystemExit) as exit:
        main([*args, "--baseline", str(before), "--rules", RULES, "--fail-on", "error"])
    assert exit.value.code == 1  # new errors
    out = capsys.readouterr().out
    assert "SEO-META-001" in out and "3 new" in out
