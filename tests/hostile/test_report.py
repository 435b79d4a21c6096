"""Hostile text from imported ads data and crawled pages in the weekly report's headline parts
(why revenue changed by campaign, the wasted-spend chart, findings), through the CLI: shown
as text, never markup, under the report's Content-Security-Policy."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pandas as pd
import pytest

from reports.weekly import CONTENT_SECURITY_POLICY
from searchops.cli import main
from searchops.workspace import Workspace
from tests.reports.test_drivers import _planted
from tests.reports.test_weekly import summary_numbers_not_in_their_section

PAYLOADS = [
    "<script>document.body.dataset.pwned=1</script>",
    '"><img src=x onerror="alert(1)">',
    "<svg onload=alert(2)><title>x</title></svg>",
    "</title></svg><iframe src=javascript:alert(3)></iframe>",
    '=HYPERLINK("http://evil.example","x") \x1b]52;c;ZXZpbA==\x07',
]


def test_hostile_campaigns_keywords_and_findings_stay_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws_path = _planted(tmp_path / "ws.duckdb")
    with Workspace(ws_path) as ws:
        # campaigns 20, 21 and 22 are named by the first three payloads
        ws.con.execute("UPDATE sem_keywords SET campaign = ?[campaign_id - 19]", [PAYLOADS])
        ws.con.execute("UPDATE coverage_waste SET keyword = ?, url = ?", [PAYLOADS[1], PAYLOADS[3]])
        ws.register_run("crawl-w", "crawl", week=pd.Timestamp("2026-11-23"))
        ws.append_df(
            "findings",
            pd.DataFrame(
                {
                    "run_id": "crawl-w",
                    "rule_id": "SEO-VITALS-013",
                    "family": "vitals",
                    "severity": "error",
                    "url": [f"https://shop.example.ca/{p}" for p in PAYLOADS],
                    "message": [f"Template '{p}': LCP median 1 ms -> 9 ms" for p in PAYLOADS],
                    "evidence": PAYLOADS,
                    "fingerprint": [str(i) for i in range(len(PAYLOADS))],
                    "change": "new",
                }
            ),
        )
    out = tmp_path / "weekly.html"
    with pytest.raises(SystemExit) as exc:
        main(["--workspace", str(ws_path), "report", "weekly", "--out", str(out)])
    assert exc.value.code == 0, capsys.readouterr().err
    html = out.read_text(encoding="utf-8")
    doc = lxml.html.fromstring(html)
    # Nothing became an element or an attribute: no script, iframe, img; no event handler.
    assert not doc.xpath("//script | //iframe | //img | //*[@onerror] | //*[@onload]")
    assert not re.search(r"<(script|iframe|img)\b", html)
    assert 'href="javascript:' not in html
    (policy,) = doc.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')
    assert policy == CONTENT_SECURITY_POLICY
    # ... and each payload is there as text where it belongs.
    campaigns = " ".join(doc.xpath('//section[@id="sem"]')[0].itertext())
    assert PAYLOADS[0] in campaigns and PAYLOADS[2] in campaigns
    chart_titles = [t.text_content() for t in doc.xpath('//section[@id="coverage"]//g/title')]
    assert any(PAYLOADS[1] in t and PAYLOADS[3] in t for t in chart_titles)
    assert summary_numbers_not_in_their_section(html) == []
