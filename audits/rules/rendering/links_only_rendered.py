from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.rendering._raw import RENDERED_WITH_RAW


class LinksOnlyRendered(Rule):
    """Internal links that exist only after JavaScript runs (not in the raw HTML's <a href>).

    Why: Google extracts links from the raw HTML when it crawls and from the rendered HTML
    only after rendering, which may come late; crawlers that run no JavaScript (AI
    crawlers, other engines) never find pages linked only by scripts. Product and
    category pages reached only through such links are discovered late or never.
    Anti-pattern: a category page whose product grid, pagination or "related products"
    links are injected by a client-side widget after load.
    Fix: put the links in the server HTML as <a href> elements (server-side rendering,
    or at least the first page of the grid and the pagination links).
    Source: (2025-12-18) https://developers.google.com/search/docs/crawling-indexing/javascript/javascript-seo-basics
    and https://developers.google.com/search/docs/crawling-indexing/links-crawlable
    """

    id = "SEO-RENDER-004"
    slug = "links-only-rendered"
    family = "rendering"
    severity = "warning"
    needs = ("pages", "links")
    fields = ("rendered", "raw_h1", "raw_links", "links.internal")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        return f"""
            WITH rendered AS (
                SELECT url, raw_links FROM html_pages WHERE {RENDERED_WITH_RAW}
            ), added AS (
                SELECT DISTINCT r.url, l.target
                FROM rendered r JOIN links l ON l.source = r.url
                WHERE l.kind = 'a' AND l.internal
                  AND NOT list_contains(coalesce(r.raw_links, []), l.target)
            )
            SELECT url,
                   count(*) || ' internal link(s) exist only after JavaScript runs, e.g. '
                       || min(target) AS message,
                   min(target) AS evidence
            FROM added GROUP BY url
        """
