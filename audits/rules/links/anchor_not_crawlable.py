from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class AnchorNotCrawlable(Rule):
    """Links a crawler cannot follow: <a> without href, javascript: href, onclick navigation.

    Why: Google follows a link only when it is an <a> element with an href that holds a
    URL; it does not run onclick handlers or javascript: URLs to find pages, so what
    such "links" lead to is discovered late or never. Lighthouse's crawlable-anchors
    audit fails them (an <a> without href is allowed as a placeholder: with a role, a
    name or an id, or aria-current="page" without the attributes that need an href).
    Anti-pattern: <a onclick="goto('/fr/p/tente')">Tente</a>, <a href="javascript:void(0)"
    onclick="openCategory(12)">, <a href="#" onclick="location='/tents'">.
    Fix: put the destination in href (<a href="/fr/p/tente">) and keep the script as an
    enhancement; use <button> for actions that go nowhere.
    Source: Lighthouse crawlable-anchors audit (Lighthouse 13, 2025; read 2026-12)
    https://developer.chrome.com/docs/lighthouse/seo/crawlable-anchors and Google Search
    Central, "Link best practices for Google", make your links crawlable (read 2026-12)
    https://developers.google.com/search/docs/crawling-indexing/links-crawlable#crawlable-links
    """

    id = "SEO-LINKS-014"
    slug = "anchor-not-crawlable"
    family = "links"
    severity = "warning"
    fields = ("non_link_anchors",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        # Lighthouse's placeholder exceptions, in its order: a role; an empty href with an
        # id (an in-page target); file: always fails; a name; no href and none of the
        # href-only attributes with aria-current page|location. javascript: fails whatever
        # follows it (Google's links-crawlable page), not only javascript:void(0).
        return r"""
            WITH a AS (
                SELECT url, unnest(non_link_anchors) AS x FROM html_pages
                WHERE len(coalesce(non_link_anchors, [])) > 0
            ), judged AS (
                SELECT url, x,
                       lower(regexp_replace(coalesce(x.href, ''), '\s', '', 'g')) AS href
                FROM a
            ), failing AS (
                SELECT url, x,
                       CASE WHEN x.href IS NULL AND coalesce(x.onclick, false) THEN 'onclick'
                            WHEN x.href IS NULL THEN 'no-href'
                            WHEN starts_with(href, 'javascript:') THEN 'javascript'
                            WHEN starts_with(href, '#') THEN 'onclick'
                            WHEN starts_with(href, 'file:') THEN 'file'
                            ELSE 'unparsable' END AS problem
                FROM judged
                WHERE trim(coalesce(x.role, '')) = ''
                  AND NOT (href = '' AND coalesce(x.id, '') <> '')
                  AND (starts_with(href, 'file:') OR (
                      trim(coalesce(x.name, '')) = ''
                      AND NOT (x.href IS NULL AND NOT coalesce(x.href_attributes, false)
                               AND coalesce(x.aria_current, '') IN ('page', 'location'))))
            )
            SELECT url,
                   n || ' link(s) a crawler cannot follow (' ||
                   CASE problem WHEN 'onclick' THEN 'navigation by onclick'
                                WHEN 'no-href' THEN '<a> without href'
                                WHEN 'javascript' THEN 'javascript: href'
                                WHEN 'file' THEN 'file: href'
                                ELSE 'href that is not a URL' END || ')' AS message,
                   '<a' || CASE WHEN e.href IS NOT NULL THEN ' href="' || e.href || '"' ELSE '' END
                       || CASE WHEN coalesce(e.onclick, false) THEN ' onclick' ELSE '' END || '>'
                       || coalesce(e.text, '') || '</a>' AS evidence,
                   problem AS key
            FROM (
                SELECT url, problem, count(*) AS n,
                       min_by(x, coalesce(x.href, '') || coalesce(x.text, '')) AS e
                FROM failing GROUP BY url, problem
            )
        """
