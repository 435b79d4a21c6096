from __future__ import annotations

from audits.context import RuleContext
from audits.rules.ai_search._pages import CommercePageRule

# The raw HTML's facts: the raw_* columns of a rendered page, the row itself otherwise.
_RAW = "CASE WHEN coalesce(rendered, false) AND raw_h1 IS NOT NULL THEN raw_{0} ELSE {0} END"
_FACTS = ("price", "availability", "description")


class OfferMissingFromRawHtml(CommercePageRule):
    """A product page's price, availability or description is not in the raw HTML.

    Why: AI crawlers (GPTBot, OAI-SearchBot, ClaudeBot, PerplexityBot and others) fetch
    the HTML and run no JavaScript; a price, stock status or description that a script
    loads is invisible to them, so AI answers quote a product without its price or not at
    all. Google sees it only after rendering, later.
    Anti-pattern: the product page ships a shell and loads price, stock and description
    from an API in the browser.
    Fix: put the price, availability and description in the server HTML: visible text
    and Product/Offer structured data (JSON-LD in the raw HTML).
    Source: (2024-12) https://vercel.com/blog/the-rise-of-the-ai-crawler (none of the major
    AI crawlers renders JavaScript) and (2025-12-18)
    https://developers.google.com/search/docs/crawling-indexing/javascript/javascript-seo-basics
    """

    id = "SEO-AI-003"
    slug = "offer-missing-from-raw-html"
    family = "ai_search"
    severity = "warning"
    fields = (
        "rendered", "raw_h1", "product_markup", "price_shown", "availability_shown",
        "description_shown", "raw_product_markup", "raw_price_shown", "raw_availability_shown",
        "raw_description_shown",
    )  # fmt: skip

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        raw = {fact: _RAW.format(f"{fact}_shown") for fact in _FACTS}
        missing = (
            "concat_ws(', ', "
            + ", ".join(
                f"CASE WHEN NOT coalesce({sql}, false) THEN '{fact}' END"
                for fact, sql in raw.items()
            )
            + ")"
        )
        markup = "(coalesce(product_markup, false) OR coalesce(raw_product_markup, false))"
        return f"""
            SELECT url, message, evidence FROM (
                SELECT url, {missing} AS gone,
                       'The raw HTML (what AI crawlers read) has no ' || gone
                           || ' on this product page' AS message,
                       gone AS evidence
                FROM html_pages WHERE {self.commerce_page(markup)}
            ) WHERE gone <> ''
        """
