"""``--format json`` writes the findings one record at a time: the same document as one
``json.dumps`` of every finding (what it wrote before), without holding them all as dicts."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pandas as pd

from audits import outputs


def _result(findings: pd.DataFrame) -> Any:
    return cast(
        Any,
        SimpleNamespace(
            run="RUN", baseline=None, stats={"findings": len(findings)}, notes=["a note"],
            scores=pd.DataFrame({"family": ["meta"], "score": [97]}),
            rules=pd.DataFrame({"rule_id": ["SEO-META-001"], "seconds": [0.25]}),
            findings=findings,
        ),
    )  # fmt: skip


def _one_dumps(result: Any) -> str:
    def records(df: pd.DataFrame) -> Any:
        return json.loads(df.to_json(orient="records"))

    document = {
        "run": result.run, "baseline": None, "stats": result.stats, "notes": result.notes,
        "scores": records(result.scores), "rules": records(result.rules),
        "findings": records(result.findings),
    }  # fmt: skip
    return json.dumps(document, indent=2, ensure_ascii=False)


def test_json_findings_written_record_by_record_are_the_same_document() -> None:
    findings = pd.DataFrame(
        {
            "rule_id": ["SEO-META-001", "SEO-META-002", "SEO-LINKS-009"],
            "url": ["https://s/é", "https://s/\u202e?x=\x1b", None],
            "message": ['a "quoted"\nline', "", "ok"],
            "change": [None, np.nan, "new"],
        }
    )
    result = _result(findings)
    text = outputs.as_json(result, examples=3)
    assert text == _one_dumps(result)
    assert json.loads(text)["findings"][1]["change"] is None
    empty = _result(findings.iloc[:0])
    assert outputs.as_json(empty, examples=3) == _one_dumps(empty)
