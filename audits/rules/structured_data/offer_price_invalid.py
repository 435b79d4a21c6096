from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.structured_data._sql import OFFERS


class OfferPriceInvalid(Rule):
    """A product's Offer has no price, or a price that is not a number above zero.

    Why: Google requires a price greater than zero for merchant listings and product
    snippets with offers; "0" or "call us" makes the offer ineligible (and looks free).
    Anti-pattern: "price": "0.00" for out-of-stock items; "price on request"; no price.
    Fix: give the current selling price as a number (e.g. "129.99"); for items without a
    price, omit the Offer instead of faking one.
    Source: https://developers.google.com/search/docs/appearance/structured-data/merchant-listing#offer-details
    """

    id = "SEO-SCHEMA-005"
    slug = "offer-price-invalid"
    family = "structured_data"
    severity = "error"
    fields = ("structured_data",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        return f"""
            WITH offers AS ({OFFERS})
            SELECT url,
                   CASE WHEN price IS NULL THEN 'The ' || type || ' has no price'
                        ELSE 'The ' || type || ' price "' || price || '" is not a number above zero' END AS message,
                   coalesce(price, '(none)') AS evidence, path AS key
            FROM offers
            WHERE price IS NULL OR coalesce(TRY_CAST(trim(price) AS DOUBLE), 0) <= 0
        """
