"""Helper bases for the common rule shapes (not rules themselves: they set no ``id``)."""

from __future__ import annotations

from typing import Any, ClassVar

from audits.context import RuleContext, noindex_sql
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
        # Plain replacement, not str.format: SQL text may hold literal braces.
        for name in self.options:
            template = template.replace("{" + name + "}", str(self.opt(name)))
        return template

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        return f"""
            SELECT url, {self.sql(self.message)} AS message, {self.sql(self.evidence)} AS evidence,
                   {self.sql(self.key)} AS key
            FROM html_pages WHERE {self.sql(self.condition)}
        """


# Over an html_pages row: the page asks to be indexed under its own URL.
INDEXABLE = f"(NOT {noindex_sql()} AND (canonical IS NULL OR url_key(canonical) = url_key(url)))"


class DuplicateValueRule(Rule):
    """Flags indexable pages of one locale (``lang``) sharing a normalized value.

    ``value`` is SQL over an ``html_pages`` row; empty values are left to the
    missing/empty rules. One finding per page; ``related_url`` is another page with
    the value, and the fingerprint key is the value (stable when more copies appear).
    """

    value: ClassVar[str]
    what: ClassVar[str]
    scope = "site"

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        return f"""
            WITH v AS (
                SELECT url, lower(coalesce(lang, '')) AS locale,
                       lower(regexp_replace(trim({self.value}), '\\s+', ' ', 'g')) AS value
                FROM html_pages WHERE {INDEXABLE}
            ), repeated AS (  -- a 64-bit hash keeps the big aggregation off the long strings
                SELECT hash(locale, value) AS h FROM v WHERE value <> ''
                GROUP BY h HAVING count(*) > 1
            ), d AS (
                SELECT locale, value, count(*) AS n, min(url) AS first_url, max(url) AS last_url
                FROM v WHERE hash(locale, value) IN (SELECT h FROM repeated)
                GROUP BY locale, value HAVING count(*) > 1
            )
            SELECT v.url,
                   'The same {self.what} is on ' || d.n || ' pages of locale "' || d.locale || '"' AS message,
                   d.value AS evidence,
                   CASE WHEN v.url = d.first_url THEN d.last_url ELSE d.first_url END AS related_url,
                   d.locale || ' ' || d.value AS key
            FROM v JOIN d ON d.locale = v.locale AND d.value = v.value
        """


class TextWidthRule(HtmlPageRule):
    """Like :class:`HtmlPageRule`, with the row's ``text_widths`` (``w``) joined: ``title_em``,
    ``description_em`` (times ``{font_px}`` gives pixels)."""

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages", "text_widths")
        return f"""
            SELECT p.url, {self.sql(self.message)} AS message, {self.sql(self.evidence)} AS evidence
            FROM html_pages p JOIN text_widths w ON w.url = p.url
            WHERE {self.sql(self.condition)}
        """
