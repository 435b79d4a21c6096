"""CI outputs (audits/ci.py) and the audit/rules commands: escaping, counts, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import audits
from audits import ci
from audits.synthetic import write_run
from searchops.cli import main
from searchops.settings import load_settings

HOSTILE = "https://s.ex/p?q=<script>alert(1)</script>|`x`,a:b%0A\x1b[31m\x00"


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    missing = {"title": None, "title_count": 0}
    before = write_run(tmp_path / "before", pages=[{"url": "https://s.ex/old", **missing}])
    after = write_run(
        tmp_path / "after",
        pages=[
            {"url": HOSTILE, **missing},
            {"url": "https://s.ex/b", "viewport": None},
            {"url": "https://s.ex/c", "title": "Short"},
        ],
    )
    return before, after


def _result(run: Path, tmp_path: Path, baseline: Path | None = None) -> audits.AuditResult:
    settings = load_settings(project_dir=tmp_path).settings
    return audits.audit(
        run,
        baseline=baseline,
        rules="SEO-META-001,SEO-META-017,SEO-META-004,SEO-SITEMAP-003",
        settings=settings,
    )


def test_junit_one_testcase_per_rule_with_failures_listing_urls(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    text = ci.junit_xml(_result(runs[1], tmp_path))
    suite = ET.fromstring(text).find("testsuite")
    assert suite is not None
    cases = {c.get("name", "").split()[0]: c for c in suite.findall("testcase")}
    assert set(cases) == {"SEO-META-001", "SEO-META-017", "SEO-META-004", "SEO-SITEMAP-003"}
    failure = cases["SEO-META-001"].find("failure")
    assert failure is not None and failure.get("type") == "error"
    assert "<script>alert(1)</script>" in (failure.text or "")  # escaped in XML, intact once parsed
    assert "\x00" not in text and "\x1b" not in text
    assert cases["SEO-SITEMAP-003"].find("skipped") is not None
    assert suite.get("failures") == "3" and suite.get("skipped") == "1"


def test_junit_with_baseline_fails_only_on_new(runs: tuple[Path, Path], tmp_path: Path) -> None:
    before, after = runs
    baseline_only = ci.junit_xml(_result(before, tmp_path, baseline=before))
    assert ET.fromstring(baseline_only).find("testsuite").get("failures") == "0"  # type: ignore[union-attr]
    text = ci.junit_xml(_result(after, tmp_path, baseline=before))
    assert "1 new error finding(s)" in text


def test_github_annotations_escape_workflow_commands(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    lines = ci.github_annotations(_result(runs[1], tmp_path)).splitlines()
    assert len(lines) == 3  # one command per rule with findings
    error = next(line for line in lines if line.startswith("::error "))
    properties, message = error[len("::error ") :].split("::", 1)
    # No file=: findings.parquet is no source file GitHub could open; the URL is in the message.
    assert properties == "title=SEO-META-001%3A 1 finding(s)"
    assert "\n" not in message and "%0A" not in message.replace("%250A", "")
    assert "%25" in message  # the URL's literal % is escaped
    assert ci.escape_property("a:b,c%\r\n") == "a%3Ab%2Cc%25%0D%0A"
    assert ci.escape_data("50%\nnext") == "50%25%0Anext"
    assert any(line.startswith("::warning ") for line in lines) and any(
        line.startswith("::notice ") for line in lines
    )


def test_markdown_escapes_untrusted_text(runs: tuple[Path, Path], tmp_path: Path) -> None:
    text = ci.markdown(_result(runs[1], tmp_path))
    row = next(line for line in text.splitlines() if line.startswith("| SEO-META-001"))
    assert "<script>" not in text and "&lt;script&gt;" in row
    assert "\\|" in row and "&#96;x&#96;" in row
    assert row.count(" | ") == 3  # the URL's pipe does not add a column
    assert ci.md_escape("a|b<c>`d`*e*") == "a\\|b&lt;c&gt;&#96;d&#96;\\*e\\*"


def test_cli_formats_step_summary_and_exit_codes(
    runs: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before, after = runs
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    ws = str(tmp_path / "ws.duckdb")
    junit = tmp_path / "audit.xml"
    assert (
        _cli("--workspace", ws, "audit", str(after), "--format", "junit", "--out", str(junit)) == 1
    )
    ET.parse(junit)
    assert (
        summary.read_text().startswith("earlier step\n")
        and "## SEO audit of after" in summary.read_text()
    )
    capsys.readouterr()
    assert (
        _cli("--workspace", ws, "audit", str(after), "--fail-on", "never", "--format", "github")
        == 0
    )
    assert capsys.readouterr().out.startswith("::")
    assert (
        _cli("--workspace", ws, "audit", str(after), "--baseline", str(before), "--format", "json")
        == 1
    )
    data = json.loads(capsys.readouterr().out)
    assert {f["change"] for f in data["findings"]} == {"new", "fixed"}
    assert _cli("--workspace", ws, "audit", str(after), "--rules", "SEO-NOPE-1") == 2
    assert _cli("--workspace", ws, "audit", str(tmp_path)) == 2
    assert "not a run folder" in capsys.readouterr().err
    assert (
        _cli(
            "--workspace",
            ws,
            "audit",
            str(after),
            "--fail-on",
            "warning",
            "--skip-rules",
            "SEO-META-001,SEO-META-004",
        )
        == 1
    )
    table = capsys.readouterr().out
    assert "SEO-META-017" in table and "SEO-META-001 " not in table and "\x1b[31m" not in table


def test_rules_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli("rules", "--format", "json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in listed} == {r.id for r in audits.all_rules()}
    assert all(r["source"].startswith("http") or "http" in r["source"] for r in listed)
    assert _cli("rules") == 0
    assert "SEO-HREFLANG-002" in capsys.readouterr().out


def _cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    return int(exit_info.value.code or 0)


def test_ci_formats_through_the_cli_say_no_nan_and_name_no_binary_file(
    runs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Findings without a related URL (most of them) used to end with ``-> nan``."""
    before, after = runs
    ws = str(tmp_path / "ws.duckdb")
    for fmt in ("junit", "github", "markdown"):
        args = ["--workspace", ws, "audit", str(after), "--baseline", str(before)]
        assert _cli(*args, "--format", fmt, "--fail-on", "never") == 0
        out = capsys.readouterr().out
        assert "nan" not in out.replace("%250A", "").lower(), fmt
        assert "findings.parquet" not in out.split("more (see")[0], fmt
        assert "https://s.ex/b" in out, fmt  # the page is named in the message
    assert _cli("--workspace", ws, "audit", str(after), "--format", "github") == 1
    for line in capsys.readouterr().out.splitlines():
        assert line.startswith("::") and " file=" not in line


