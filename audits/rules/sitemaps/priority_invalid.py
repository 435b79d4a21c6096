from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class PriorityInvalid(Rule):
    """A sitemap <priority> is not a number from 0.0 to 1.0.

    Why: the protocol defines priority as a decimal between 0.0 and 1.0; "high", "1.5" or
    "80%" fail the sitemaps.org schema. (Google ignores priority, so the cost is the
    file's validity for the engines that read it: a warning.)
    Anti-pattern: <priority>1.5</priority>, <priority>high</priority>, <priority>0,8</priority>
    (a French decimal comma from a localized number formatter).
    Fix: write a decimal from 0.0 to 1.0 with a dot, or drop the element.
    Source: sitemaps.org, "Sitemaps XML format" (protocol 0.9, last updated 2016-11-21)
    https://www.sitemaps.org/protocol.html#prioritydef
    """

    id = "SEO-SITEMAP-009"
    slug = "sitemap-priority-invalid"
    family = "sitemaps"
    severity = "warning"
    scope = "site"
    needs = ("sitemap_urls",)
    fields = ("sitemap_urls.priority", "sitemap_urls.loc", "sitemap_urls.sitemap")

    def check(self, ctx: RuleContext) -> str:
        return r"""
            SELECT loc AS url, 'Invalid <priority> "' || priority || '" in ' || sitemap AS message,
                   priority AS evidence, sitemap AS related_url
            FROM sitemap_urls
            WHERE priority IS NOT NULL AND (
                NOT regexp_matches(trim(priority), '^[0-9]*\.?[0-9]+$|^[0-9]+\.$')
                OR TRY_CAST(trim(priority) AS DOUBLE) NOT BETWEEN 0 AND 1
            )
        """
