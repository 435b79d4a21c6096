from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule

# W3C Datetime profile of ISO 8601 (https://www.w3.org/TR/NOTE-datetime): YYYY, YYYY-MM,
# YYYY-MM-DD, or a date with hh:mm[:ss[.s]] and a time zone (Z or +hh:mm).
W3C_DATETIME = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2}))?)?)?$"


class LastmodInvalid(Rule):
    """A sitemap <lastmod> is not a valid W3C Datetime.

    Why: Google uses lastmod only when it is consistently accurate and well formed;
    invalid values are ignored, or make the whole file's dates untrustworthy.
    Anti-pattern: "22/11/2026", "yesterday", a date with a time but no time zone, 2026-13-45.
    Fix: write W3C Datetime (2026-11-22 or 2026-11-22T07:30:00+00:00), the page's real
    last significant change.
    Source: https://www.sitemaps.org/protocol.html#lastmoddef
    """

    id = "SEO-SITEMAP-005"
    slug = "sitemap-lastmod-invalid"
    family = "sitemaps"
    severity = "warning"
    scope = "site"
    needs = ("sitemap_urls",)
    fields = ("sitemap_urls.lastmod", "sitemap_urls.loc", "sitemap_urls.sitemap")

    def check(self, ctx: RuleContext) -> str:
        date_part = "rpad(substr(trim(lastmod), 1, 10), 10, '-01')"
        return f"""
            SELECT loc AS url, 'Invalid <lastmod> "' || lastmod || '" in ' || sitemap AS message,
                   lastmod AS evidence, sitemap AS related_url
            FROM sitemap_urls
            WHERE lastmod IS NOT NULL AND (
                NOT regexp_matches(trim(lastmod), '{W3C_DATETIME}')
                OR TRY_CAST(CASE length(trim(lastmod)) WHEN 4 THEN trim(lastmod) || '-01-01'
                                 WHEN 7 THEN trim(lastmod) || '-01' ELSE {date_part} END AS DATE) IS NULL
            )
        """
