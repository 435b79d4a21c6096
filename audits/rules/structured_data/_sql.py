"""SQL shared by the structured-data rules (over the ``sd_nodes`` derived table)."""

from __future__ import annotations

# Offers (and AggregateOffers) that a Product (or an AggregateOffer) lists under "offers".
OFFERS = """
    SELECT url, item, path, type, node,
           coalesce(node->>'price', node->'priceSpecification'->>'price',
                    CASE WHEN type = 'AggregateOffer' THEN node->>'lowPrice' END) AS price,
           coalesce(node->>'priceCurrency', node->'priceSpecification'->>'priceCurrency') AS currency,
           node->>'availability' AS availability
    FROM sd_nodes WHERE type IN ('Offer', 'AggregateOffer') AND prop = 'offers'
"""

# The items rich results are built from: top-level ones, and the mainEntity of a page item
# (WebPage/ItemPage wrapping the Product, as many themes write it); not the products an
# item merely mentions (isRelatedTo, isSimilarTo, ...).
ENTITY = "(path = '$[' || item || '].data' OR prop = 'mainEntity')"


def has(prop: str, node: str = "node") -> str:
    """SQL: the node has a non-empty value for ``prop``."""
    return f"coalesce(nullif(trim({node}->>'{prop}'), ''), nullif({node}->>'{prop}', '[]')) IS NOT NULL"


def listed(prop: str) -> str:
    """SQL: the node has the property (for types whose ``node`` JSON is not kept)."""
    return f"list_contains(props, '{prop}')"


def number(expr: str) -> str:
    """SQL: a price text as a number ("1 299,99 $" and "$1,299.99" -> 1299.99), NULL if none."""
    digits = f"regexp_replace({expr}, '[^0-9.,]', '', 'g')"
    return (
        f"TRY_CAST(CASE WHEN regexp_matches({digits}, ',[0-9]{{1,2}}$') "
        f"THEN replace(replace({digits}, '.', ''), ',', '.') "
        f"ELSE replace({digits}, ',', '') END AS DOUBLE)"
    )
