from __future__ import annotations

import pyarrow as pa

from audits.context import RuleContext
from audits.rule import Rule
from audits.vocab import schema_types


class UnknownType(Rule):
    """A structured-data item uses a type schema.org does not define (as far as the shipped vocabulary knows).

    Why: unknown types (typos, wrong case, retired vocabularies such as
    data-vocabulary.org) are ignored by search engines: no rich result.
    Anti-pattern: "@type": "product", "@type": "Offers", data-vocabulary.org/Breadcrumb.
    Fix: use the exact schema.org type name (case-sensitive).
    Source: https://schema.org/docs/full.html
    """

    id = "SEO-SCHEMA-002"
    slug = "schema-unknown-type"
    family = "structured_data"
    severity = "warning"
    fields = ("structured_data",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        ctx.con.register("_schema_types", pa.table({"type": sorted(schema_types())}))
        return """
            SELECT DISTINCT url, '"' || type || '" is not a schema.org type' AS message,
                   type AS evidence, type AS key
            FROM sd_nodes WHERE type NOT IN (SELECT type FROM _schema_types)
        """