def _pages_on(origin: str) -> list[dict[str, object]]:
    return [
        {"url": f"{origin}/", "title": None, "title_count": 0},
        *({"url": f"{origin}/p/{i}", "viewport": None} for i in range(5)),
    ]


def test_a_baseline_on_another_port_is_compared_by_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = write_run(
        tmp_path / "before",
        pages=_pages_on("http://127.0.0.1:8001"),
        manifest={"start_urls": ["http://127.0.0.1:8001/"]},
    )
    after_pages = [
        *_pages_on("http://127.0.0.1:8002"),
        {"url": "http://127.0.0.1:8002/new", "title": None, "title_count": 0},
    ]
    after = write_run(
        tmp_path / "after",
        pages=after_pages,
        manifest={"start_urls": ["http://127.0.0.1:8002/"]},
    )
    ws = str(tmp_path / "ws.duckdb")
    args = ["--workspace", ws, "audit", str(after), "--baseline", str(before)]
    assert _cli(*args, "--rules", "meta", "--format", "json") == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    changes = {(f["url"], f["rule_id"]): f["change"] for f in data["findings"]}
    assert changes[("http://127.0.0.1:8002/new", "SEO-META-001")] == "new"
    assert changes[("http://127.0.0.1:8002/", "SEO-META-001")] == "persisting"
    assert data["stats"]["fixed"] == 0 and data["stats"]["new"] == 1
    assert "compared by URL path" in captured.err and "8001" in captured.err
    assert "compared by URL path" in data["notes"][0]
    # The table says it too.
    assert _cli(*args, "--rules", "meta", "--fail-on", "never") == 0
    assert "compared by URL path" in capsys.readouterr().out
    # Other start paths: no guessing, a clear warning instead.
    elsewhere = write_run(
        tmp_path / "elsewhere",
        pages=_pages_on("http://127.0.0.1:8003"),
        manifest={"start_urls": ["http://127.0.0.1:8003/fr/"]},
    )
    assert (
        _cli(
            "--workspace",
            ws,
            "audit",
            str(elsewhere),
            "--baseline",
            str(before),
            "--rules",
            "meta",
            "--format",
            "csv",
            "--fail-on",
            "never",
        )
        == 0
    )
    assert "compared by full URL" in capsys.readouterr().err


