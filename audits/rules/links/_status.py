"""Shared shape of the rules flagging URLs by the HTTP status they answered."""

from __future__ import annotations

from typing import ClassVar

from audits.context import RuleContext
from audits.rule import Rule


class StatusRule(Rule):
    """URLs whose final response status is in [``low``, ``high``] (one finding per URL served)."""

    low: ClassVar[int]
    high: ClassVar[int]
    fields = ("status", "final_url")

    def check(self, ctx: RuleContext) -> str:
        return f"""
            SELECT DISTINCT coalesce(final_url, url) AS url,
                   'The URL answers HTTP ' || status AS message,
                   'HTTP ' || status AS evidence
            FROM pages WHERE status BETWEEN {self.low} AND {self.high}
        """
