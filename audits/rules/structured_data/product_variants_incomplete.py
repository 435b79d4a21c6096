from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules._base import sql_text
from audits.rules.structured_data._sql import ENTITY, has, listed


class ProductVariantsIncomplete(Rule):
    """A ProductGroup lacks hasVariant, productGroupID or variesBy, or varies by an unread property.

    Why: Google reads product variants (sizes, colours of one product) from a ProductGroup
    with its variants (hasVariant), its ID (productGroupID, the parent SKU, which variants
    repeat in inProductGroupWithID) and the properties they differ by (variesBy, among
    https://schema.org/color, size, material, pattern, suggestedAge, suggestedGender).
    A group without them is read as one product, or its variants as unrelated products.
    Anti-pattern: a ProductGroup with hasVariant only; "variesBy": "Size" or "variesBy":
    "https://schema.org/flavour".
    Fix: give the group productGroupID and variesBy with schema.org property URLs, and
    list every variant (a Product with its own offers) under hasVariant.
    Source: Google Search Central, product variant structured data (February 2024, read
    2026-12) https://developers.google.com/search/docs/appearance/structured-data/product-variants
    """

    id = "SEO-SCHEMA-018"
    slug = "product-variants-incomplete"
    family = "structured_data"
    severity = "warning"
    fields = ("structured_data",)
    options = ("varies_by",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        supported = ", ".join(sql_text(v) for v in self.opt("varies_by"))
        values = (
            "list_transform(CASE json_type(node->'variesBy') WHEN 'ARRAY' "
            "THEN from_json(node->'variesBy', '[\"VARCHAR\"]') ELSE [node->>'variesBy'] END, "
            "lambda v: regexp_replace(coalesce(v, ''), '^https?://schema\\.org/', ''))"
        )
        missing = " || ".join(
            f"CASE WHEN NOT {check} THEN '{name} ' ELSE '' END"
            for name, check in (
                ("hasVariant", listed("hasVariant")),
                ("productGroupID", has("productGroupID")),
                ("variesBy", has("variesBy")),
            )
        )
        return f"""
            SELECT url,
                   CASE WHEN trim({missing}) <> '' THEN 'The ProductGroup lacks ' || trim({missing})
                        ELSE 'variesBy ' || array_to_string(list_filter({values}, lambda v: v NOT IN ({supported})), ', ')
                             || ' is not a property Google reads for variants'
                   END AS message,
                   coalesce(CAST(node->'variesBy' AS VARCHAR), '') AS evidence, path AS key
            FROM sd_nodes
            WHERE type = 'ProductGroup' AND {ENTITY}
              AND (trim({missing}) <> ''
                   OR ((node->'variesBy') IS NOT NULL AND NOT list_has_all([{supported}], {values})))
        """
