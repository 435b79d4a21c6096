from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.structured_data._sql import has


class RatingCountMissing(Rule):
    """An AggregateRating lacks ratingValue, or has neither ratingCount nor reviewCount.

    Why: Google requires ratingValue and at least one of ratingCount / reviewCount to
    show review stars; otherwise the rating is invalid and the snippet is dropped.
    Anti-pattern: {"@type": "AggregateRating", "ratingValue": "4.5"} alone.
    Fix: publish the number of ratings (ratingCount) or reviews (reviewCount) with the value.
    Source: https://developers.google.com/search/docs/appearance/structured-data/review-snippet#aggregate-rating
    """

    id = "SEO-SCHEMA-009"
    slug = "rating-count-missing"
    family = "structured_data"
    severity = "error"
    fields = ("structured_data",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        return f"""
            SELECT url,
                   CASE WHEN NOT {has("ratingValue")} THEN 'The AggregateRating has no ratingValue'
                        ELSE 'The AggregateRating has neither ratingCount nor reviewCount' END AS message,
                   node::VARCHAR AS evidence, path AS key
            FROM sd_nodes
            WHERE type = 'AggregateRating'
              AND (NOT {has("ratingValue")} OR NOT ({has("ratingCount")} OR {has("reviewCount")}))
        """
