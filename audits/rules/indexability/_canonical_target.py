"""Shared shape of the rules judging the page a canonical points to."""

from __future__ import annotations

from typing import ClassVar

from audits.context import RuleContext
from audits.rule import Rule


class CanonicalTargetRule(Rule):
    """Pages whose canonical target (as crawled, in ``page_facts`` ``t``) matches ``condition``."""

    condition: ClassVar[str]
    message: ClassVar[str]

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages", "page_facts")
        return f"""
            SELECT p.url, {self.message} AS message,
                   p.canonical || ' (' || coalesce(t.status::VARCHAR, t.fetch_state, '?') || ')' AS evidence,
                   p.canonical AS related_url
            FROM html_pages p JOIN page_facts t ON t.url_key = url_key(p.canonical)
            WHERE url_key(p.canonical) <> url_key(p.url) AND {self.condition}
        """
