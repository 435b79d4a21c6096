from __future__ import annotations

from audits.context import RuleContext
from audits.rules.ai_search._pages import CommercePageRule

# nosnippet or max-snippet:0 in a robots meta tag (robots / googlebot) or X-Robots-Tag.
_BLOCKS = r"'(^|[^a-z-])(nosnippet|max-snippet\s*:\s*0)([^0-9a-z]|$)'"


class SnippetBlockedOnCommercePage(CommercePageRule):
    """A product or category page forbids snippets (nosnippet or max-snippet:0).

    Why: nosnippet and max-snippet:0 keep the page's text out of Google's result snippets
    and out of AI Overviews and AI Mode, which use the same snippet controls; Bing's
    Copilot answers honour them too. On a product or category page that is visibility
    the retailer pays to get everywhere else.
    Anti-pattern: <meta name="robots" content="max-snippet:0"> (or "X-Robots-Tag:
    nosnippet") left on catalog templates to hide prices from snippets.
    Fix: remove nosnippet / max-snippet:0 from product and category pages; to hide one
    passage, wrap it in data-nosnippet, and keep prices and descriptions visible.
    Source: (2025) https://developers.google.com/search/docs/appearance/ai-features (snippet
    controls apply to AI Overviews and AI Mode) and
    https://developers.google.com/search/docs/crawling-indexing/robots-meta-tag
    """

    id = "SEO-AI-001"
    slug = "snippet-blocked-on-commerce-page"
    family = "ai_search"
    severity = "warning"
    fields = ("meta_robots", "x_robots_tag", "product_markup")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        return f"""
            SELECT url,
                   'A product or category page forbids snippets: it is kept out of search '
                       || 'snippets and AI answers' AS message,
                   concat_ws(' ; ', 'meta robots: ' || meta_robots,
                             'X-Robots-Tag: ' || x_robots_tag) AS evidence
            FROM html_pages
            WHERE (regexp_matches(coalesce(meta_robots, ''), {_BLOCKS})
                   OR regexp_matches(lower(coalesce(x_robots_tag, '')), {_BLOCKS}))
              AND {self.commerce_page()}
        """
