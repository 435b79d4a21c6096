from __future__ import annotations

import pyarrow as pa

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.structured_data._sql import OFFERS
from audits.vocab import currencies


class OfferCurrencyInvalid(Rule):
    """An Offer's priceCurrency is missing or not an ISO 4217 currency code.

    Why: a price without a valid currency cannot be shown; Google requires
    priceCurrency as a three-letter ISO 4217 code.
    Anti-pattern: "priceCurrency": "$", "CAN", "C$" or missing.
    Fix: use the ISO 4217 code of the currency the price is in ("CAD").
    Source: https://developers.google.com/search/docs/appearance/structured-data/merchant-listing#offer-details
    """

    id = "SEO-SCHEMA-006"
    slug = "offer-currency-invalid"
    family = "structured_data"
    severity = "error"
    fields = ("structured_data",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        ctx.con.register("_iso4217", pa.table({"code": sorted(currencies())}))
        return f"""
            WITH offers AS ({OFFERS})
            SELECT url,
                   CASE WHEN currency IS NULL THEN 'The ' || type || ' has no priceCurrency'
                        ELSE 'priceCurrency "' || currency || '" is not an ISO 4217 code' END AS message,
                   coalesce(currency, '(none)') AS evidence, path AS key
            FROM offers
            WHERE price IS NOT NULL AND (currency IS NULL OR trim(currency) NOT IN (SELECT code FROM _iso4217))
        """
