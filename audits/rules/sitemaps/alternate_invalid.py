from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class SitemapAlternateInvalid(Rule):
    """A sitemap xhtml:link alternate lacks its hreflang or href, or its href is not absolute.

    Why: in a sitemap, each <url> lists its language versions as <xhtml:link
    rel="alternate" hreflang="..." href="..."/>; Google needs both attributes and a
    fully-qualified URL. An entry without them annotates nothing, so the set loses a
    language (and its return links). These entries are not passed on to the pages'
    hreflang (the hreflang rules judge the rest: codes, return links, x-default).
    Anti-pattern: <xhtml:link rel="alternate" hreflang="fr-CA"/> (the URL variable was
    empty), <xhtml:link rel="alternate" href="https://www.example.ca/fr/"/>,
    href="/fr/tente".
    Fix: give every alternate an hreflang code and the absolute URL of that version.
    Source: Google Search Central, "Tell Google about localized versions of your page",
    sitemap method (read 2026-12)
    https://developers.google.com/search/docs/specialty/international/localized-versions#sitemap
    """

    id = "SEO-SITEMAP-010"
    slug = "sitemap-alternate-invalid"
    family = "sitemaps"
    severity = "error"
    scope = "site"
    needs = ("sitemap_urls",)
    fields = ("sitemap_urls.alternates", "sitemap_urls.loc", "sitemap_urls.sitemap")

    def check(self, ctx: RuleContext) -> str:
        return """
            SELECT loc AS url,
                   'An xhtml:link alternate in ' || sitemap || ' ' ||
                   CASE WHEN a.href IS NULL OR trim(a.href) = '' THEN 'has no href'
                        WHEN a.lang IS NULL OR trim(a.lang) = '' THEN 'has no hreflang'
                        ELSE 'has an href that is not absolute' END AS message,
                   '<xhtml:link rel="alternate"' || coalesce(' hreflang="' || a.lang || '"', '')
                       || coalesce(' href="' || a.href || '"', '') || '/>' AS evidence,
                   sitemap AS related_url,
                   coalesce(a.lang, '') || ' ' || coalesce(a.href, '') AS key
            FROM (SELECT sitemap, loc, unnest(alternates) AS a FROM sitemap_urls WHERE len(alternates) > 0)
            WHERE a.href IS NULL OR trim(a.href) = '' OR a.lang IS NULL OR trim(a.lang) = ''
               OR NOT regexp_matches(a.href, '^https?://[^/]+')
            GROUP BY ALL
        """
