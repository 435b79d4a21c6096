"""What `sem roi --level keyword` writes for other tools: the forecasts beside the money."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from searchops.cli import cli

FORECASTS = ["clicks_per_day", "clicks_lo", "clicks_hi", "value_per_click", "marginal_roas",
             "marginal_roas_lo", "marginal_roas_hi"]  # fmt: skip


def test_keyword_csv_and_json_carry_clicks_value_per_click_and_marginal_roas(
    tmp_path: Path,
) -> None:
    ws = ["--workspace", str(tmp_path / "ws.duckdb")]
    runner = CliRunner()
    made = runner.invoke(cli, [*ws, "sem", "demo", "--keywords", "80", "--days", "28",
                               "--seed", "2", "--products", "200", "--until", "2026-11-29"])  # fmt: skip
    assert made.exit_code == 0, made.output
    out = runner.invoke(cli, [*ws, "sem", "roi", "--level", "keyword", "--format", "csv"])
    assert out.exit_code == 0, out.output
    frame = pd.read_csv(io.StringIO(out.stdout))
    assert set(FORECASTS) <= set(frame.columns)
    clicked = frame[frame["clicks"] > 0]
    assert (clicked["clicks_lo"] <= clicked["clicks_per_day"]).all()
    assert (clicked["clicks_per_day"] <= clicked["clicks_hi"]).all()
    assert (clicked["marginal_roas_lo"] <= clicked["marginal_roas_hi"]).all()
    payload = json.loads(
        runner.invoke(cli, [*ws, "sem", "roi", "--level", "keyword", "--format", "json"]).stdout
    )
    assert set(FORECASTS) <= set(payload["rows"][0])
    assert len(payload["rows"]) == len(frame)
