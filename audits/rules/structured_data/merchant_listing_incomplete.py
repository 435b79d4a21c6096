from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.structured_data._sql import ENTITY, listed


class MerchantListingIncomplete(Rule):
    """A Product lacks a property Google requires for merchant listings (name, image, offers).

    Why: merchant listing experiences (shopping knowledge panel, popular products)
    need the product's name, an image and an Offer; without them the page is ineligible.
    Anti-pattern: Product markup with name only, or images loaded only by JavaScript.
    Fix: give every product page's Product a name, at least one image URL and offers.
    Source: https://developers.google.com/search/docs/appearance/structured-data/merchant-listing#required-properties
    """

    id = "SEO-SCHEMA-004"
    slug = "merchant-listing-incomplete"
    family = "structured_data"
    severity = "warning"
    fields = ("structured_data",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        missing = " || ".join(
            f"CASE WHEN NOT {listed(p)} THEN '{p} ' ELSE '' END"
            for p in ("name", "image", "offers")
        )
        return f"""
            SELECT url, 'The Product lacks ' || trim({missing}) || ' (merchant listings)' AS message,
                   trim({missing}) AS evidence, path AS key
            FROM sd_nodes
            WHERE type IN ('Product', 'ProductGroup', 'IndividualProduct') AND {ENTITY}
              AND trim({missing}) <> ''
        """
