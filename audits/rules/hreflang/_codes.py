"""Shared shape of the two code-validity rules: validate distinct codes in Python, join in SQL."""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa

from audits.context import RuleContext, hreflang_strings
from audits.rule import Rule
from audits.vocab import hreflang_problem


class HreflangCodeRule(Rule):
    """Pages with hreflang codes whose problem is of kind ``problem`` ("language" | "region").

    A site has a handful of distinct codes however many pages it has, so each code is
    checked once with pycountry and the verdicts joined back to the annotations.
    """

    problem: ClassVar[str]
    fields = ("hreflang",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("hreflang_edges")
        codes = [
            row[0] for row in ctx.con.execute("SELECT DISTINCT lang FROM hreflang_edges").fetchall()
        ]
        verdicts = [(code, hreflang_problem(code or "")) for code in codes]
        bad = pa.table(
            {
                "lang": [code for code, v in verdicts if v and v[0] == self.problem],
                "reason": [v[1] for _, v in verdicts if v and v[0] == self.problem],
            },
            schema=pa.schema([("lang", pa.string()), ("reason", pa.string())]),
        )
        ctx.con.register(f"_bad_codes_{self.problem}", bad)
        # the documents with such a code found without URL strings; their strings after
        documents = (
            f"SELECT DISTINCT e.doc_id FROM hreflang_edges e "
            f"JOIN _bad_codes_{self.problem} b ON b.lang = e.lang"
        )
        return f"""
            SELECT DISTINCT e.url, 'Invalid hreflang code: ' || b.reason AS message,
                   'hreflang="' || e.lang || '" href=' || e.href AS evidence, e.lang AS key
            FROM {hreflang_strings(ctx, documents)} e JOIN _bad_codes_{self.problem} b ON b.lang = e.lang
        """
