from __future__ import annotations

import pyarrow as pa

from audits.context import RuleContext
from audits.rule import Rule
from audits.vocab import schema_properties


class UnknownProperty(Rule):
    """A structured-data item uses a property its schema.org type does not have.

    Why: search engines ignore unknown properties, so the data they carry (often a
    misspelt required field such as "priceCurrancy") never reaches the rich result.
    Anti-pattern: "reviewcount", "availablity", properties from another type.
    Fix: use the exact property names of the type (case-sensitive) or a more specific type.
    Source: https://schema.org/docs/full.html
    """

    id = "SEO-SCHEMA-003"
    slug = "schema-unknown-property"
    family = "structured_data"
    severity = "warning"
    fields = ("structured_data",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        pairs = [(t, p) for t, props in schema_properties().items() for p in sorted(props)]
        ctx.con.register(
            "_schema_props",
            pa.table({"type": [t for t, _ in pairs], "prop": [p for _, p in pairs]}),
        )
        return """
            WITH np AS (
                SELECT url, type, unnest(props) AS prop FROM sd_nodes
                WHERE type IN (SELECT DISTINCT type FROM _schema_props)
            )
            SELECT DISTINCT url, '"' || prop || '" is not a property of schema.org/' || type AS message,
                   type || '.' || prop AS evidence, type || '.' || prop AS key
            FROM np ANTI JOIN _schema_props v ON v.type = np.type AND v.prop = np.prop
        """
