from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules._base import sql_text


class MemberPriceInvalid(Rule):
    """A price specification's member price or price type is not one Google reads.

    Why: Google shows member (loyalty) prices from a UnitPriceSpecification whose
    validForMemberTier names a tier of the merchant's MemberProgram (by its @id), and
    reads priceType StrikethroughPrice (the "was" price) and SalePrice; member pricing is
    available in Canada since June 2025. A member price marked as a strikethrough price, a
    tier given by name only or another priceType (ListPrice, "Regular") is not shown, or
    shows the wrong price as the reference.
    Anti-pattern: {"@type": "UnitPriceSpecification", "price": 89.99, "validForMemberTier":
    "Gold"}; "priceType": "https://schema.org/ListPrice"; validForMemberTier together with
    priceType StrikethroughPrice.
    Fix: refer to the tier by @id ({"@id": "https://www.example.ca/#tier-gold"}), mark the
    regular reference price as StrikethroughPrice, keep member prices unmarked or SalePrice.
    Source: Google Search Central, loyalty program / member pricing (June 2025, read
    2026-12) https://developers.google.com/search/docs/appearance/structured-data/loyalty-program
    and merchant listing pricing (read 2026-12)
    https://developers.google.com/search/docs/appearance/structured-data/merchant-listing#sale-pricing-example
    """

    id = "SEO-SCHEMA-015"
    slug = "member-price-invalid"
    family = "structured_data"
    severity = "warning"
    fields = ("structured_data",)
    options = ("price_types",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        allowed = ", ".join(sql_text(t) for t in self.opt("price_types"))
        price_type = (
            "regexp_replace(coalesce(node->>'priceType', ''), '^https?://schema\\.org/', '')"
        )
        tier = "(node->'validForMemberTier')"
        tier_ref = (
            f"CASE json_type({tier}) WHEN 'OBJECT' THEN coalesce({tier}->>'@id', '') "
            f"WHEN 'ARRAY' THEN coalesce({tier}->0->>'@id', {tier}->>0, '') "
            f"ELSE CASE WHEN regexp_matches({tier}->>'$', '^(https?:|#|_:)') THEN {tier}->>'$' ELSE '' END END"
        )
        return f"""
            SELECT url, problem AS message, evidence, path || ' ' || kind AS key
            FROM (
                SELECT url, path, 'price-type' AS kind,
                       'priceType "' || {price_type} || '" is not one Google reads ({", ".join(self.opt("price_types"))})' AS problem,
                       node->>'priceType' AS evidence
                FROM sd_nodes
                WHERE type IN ('UnitPriceSpecification', 'PriceSpecification')
                  AND {price_type} <> '' AND {price_type} NOT IN ({allowed})
                UNION ALL
                SELECT url, path, 'strikethrough',
                       'A member price (validForMemberTier) is marked as the strikethrough price',
                       'validForMemberTier with priceType ' || {price_type}
                FROM sd_nodes
                WHERE type IN ('UnitPriceSpecification', 'PriceSpecification')
                  AND {tier} IS NOT NULL AND {price_type} = 'StrikethroughPrice'
                UNION ALL
                SELECT url, path, 'tier',
                       'validForMemberTier does not refer to a MemberProgramTier by @id',
                       CAST({tier} AS VARCHAR)
                FROM sd_nodes
                WHERE type IN ('UnitPriceSpecification', 'PriceSpecification', 'Offer')
                  AND {tier} IS NOT NULL AND {tier_ref} = ''
            )
        """
