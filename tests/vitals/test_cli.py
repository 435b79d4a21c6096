"""``searchops vitals`` from the command line."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from searchops.cli import main
from seo_crawler.vitals import load_vitals


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    return int(exit_info.value.code or 0)


def test_help_teaches_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("vitals", "--help") == 0
    out = capsys.readouterr().out
    assert "--from" in out and "--interact" in out and "searchops vitals --from runs/" in out


def test_urls_and_from_together_or_neither_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("--workspace", str(tmp_path / "ws.duckdb"), "vitals") == 2
    assert "give URLs or --from RUN" in capsys.readouterr().err
    assert run_cli("--workspace", str(tmp_path / "ws.duckdb"), "vitals", "ftp://x/") == 2
    assert run_cli("vitals", "http://x/", "--profile", "tablet") == 2
    assert "profile" in capsys.readouterr().err


@pytest.mark.browser
@pytest.mark.xdist_group("vitals-browser")
def test_measures_urls_into_a_folder_and_the_workspace(
    demo_site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    url = demo_site.url + "/__lab/slow-click?ms=120"
    ws, out = tmp_path / "ws.duckdb", tmp_path / "lab"
    code = run_cli(
        "--workspace", str(ws), "vitals", url, "--profile", "none", "--runs", "2",
        "--interact", "#add-to-cart", "--out", str(out),
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "Templates" in printed and "Pages" in printed and "INP ms" in printed
    loads = load_vitals(out)
    assert len(loads) == 2 and (loads["inp_ms"] >= 120).all()
    with duckdb.connect(str(ws), read_only=True) as con:
        kinds = con.execute("SELECT kind FROM runs WHERE run_id = 'lab'").fetchall()
        inp = con.execute(
            "SELECT n, profile FROM vitals_pages WHERE run_id = 'lab' AND metric = 'inp_ms'"
        ).fetchall()
    assert kinds == [("vitals",)] and inp == [(2, "none")]  # the report names the profile
