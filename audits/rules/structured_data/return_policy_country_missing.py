from __future__ import annotations

import pyarrow as pa
import pycountry

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.structured_data._sql import has


class ReturnPolicyCountryMissing(Rule):
    """A MerchantReturnPolicy has no valid returnPolicyCountry.

    Why: since March 2025 Google requires returnPolicyCountry, the ISO 3166-1 alpha-2
    country a product must be sent to for a return, on return policies that accept
    returns (whether under an Offer or at the Organization level); without it the return
    policy is not shown with the product. A policy that accepts no returns
    (MerchantReturnNotPermitted) or that only links to the policy page needs none.
    Anti-pattern: a policy giving applicableCountry "CA", returnPolicyCategory and
    merchantReturnDays but no returnPolicyCountry; returnPolicyCountry "Canada".
    Fix: add "returnPolicyCountry": "CA" (the country of the returns address).
    Source: Google Search Central, merchant return policy structured data, returnPolicyCountry
    required since March 2025 (read 2026-12)
    https://developers.google.com/search/docs/appearance/structured-data/return-policy
    """

    id = "SEO-SCHEMA-014"
    slug = "return-policy-country-missing"
    family = "structured_data"
    severity = "warning"
    fields = ("structured_data",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        countries = sorted(c.alpha_2 for c in pycountry.countries)
        ctx.con.register("_iso_countries", pa.table({"code": countries}))
        category = "regexp_replace(coalesce(node->>'returnPolicyCategory', ''), '^https?://schema\\.org/', '')"
        country = (
            "trim(coalesce(CASE json_type(node->'returnPolicyCountry') WHEN 'ARRAY' "
            "THEN node->'returnPolicyCountry'->>0 ELSE node->>'returnPolicyCountry' END, ''))"
        )
        return f"""
            SELECT url,
                   CASE WHEN {country} = ''
                        THEN 'The MerchantReturnPolicy has no returnPolicyCountry (required since March 2025)'
                        ELSE 'returnPolicyCountry "' || {country} || '" is not an ISO 3166-1 alpha-2 code'
                   END AS message,
                   'returnPolicyCategory=' || {category} AS evidence, path AS key
            FROM sd_nodes
            WHERE type = 'MerchantReturnPolicy'
              AND {category} <> 'MerchantReturnNotPermitted'
              AND ({has("returnPolicyCategory")} OR NOT {has("merchantReturnLink")})
              AND ({country} = '' OR upper({country}) NOT IN (SELECT code FROM _iso_countries)
                   OR length({country}) <> 2)
        """
