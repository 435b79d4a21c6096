from __future__ import annotations

import pyarrow as pa

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.structured_data._sql import OFFERS


class CurrencyNotLocale(Rule):
    """An Offer's priceCurrency is not the currency of the page's locale (fr-CA/en-CA -> CAD).

    Why: a Canadian page offering USD prices is either wrong markup or the wrong
    market: merchant listings are shown per country, in that country's currency.
    Anti-pattern: a US feed's JSON-LD reused on the .ca store.
    Fix: mark up the price in the locale's currency (or serve each market its own page).
    Source: https://developers.google.com/search/docs/appearance/structured-data/merchant-listing#offer-details
    """

    id = "SEO-SCHEMA-012"
    slug = "currency-not-locale"
    family = "structured_data"
    severity = "error"
    fields = ("structured_data", "lang")
    options = ("region_currencies",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        mapping: dict[str, str] = self.opt("region_currencies")
        ctx.con.register(
            "_region_currency",
            pa.table(
                {
                    "region": [r.upper() for r in mapping],
                    "currency": [c.upper() for c in mapping.values()],
                }
            ),
        )
        return f"""
            WITH offers AS ({OFFERS})
            SELECT o.url,
                   'priceCurrency ' || o.currency || ' on a ' || p.lang || ' page (' || rc.currency || ' expected)' AS message,
                   o.currency || ' vs ' || rc.currency AS evidence, o.path AS key
            FROM offers o
            JOIN html_pages p ON p.url = o.url
            JOIN _region_currency rc ON rc.region = upper(split_part(replace(p.lang, '_', '-'), '-', 2))
            WHERE o.currency IS NOT NULL AND upper(trim(o.currency)) <> rc.currency
        """
