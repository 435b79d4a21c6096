from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules._base import sql_text


class SitemapStructureInvalid(Rule):
    """A sitemap file departs from the sitemaps.org protocol's structure.

    Why: search engines read sitemaps with the protocol's schema in mind; a wrong or
    missing namespace, a <url> without <loc>, a <loc> holding markup or a relative URL,
    elements out of place or XML that is not well formed make entries (or the whole file)
    unreadable, so the URLs they list are not submitted at all. searchops reads what it
    can and records each departure.
    Anti-pattern: xmlns="http://www.google.com/schemas/sitemap/0.84" (the pre-2006
    namespace); <loc>/fr/p/tente</loc>; <loc>https://www.example.ca/<span>tente</span></loc>;
    <url> entries inside a <sitemapindex>; a product name with a bare "&" that breaks the XML.
    Fix: generate sitemaps with an XML library against the sitemaps.org schema: the 0.9
    namespace, one absolute, entity-escaped <loc> per <url>, only <sitemap> in an index.
    Source: sitemaps.org, "Sitemaps XML format" (protocol 0.9, last updated 2016-11-21)
    https://www.sitemaps.org/protocol.html and Google Search Central, "Build and submit a
    sitemap" (read 2026-12) https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap
    """

    id = "SEO-SITEMAP-007"
    slug = "sitemap-structure-invalid"
    family = "sitemaps"
    severity = "error"
    scope = "site"
    needs = ("sitemaps",)
    fields = ("sitemaps.namespace", "sitemaps.structure_issues", "sitemaps.kind")
    options = ("namespace",)

    def check(self, ctx: RuleContext) -> str:
        namespace = sql_text(self.opt("namespace"))
        return f"""
            SELECT sitemap AS url,
                   CASE WHEN namespace IS DISTINCT FROM {namespace}
                        THEN 'The sitemap''s namespace is ' || coalesce('"' || namespace || '"', 'missing')
                             || ', not ' || {namespace}
                             || CASE WHEN len(issues) > 0 THEN '; and ' || len(issues) || ' structure issue(s)' ELSE '' END
                        ELSE len(issues) || ' structure issue(s) against the sitemaps.org protocol'
                   END AS message,
                   coalesce(issues[1], 'xmlns="' || coalesce(namespace, '') || '"') AS evidence
            FROM (
                SELECT sitemap, namespace, coalesce(structure_issues, []) AS issues FROM sitemaps
                WHERE kind IN ('urlset', 'index')
            )
            WHERE namespace IS DISTINCT FROM {namespace} OR len(issues) > 0
        """
