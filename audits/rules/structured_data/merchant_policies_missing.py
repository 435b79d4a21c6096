from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.structured_data._sql import ENTITY, OFFERS, listed

PRODUCTS = "('Product', 'ProductGroup', 'IndividualProduct')"
# An Organization-level policy: any node that is not a product or an offer (Organization,
# OnlineStore, OnlineBusiness, Corporation, LocalBusiness, Store ...) declaring it.
NOT_PRODUCT = (
    "type NOT IN ('Product', 'ProductGroup', 'IndividualProduct', 'Offer', 'AggregateOffer')"
)


class MerchantPoliciesMissing(Rule):
    """Offers without a return policy or shipping details, their own or the Organization's.

    Why: Google shows returns and shipping costs with merchant listings; since 2024-2025 a
    site can state them once, on its Organization (hasMerchantReturnPolicy,
    hasShippingService), and every offer inherits them unless it gives its own
    (hasMerchantReturnPolicy, shippingDetails under the Offer). A product is fine without
    its own policies when the site's Organization markup has them; without either, the
    listing lacks returns and shipping information.
    Anti-pattern: product pages with offers only, and no Organization markup with
    hasMerchantReturnPolicy / hasShippingService anywhere on the site.
    Fix: add the policies to the Organization (home or about page), or to each Offer
    where they differ.
    Source: Google Search Central, merchant return policy and merchant shipping policy
    structured data (organization level, read 2026-12)
    https://developers.google.com/search/docs/appearance/structured-data/return-policy and
    https://developers.google.com/search/docs/appearance/structured-data/shipping-policy
    """

    id = "SEO-SCHEMA-017"
    slug = "merchant-policies-missing"
    family = "structured_data"
    severity = "notice"
    scope = "site"
    fields = ("structured_data",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        host = "regexp_extract(url, '^[^:]+://[^/]+')"
        # Policies are the site's: an Organization on any crawled page of the same host
        # counts for every product page of that host.
        return f"""
            WITH org AS (
                SELECT {host} AS host,
                       bool_or({listed("hasMerchantReturnPolicy")}) AS returns,
                       bool_or({listed("hasShippingService")}) AS shipping
                FROM sd_nodes WHERE {NOT_PRODUCT} GROUP BY host
            ), products AS (
                SELECT url, path, {listed("hasMerchantReturnPolicy")} AS own_returns
                FROM sd_nodes WHERE type IN {PRODUCTS} AND {ENTITY} AND {listed("offers")}
            ), offers AS (
                SELECT url, path, (node->'hasMerchantReturnPolicy') IS NOT NULL AS returns,
                       (node->'shippingDetails') IS NOT NULL AS shipping
                FROM ({OFFERS})
            ), judged AS (
                SELECT p.url, p.path,
                       NOT (p.own_returns OR coalesce(bool_and(o.returns), false)
                            OR coalesce(any_value(g.returns), false)) AS no_returns,
                       NOT (coalesce(bool_and(o.shipping), false)
                            OR coalesce(any_value(g.shipping), false)) AS no_shipping
                FROM products p
                LEFT JOIN offers o ON o.url = p.url AND starts_with(o.path, p.path)
                LEFT JOIN org g ON g.host = regexp_extract(p.url, '^[^:]+://[^/]+')
                GROUP BY p.url, p.path, p.own_returns
            )
            SELECT url,
                   'The product''s offers have no ' ||
                   CASE WHEN no_returns AND no_shipping THEN 'return policy and no shipping details'
                        WHEN no_returns THEN 'return policy' ELSE 'shipping details' END ||
                   ', and no Organization on the site gives them' AS message,
                   CASE WHEN no_returns THEN 'hasMerchantReturnPolicy ' ELSE '' END ||
                   CASE WHEN no_shipping THEN 'shippingDetails/hasShippingService' ELSE '' END AS evidence,
                   path AS key
            FROM judged WHERE no_returns OR no_shipping
        """
