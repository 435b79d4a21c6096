"""Search-term mining: new and negative keywords, through the CLI and on frames."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from bidding.terms import NEGATIVE_COLUMNS, NEW_COLUMNS, mine_terms
from searchops.cli import cli
from searchops.settings import load_settings

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"
SEARCHOPS = str(Path(sys.executable).parent / "searchops")


def run(*args: str):
    # Tables are laid out for the terminal's width: a wide one keeps each term on one line
    # whatever COLUMNS the test process inherited (at 80 a long term wraps inside its cell).
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})


def run_process(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed command, for its real exit code and stderr."""
    return subprocess.run([SEARCHOPS, *args], capture_output=True, text=True, timeout=300)


def test_hand_built_exports_through_the_cli(tmp_path):
    ws = str(tmp_path / "ws.duckdb")
    imported = run(
        "--workspace", ws, "sem", "import", "--source", "google:tents",
        str(EXPORTS / "google-en-tents-keywords-by-day.csv"),
        str(EXPORTS / "google-en-search-terms-by-day.csv"),
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "terms"
    result = run("--workspace", ws, "bid", "terms", "--out", str(out))
    assert result.exit_code == 0, result.output

    new = pd.read_csv(out / "terms-keywords-editor.csv")
    neg = pd.read_csv(out / "terms-negatives-editor.csv")
    assert list(new.columns) == NEW_COLUMNS and list(neg.columns) == NEGATIVE_COLUMNS
    # converting terms that are not keywords yet, in their ad groups, as exact keywords;
    # "Dome  Tent" is the keyword [dome tent] in another case and spacing: not new
    assert sorted(zip(new["Keyword"], new["Ad group"], strict=True)) == [
        ("4 person dome tent", "Dome tents"),
        ("ultralight backpacking tent 2 person", "Backpacking tents"),
    ]
    assert set(new["Criterion Type"]) == {"Exact"} and set(new["Campaign"]) == {"Search | tents"}
    # a term whose text a keyword cannot hold (and a spreadsheet would evaluate) is not exported
    assert not new["Keyword"].str.contains("=").any()
    # 263 clicks without a conversion in an ad group converting at ~2%: negated; 3 clicks
    # (instructions) and 26 clicks (free camping tent) are not evidence; the excluded term is
    # already a negative
    assert neg[["Keyword", "Ad group", "Criterion Type"]].values.tolist() == [
        ["dome tent repair kit", "Dome tents", "Negative Exact"]
    ]

    payload = json.loads((out / "terms.json").read_text())
    (n,) = [r for r in payload["new_keywords"] if r["search_term"] == "4 person dome tent"]
    assert n["bid_source"] == "model" and n["conversions"] == 3
    # the starting bid moves at most the step cap from the bid that buys the term today
    # (29.40 / 42 clicks = 0.70 per click at the ad group's CPC ratio of ~0.78: ~0.90)
    assert 0.90 * 0.8 - 0.02 <= n["bid"] <= 0.90 * 1.2 + 0.02
    for r in payload["new_keywords"]:
        for m in ("exp_clicks", "exp_cost", "exp_value", "value_gained"):
            assert r[f"{m}_lo"] <= r[m] <= r[f"{m}_hi"]
        assert r["value_gained"] >= 0  # a suggested keyword never loses value (issue 19)
    (g,) = payload["negatives"]
    assert g["p_value"] < load_settings().settings.bidding.terms.negative_max_p
    assert g["spend_saved_lo"] <= g["spend_saved"] <= g["spend_saved_hi"]
    # spend saved over the horizon is the term's daily spend x 7 (its history: 184.10 in 24 days)
    assert g["spend_saved"] == pytest.approx(184.10 / 24 * 7, rel=0.1)
    assert "4 person dome tent" in result.output and "dome tent repair kit" in result.output

    con = duckdb.connect(ws, read_only=True)
    run_id = payload["summary"]["run_id"]
    assert con.execute(
        "SELECT count(*) FROM terms_new_keywords WHERE run_id = ?", [run_id]
    ).fetchone() == (2,)
    assert con.execute("SELECT kind FROM runs WHERE run_id = ?", [run_id]).fetchone() == ("terms",)
    con.close()


def test_without_search_terms_one_line_and_exit_2(tmp_path):
    result = run_process("--workspace", str(tmp_path / "ws.duckdb"), "bid", "terms")
    assert result.returncode == 2
    assert "no search terms in the workspace" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_search_terms_report_without_days_is_refused(tmp_path):
    report = tmp_path / "terms.csv"
    report.write_text(
        "Search term,Campaign,Ad group,Clicks,Impr.,Cost\nred tent,Tents,Red,3,40,1.20\n",
        encoding="utf-8",
    )
    ws = str(tmp_path / "ws.duckdb")
    result = run_process("--workspace", ws, "sem", "import", str(report))
    assert result.returncode == 2 and "'Day'" in result.stderr, result.stderr


def _synthetic_terms(seed: int = 0):
    """One ad group converting at 3% (orders worth 100, clicks at 0.50), 2,000 search terms
    converting at that rate and 100 junk terms that never convert."""
    rng = np.random.default_rng(seed)
    good = rng.integers(1, 400, 2000)
    junk = rng.integers(250, 400, 100)
    clicks = np.concatenate([good, junk])
    conv = np.concatenate([rng.binomial(good, 0.03), np.zeros(len(junk), int)])
    terms = pd.DataFrame(
        {
            "date": pd.Timestamp("2026-11-01"),
            "campaign_id": 1,
            "ad_group_id": 10,
            "campaign": "Tents",
            "ad_group": "Dome",
            "search_term": [f"good {i}" for i in range(len(good))]
            + [f"junk {i}" for i in range(len(junk))],
            "status": "NONE",
            "clicks": clicks,
            "impressions": clicks * 10,
            "cost": clicks * 0.5,
            "conversions": conv,
            "conversions_value": conv * 100.0,
        }
    )
    return terms


def test_negatives_need_evidence_and_find_what_never_converts():
    settings = load_settings().settings
    terms = _synthetic_terms()
    result = mine_terms(
        terms, pd.DataFrame({"keyword": []}), None, config=settings.bidding, margin=0.3
    )
    t = result.terms.set_index("search_term")
    negated = t["verdict"].eq("negative")
    is_junk = t.index.str.startswith("junk")
    good, junk = negated[~is_junk], negated[is_junk]
    # terms converting at their ad group's rate are rarely negated (the test's level bounds it)
    assert good.mean() <= settings.bidding.terms.negative_max_p
    assert junk.mean() > 0.9
    # no term is negated on a handful of clicks
    assert t.loc[negated, "clicks"].min() > 30
    # more clicks without a conversion is stronger evidence
    zero = t[t["conversions"].eq(0)].sort_values("clicks")
    assert zero["p_value"].is_monotonic_decreasing
    # every converting term is proposed once, with the bid that buys it (no models given)
    assert len(result.new_keywords) == int((terms["conversions"] >= 1).sum())
    assert set(result.new_keywords["bid_source"]) == {"observed"}
    expected = round(0.5 / settings.bidding.default_cpc_ratio, 2)
    assert np.allclose(result.new_keywords["bid"], expected)


def honest_negation_bound(clicks: np.ndarray, false_alarm: float = 0.001) -> int:
    """How many honest search terms (converting at their keyword's rate) may be negated.

    Each zero-conversion term is tested on its own at ``negative_max_p``, so among honest terms
    with the clicks to be tested (30+, the "never on a handful of clicks" floor) the negations
    are at most binomial at that level; the bound is that binomial's ``1 - false_alarm``
    quantile. benchmarks/false_alarms.py --part terms measures how often a draw exceeds it."""
    from scipy import stats

    alpha = load_settings().settings.bidding.terms.negative_max_p
    testable = int((np.asarray(clicks) >= 30).sum())
    return int(stats.binom.ppf(1 - false_alarm, testable, alpha))


def test_the_demo_account_through_the_cli(tmp_path):
    from demo.ads_account import JUNK_TERM_WORDS

    ws = str(tmp_path / "ws.duckdb")
    made = run("--workspace", ws, "sem", "demo", "--keywords", "2000", "--days", "35",
               "--products", "300", "--seed", "5")  # fmt: skip
    assert made.exit_code == 0, made.output
    out = tmp_path / "terms"
    result = run("--workspace", ws, "bid", "terms", "--out", str(out))
    assert result.exit_code == 0, result.output
    payload = json.loads((out / "terms.json").read_text())
    con = duckdb.connect(ws, read_only=True)
    keywords = {k.casefold() for (k,) in con.execute("SELECT keyword FROM sem_keywords").fetchall()}
    terms = con.execute(
        "SELECT search_term, sum(conversions) AS conv, sum(clicks) AS clicks "
        "FROM sem_search_terms GROUP BY search_term"
    ).df()
    con.close()
    new = pd.DataFrame(payload["new_keywords"])
    converting = set(terms.loc[terms["conv"] >= 1, "search_term"]) - keywords
    assert len(new) > 0 and set(new["search_term"]) == converting
    assert new["search_term"].is_unique
    assert (new["bid_source"] == "model").all()
    # the demo's junk terms never convert; its other terms convert at their keyword's rate
    junk = terms["search_term"].str.endswith(tuple(JUNK_TERM_WORDS.values()))
    negated = {r["search_term"] for r in payload["negatives"]}
    # every term is tested at negative_max_p, so an honest term is negated now and then: the
    # count stays within the binomial bound (false-alarm rate 0.1%), not at zero
    honest = terms[~junk]
    assert negated and honest["search_term"].isin(negated).sum() <= honest_negation_bound(
        honest["clicks"].to_numpy()
    )
    assert len(negated - set(terms.loc[junk, "search_term"])) < len(negated) / 2
    # the junk terms with the most evidence are found (~500+ clicks in the week)
    assert set(terms.loc[junk & (terms["clicks"] >= 400), "search_term"]) <= negated


def test_search_terms_alone_bid_what_bought_them_and_say_names_are_missing(tmp_path):
    ws = str(tmp_path / "ws.duckdb")
    report = str(EXPORTS / "google-en-search-terms-by-day.csv")
    assert run("--workspace", ws, "sem", "import", report).exit_code == 0
    out = tmp_path / "terms"
    result = run_process("--workspace", ws, "bid", "terms", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "without campaign / ad group names" in result.stderr
    payload = json.loads((out / "terms.json").read_text())
    # no keyword report: nothing says which terms are keywords, and no model sets the bid
    assert {r["bid_source"] for r in payload["new_keywords"]} == {"observed"}
    (n,) = [r for r in payload["new_keywords"] if r["search_term"] == "4 person dome tent"]
    cpc_ratio = load_settings().settings.bidding.default_cpc_ratio
    assert n["bid"] == pytest.approx(29.40 / 42 / cpc_ratio, abs=0.01)
