"""Shared shape of the rules judging the pages hreflang annotations point to."""

from __future__ import annotations

from typing import ClassVar

from audits.context import RuleContext, hreflang_strings
from audits.rule import Rule


class HreflangTargetRule(Rule):
    """Annotations whose target (in ``page_facts`` ``t``) matches ``condition``.

    Self-references are left out: the page's own state is judged by its own rules.
    """

    condition: ClassVar[str]
    what: ClassVar[str]
    fields = ("hreflang",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("hreflang_edges", "page_facts")
        # The annotations meeting the condition, found on the 64-bit URL-key hashes (the
        # few targets meeting it are the hash table; the annotations probe it), with
        # their targets' facts, in a table; then the strings of those documents only,
        # the URL keys re-tested on them (a hash collision cannot add a finding).
        ctx.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _scratch_targets AS
            SELECT DISTINCT e.doc_id, e.href_id, t.*
            FROM hreflang_edges e JOIN page_facts t ON t.url_id = e.href_id
            WHERE e.href_id <> e.page_id AND {self.condition}
            """
        )
        return f"""
            SELECT DISTINCT e.url, 'The hreflang="' || e.lang || '" alternate ' || {self.what} AS message,
                   e.href || ' (' || coalesce(t.status::VARCHAR, t.fetch_state, '?') || ')' AS evidence,
                   e.href AS related_url
            FROM {hreflang_strings(ctx, "SELECT doc_id FROM _scratch_targets")} e
            JOIN _scratch_targets t
                ON t.doc_id = e.doc_id AND t.href_id = e.href_id AND t.url_key = url_key(e.href)
            WHERE e.href_id <> e.page_id
        """
