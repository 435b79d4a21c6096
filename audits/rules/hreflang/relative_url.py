from __future__ import annotations

from audits.context import ABSOLUTE_URL, RuleContext, hreflang_strings
from audits.rule import Rule


class HreflangRelativeUrl(Rule):
    """An hreflang href is not a fully-qualified URL.

    Why: Google requires absolute URLs (scheme and host) in hreflang annotations;
    relative ones are ignored.
    Anti-pattern: <link rel="alternate" hreflang="fr-CA" href="/fr-ca/tente">.
    Fix: write https://www.example.ca/fr-ca/tente.
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#html
    """

    id = "SEO-HREFLANG-009"
    slug = "hreflang-relative-url"
    family = "hreflang"
    severity = "error"
    fields = ("hreflang",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("hreflang_edges")
        documents = "SELECT DISTINCT doc_id FROM hreflang_edges WHERE NOT written_absolute"
        return f"""
            SELECT DISTINCT url, 'The hreflang="' || lang || '" href is not absolute: ' || coalesce(written, '(empty)') AS message,
                   coalesce(written, '') AS evidence, lang || ' ' || coalesce(written, '') AS key
            FROM {hreflang_strings(ctx, documents)}
            WHERE NOT regexp_matches(coalesce(written, ''), {ABSOLUTE_URL})
        """
