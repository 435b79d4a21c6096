from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.structured_data._sql import ENTITY, listed


class ProductSnippetIneligible(Rule):
    """A Product has none of review, aggregateRating or offers (product snippets need one).

    Why: product snippets (stars, price, availability under the result) require a
    name plus at least one of review, aggregateRating or offers.
    Anti-pattern: Product markup describing only name, brand and description.
    Fix: add offers (price), or real review / aggregateRating data.
    Source: https://developers.google.com/search/docs/appearance/structured-data/product-snippet#product-reviews
    """

    id = "SEO-SCHEMA-008"
    slug = "product-snippet-ineligible"
    family = "structured_data"
    severity = "warning"
    fields = ("structured_data",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        return f"""
            SELECT url, 'The Product has no review, aggregateRating or offers' AS message,
                   array_to_string(props, ', ') AS evidence, path AS key
            FROM sd_nodes
            WHERE type IN ('Product', 'ProductGroup', 'IndividualProduct') AND {ENTITY}
              AND NOT ({listed("review")} OR {listed("aggregateRating")} OR {listed("offers")})
        """
