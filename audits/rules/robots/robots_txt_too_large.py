from __future__ import annotations

from typing import Any

from audits.context import RuleContext
from audits.rule import Rule


class RobotsTxtTooLarge(Rule):
    """robots.txt is larger than Google reads (500 KiB): rules after the limit are ignored.

    Why: Google enforces a 500 KiB robots.txt size limit and ignores the content after it,
    so rules near the end of a longer file do not apply (the crawler read the same prefix).
    Anti-pattern: one Disallow line per URL generated from a database; thousands of
    parameter combinations listed one by one.
    Fix: consolidate rules with path prefixes and "*" wildcards, or move the content you
    want excluded into its own directory, until the file is under the limit.
    Source: Google Search Central, "How Google interprets the robots.txt specification" (read 2026-12)
    https://developers.google.com/search/docs/crawling-indexing/robots/robots_txt#file-format
    """

    id = "SEO-ROBOTS-003"
    slug = "robots-txt-too-large"
    family = "robots"
    severity = "error"
    scope = "site"
    needs = ("robots",)
    fields = ("robots.size", "robots.bytes", "robots.truncated")
    options = ("max_bytes",)

    @classmethod
    def inherited_options(cls, settings: Any) -> dict[str, Any]:
        return {"max_bytes": settings.crawl.robots_max_bytes}

    def check(self, ctx: RuleContext) -> str:
        limit = int(self.opt("max_bytes"))
        return f"""
            SELECT robots_url AS url,
                   'robots.txt is ' || coalesce(size, bytes)::VARCHAR || ' bytes; only the first '
                       || {limit} || ' are read, the rules after them are ignored' AS message,
                   coalesce(size, bytes)::VARCHAR || ' bytes' AS evidence
            FROM robots
            WHERE outcome = 'rules' AND (truncated OR coalesce(size, bytes, 0) > {limit})
        """