def _run_cli(*args: str, columns: int = 100) -> str:
    """The installed command with its output to a pipe, as in a CI log or `| less`."""
    env = {**os.environ, "COLUMNS": str(columns)}
    env.pop("FORCE_COLOR", None)
    done = subprocess.run(
        [sys.executable, "-m", "searchops", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_terminal_table_keeps_urls_whole_at_100_columns(tmp_path: Path) -> None:
    long = "https://shop.example.ca/en/category/kitchen-appliances/stand-mixers/" + "x" * 60
    pages = [{"url": f"{long}/{i}", "title": None, "title_count": 0} for i in range(4)]
    pages += [{"url": f"{long}/v{i}", "viewport": None} for i in range(2)]
    run = write_run(tmp_path / "run", pages=pages)
    out = _run_cli("--workspace", str(tmp_path / "ws.duckdb"), "audit", str(run))
    lines = out.splitlines()
    for url in [*[p["url"] for p in pages][:3], pages[4]["url"]]:
        assert any(line.strip() == url for line in lines), url  # one line, copyable
    assert "title-missing" in out and "Health score" in out
    skipped = [line for line in lines if line.startswith("skipped")]
    assert skipped and all(len(line) <= 160 for line in skipped)


def test_rules_prints_two_lines_per_rule_to_a_pipe_at_100_columns() -> None:
    out = _run_cli("rules")
    lines = out.splitlines()
    count = len(audits.all_rules())
    assert len(lines) <= 2 * count + 2
    assert all(len(line) <= 100 for line in lines)
    for rule in audits.all_rules():
        assert any(line.startswith(rule.id + " ") for line in lines), rule.id


def test_rules_sources_adds_each_rule_s_dated_source_whole() -> None:
    lines = _run_cli("rules", "--sources").splitlines()
    sources = [line for line in lines if line.startswith("    source: ")]
    assert len(sources) == len(audits.all_rules())
    retired = lines.index(next(line for line in lines if line.startswith("SEO-SCHEMA-019 ")))
    assert "(2025-06-12) https://developers.google.com/search/blog/2025/06/" in lines[retired + 2]


def test_without_columns_a_pipe_is_not_wrapped_at_80(tmp_path: Path) -> None:
    url = "https://shop.example.ca/" + "a" * 150
    run = write_run(tmp_path / "run", pages=[{"url": url, "title": None, "title_count": 0}])
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "searchops",
            "--workspace",
            str(tmp_path / "ws.duckdb"),
            "audit",
            str(run),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert any(line.strip() == url for line in done.stdout.splitlines())


def test_audit_in_a_pipe_prints_progress_lines_and_none_with_q(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    """Piped (a CI log), a long audit says which rule it is at, every
    [audit] progress_every_s (here as often as possible), on stderr only; -q silences it."""
    _, after = runs
    config = tmp_path / "fast.toml"
    config.write_text("[audit]\nprogress_every_s = 1e-9\n")
    args = ["audit", str(after), "--format", "json", "--fail-on", "never"]
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    common = [sys.executable, "-m", "searchops", "--config", str(config)]
    common += ["--workspace", str(tmp_path / "ws.duckdb")]
    done = subprocess.run([*common, *args], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("audit: rule ")]
    assert lines and lines[0].startswith("audit: rule 1 of "), done.stderr
    total = int(lines[0].split(" of ")[1].split()[0])
    assert total > 100  # every rule ran, the last one announced too
    assert any(f"rule {total} of {total}" in line for line in lines)
    assert "audit: rule" not in done.stdout
    json.loads(done.stdout)  # the output itself stays clean JSON
    quiet = subprocess.run(
        [*common, "-q", *args], capture_output=True, text=True, env=env, check=False
    )
    assert quiet.returncode == 0 and "audit: rule" not in quiet.stderr
