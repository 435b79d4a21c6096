from __future__ import annotations

import pyarrow as pa

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.structured_data._sql import ENTITY, OFFERS, number
from audits.vocab import currencies


class PriceContradictsPage(Rule):
    """The Offer's price (or currency) differs from what the page shows.

    Why: Google checks structured data against the visible page; prices that do not
    match are a policy violation (manual action risk) and mislead shoppers.
    Anti-pattern: JSON-LD cached from yesterday's price; sale price shown, list price marked up.
    (Judged on product pages -- one top-level Product -- whose page shows a price:
    listings show many prices, and crawlers keep only the first few.)
    Fix: render the markup from the same price (and currency) the page displays.
    Source: https://developers.google.com/search/docs/appearance/structured-data/sd-policies#content
    """

    id = "SEO-SCHEMA-011"
    slug = "price-contradicts-page"
    family = "structured_data"
    severity = "error"
    fields = ("structured_data", "visible_prices")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        ctx.con.register("_iso4217_codes", pa.table({"code": sorted(currencies())}))
        return f"""
            WITH product_pages AS (
                SELECT url FROM sd_nodes
                WHERE type IN ('Product', 'ProductGroup', 'IndividualProduct') AND {ENTITY}
                GROUP BY url HAVING count(*) = 1
            ), offers AS (
                SELECT url, path, price, currency, TRY_CAST(trim(price) AS DOUBLE) AS amount
                FROM ({OFFERS}) WHERE price IS NOT NULL AND url IN (SELECT url FROM product_pages)
            ), shown AS (
                SELECT url, v AS text, {number("v")} AS amount,
                       regexp_extract(upper(v), '(^|[^A-Z])([A-Z]{{3}})([^A-Z]|$)', 2) AS code
                FROM (SELECT url, unnest(visible_prices) AS v FROM html_pages
                      WHERE len(visible_prices) > 0 AND url IN (SELECT url FROM offers))
            ), judged AS (
                SELECT o.url, o.path, o.price, o.currency,
                       string_agg(DISTINCT s.text, ' | ') AS shown_text,
                       bool_or(abs(s.amount - o.amount) < 0.005) AS price_shown,
                       bool_or(s.code IN (SELECT code FROM _iso4217_codes) AND s.code <> upper(o.currency)) AS other_currency
                FROM offers o JOIN shown s ON s.url = o.url
                WHERE s.amount IS NOT NULL
                GROUP BY o.url, o.path, o.price, o.currency
            )
            SELECT url,
                   CASE WHEN NOT price_shown THEN 'The structured-data price ' || price || ' is not a price the page shows'
                        ELSE 'The structured-data currency ' || currency || ' differs from the currency the page shows' END AS message,
                   price || ' ' || coalesce(currency, '') || ' vs shown: ' || shown_text AS evidence,
                   path AS key
            FROM judged
            WHERE NOT price_shown OR coalesce(other_currency, false)
        """
