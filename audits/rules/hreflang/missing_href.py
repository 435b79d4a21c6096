from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class HreflangMissingHref(Rule):
    """An hreflang annotation has no href: it names a language but no URL.

    Why: an alternate without a URL annotates nothing, so the language version it was
    meant to name is missing from the set (and the others lack their return link).
    Lighthouse's hreflang audit fails such a link; Google needs a fully-qualified URL in
    every annotation, whether it is an HTML <link>, an HTTP Link header or a sitemap entry.
    Anti-pattern: <link rel="alternate" hreflang="es"> printed by a template whose URL
    variable was empty; <xhtml:link rel="alternate" hreflang="fr-CA"/> without href.
    Fix: give every annotation the absolute URL of its language version, or drop it.
    Source: Lighthouse hreflang audit (Lighthouse 12.8, 2025; read 2026-12)
    https://developer.chrome.com/docs/lighthouse/seo/hreflang and Google Search Central,
    localized versions (read 2026-12)
    https://developers.google.com/search/docs/specialty/international/localized-versions#html
    """

    id = "SEO-HREFLANG-016"
    slug = "hreflang-missing-href"
    family = "hreflang"
    severity = "error"
    fields = ("hreflang",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("hreflang_documents")
        return """
            SELECT url, 'An hreflang annotation (' || h.source || ') has no href' AS message,
                   'hreflang="' || coalesce(h.lang, '') || '"' AS evidence,
                   h.source || ' ' || coalesce(h.lang, '') AS key
            FROM (SELECT url, unnest(hreflang) AS h FROM hreflang_documents WHERE len(hreflang) > 0)
            WHERE h.href IS NULL AND h.source <> 'body'
            GROUP BY ALL
        """
