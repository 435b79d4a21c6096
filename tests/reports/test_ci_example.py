"""The example GitHub Actions workflow: valid YAML, and every searchops call in it exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import yaml

from searchops.cli import cli

WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "github-actions" / "seo-audit.yml"


def searchops_calls(workflow: dict) -> list[list[str]]:
    calls = []
    for step in workflow["jobs"]["audit"]["steps"]:
        script = re.sub(r"\$\{\{[^}]*\}\}", "X", step.get("run", ""))
        # shell substitutions other than searchops itself, e.g. $(date -u +%Y...)
        script = re.sub(r"\$\((?:(?!searchops)[^()])*\)", "X", script)
        for line in script.replace("\\\n", " ").splitlines():
            line = line.split("#")[0]
            for match in re.finditer(r"(?:^|[;&|(]\s*)searchops ([^|;)]*)", line):
                calls.append(shlex.split(match.group(1)))
    return calls


def resolve(args: list[str]) -> tuple[click.Command, list[str]]:
    command: click.Command = cli
    ctx = click.Context(cli)
    while isinstance(command, click.Group) and args and not args[0].startswith("-"):
        found = command.get_command(ctx, args[0])
        assert found is not None, f"no command {args[0]!r}"
        command, args = found, args[1:]
    return command, args


def test_workflow_is_scheduled_cached_and_uploads_artifacts() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow[True]["schedule"][0]["cron"]  # YAML 1.1 reads the key `on` as True
    uses = [s.get("uses", "") for s in workflow["jobs"]["audit"]["steps"]]
    assert any(u.startswith("actions/cache/restore@") for u in uses)
    assert any(u.startswith("actions/cache/save@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)


def test_every_searchops_call_uses_real_commands_and_options(tmp_path: Path) -> None:
    calls = searchops_calls(yaml.safe_load(WORKFLOW.read_text()))
    assert [c[0] for c in calls] == ["crawl", "vitals", "audit", "audit", "report"]
    for call in calls:
        command, args = resolve(call)
        known = {opt for p in command.params for opt in p.opts}
        used = {a.split("=")[0] for a in args if a.startswith("--")}
        assert used <= known, f"searchops {' '.join(call)}: unknown {used - known}"
        # Parse for real (values too), the workflow's expressions standing for an existing folder.
        command.make_context("searchops", [str(tmp_path) if a == "X" else a for a in args])
    gate = next(c for c in calls if "--format" in c and "github" in c)
    assert gate[gate.index("--baseline") + 1] == "last"
    assert gate[gate.index("--fail-on") + 1] == "error"
