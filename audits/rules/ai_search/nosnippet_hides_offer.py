from __future__ import annotations

from audits.context import RuleContext
from audits.rules.ai_search._pages import CommercePageRule


class NosnippetHidesOffer(CommercePageRule):
    """data-nosnippet hides the price, availability or description of a product page.

    Why: text inside a data-nosnippet element is never shown in Google's snippets or used
    in AI Overviews and AI Mode; a price or description wrapped in it is exactly what
    shoppers and answer engines quote. (Elements other than those are left alone.)
    Anti-pattern: <div data-nosnippet><span class="price">$199</span> ...</div> added to
    stop stale prices in snippets.
    Fix: keep data-nosnippet for boilerplate (legal text, reviews you do not want quoted);
    keep the price current in the page and in Product structured data instead.
    Source: (2025) https://developers.google.com/search/docs/crawling-indexing/robots-meta-tag#data-nosnippet-attr
    and https://developers.google.com/search/docs/appearance/ai-features
    """

    id = "SEO-AI-002"
    slug = "nosnippet-hides-offer"
    family = "ai_search"
    severity = "warning"
    fields = ("data_nosnippet", "product_markup")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        return f"""
            SELECT url, message, evidence FROM (
                SELECT url,
                       list_filter(data_nosnippet,
                                   lambda k: k IN ('price', 'availability', 'description')) AS hidden,
                       'data-nosnippet hides the ' || array_to_string(hidden, ', ')
                           || ' from snippets and AI answers' AS message,
                       array_to_string(hidden, ', ') AS evidence
                FROM html_pages WHERE {self.commerce_page()}
            ) WHERE len(hidden) > 0
        """
