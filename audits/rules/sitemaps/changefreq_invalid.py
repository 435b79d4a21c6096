from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class ChangefreqInvalid(Rule):
    """A sitemap <changefreq> is not one of the protocol's values.

    Why: the protocol allows exactly always, hourly, daily, weekly, monthly, yearly and
    never; anything else fails the sitemaps.org schema, and a generator that writes it
    likely writes other fields wrong too. (Google ignores changefreq altogether, so the
    cost is the file's validity, not crawling: a warning.)
    Anti-pattern: <changefreq>Daily</changefreq>, <changefreq>1d</changefreq>,
    <changefreq>quotidien</changefreq> (translated by a localized template).
    Fix: write one of the seven values in lowercase, or drop the element.
    Source: sitemaps.org, "Sitemaps XML format" (protocol 0.9, last updated 2016-11-21)
    https://www.sitemaps.org/protocol.html#changefreqdef
    """

    id = "SEO-SITEMAP-008"
    slug = "sitemap-changefreq-invalid"
    family = "sitemaps"
    severity = "warning"
    scope = "site"
    needs = ("sitemap_urls",)
    fields = ("sitemap_urls.changefreq", "sitemap_urls.loc", "sitemap_urls.sitemap")

    def check(self, ctx: RuleContext) -> str:
        # The schema's enumeration is lowercase; surrounding whitespace is tolerated (the
        # parser records the trimmed text), case is not.
        return """
            SELECT loc AS url, 'Invalid <changefreq> "' || changefreq || '" in ' || sitemap AS message,
                   changefreq AS evidence, sitemap AS related_url
            FROM sitemap_urls
            WHERE changefreq IS NOT NULL
              AND trim(changefreq) NOT IN ('always', 'hourly', 'daily', 'weekly', 'monthly', 'yearly', 'never')
        """
