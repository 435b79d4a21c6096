"""Helper bases for the common rule shapes (not rules themselves: they set no ``id``)."""

from __future__ import annotations

from typing import Any, ClassVar

from audits.context import RuleContext
from audits.rule import Rule


def sql_text(value: Any) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


class HtmlPageRule(Rule):
    """Flags ``html_pages`` rows matching ``condition``.

    ``condition``, ``message`` and ``evidence`` are SQL over one ``html_pages`` row;
    ``{option}`` placeholders are filled with the rule's configured options.
    """

    condition: ClassVar[str]
    message: ClassVar[str]
    evidence: ClassVar[str] = "''"
    key: ClassVar[str] = "NULL"
    needs: ClassVar[tuple[str, ...]] = ("pages",)

    def sql(self, template: str) -> str:
        return template.format(**{k: v for k, v in self.config.items() if k in self.options})

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        return f"""
            SELECT url, {self.sql(self.message)} AS message, {self.sql(self.evidence)} AS evidence,
                   {self.sql(self.key)} AS key
            FROM html_pages WHERE {self.sql(self.condition)}
        """
