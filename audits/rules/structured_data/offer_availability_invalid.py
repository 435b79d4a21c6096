from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.structured_data._sql import OFFERS

# schema.org/ItemAvailability members (https://schema.org/ItemAvailability).
AVAILABILITY = (
    "BackOrder", "Discontinued", "InStock", "InStoreOnly", "LimitedAvailability", "MadeToOrder",
    "OnlineOnly", "OutOfStock", "PreOrder", "PreSale", "Reserved", "SoldOut",
)  # fmt: skip


class OfferAvailabilityInvalid(Rule):
    """An Offer's availability is not a schema.org ItemAvailability value.

    Why: Google reads availability only from the ItemAvailability enumeration; free
    text ("in stock", "available") is ignored and the listing shows no stock state.
    Anti-pattern: "availability": "in stock" or "Available".
    Fix: use https://schema.org/InStock, OutOfStock, PreOrder, BackOrder, ...
    Source: https://developers.google.com/search/docs/appearance/structured-data/merchant-listing#offer-details
    """

    id = "SEO-SCHEMA-007"
    slug = "offer-availability-invalid"
    family = "structured_data"
    severity = "warning"
    fields = ("structured_data",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        allowed = ", ".join(f"'{value}'" for value in AVAILABILITY)
        return f"""
            WITH offers AS ({OFFERS})
            SELECT url, 'availability "' || availability || '" is not a schema.org ItemAvailability value' AS message,
                   availability AS evidence, path AS key
            FROM offers
            WHERE availability IS NOT NULL
              AND regexp_replace(trim(availability), '^(https?://)?(www\\.)?schema\\.org/', '') NOT IN ({allowed})
        """
