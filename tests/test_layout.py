"""The product packages never import the demo (its site, account and API server are test doubles)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from searchops import plugins

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("searchops", "seo_crawler", "audits", "sem", "bidding", "reports", "merchant")


def demo_imports(path: Path) -> list[str]:
    """``import demo...`` / ``from demo... import`` anywhere in the module, even inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found += [
            f"{path.relative_to(ROOT)}:{node.lineno} {n}"
            for n in names
            if n.split(".")[0] == "demo"
        ]
    return found


def test_product_packages_never_import_demo() -> None:
    files = [f for package in PRODUCT for f in sorted((ROOT / package).rglob("*.py"))]
    assert len(files) > 100  # the walk really saw the packages
    assert [hit for f in files for hit in demo_imports(f)] == []


def test_the_checker_sees_a_nested_demo_import(tmp_path: Path) -> None:
    sample = ROOT / "tests" / "_layout_sample.py"
    sample.write_text("def f():\n    from demo.site import serve\n    import demo\n")
    try:
        assert [h.split(" ")[1] for h in demo_imports(sample)] == ["demo.site", "demo"]
    finally:
        sample.unlink()


@pytest.mark.parametrize(
    ("group", "name"),
    [(plugins.TOP_LEVEL, "demo"), (plugins.TOP_LEVEL, "demo-site"), (plugins.SEM, "demo")],
)
def test_demo_commands_arrive_through_entry_points(group: str, name: str) -> None:
    assert plugins.load(plugins.plugins(group)[name]).name in {"demo", "demo-site"}
