from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.structured_data._sql import has


class BreadcrumbItemIncomplete(Rule):
    """A BreadcrumbList item lacks position, name or item (item may be omitted on the last one).

    Why: breadcrumb rich results need each ListItem's position, name and the URL of
    the crumb (item); incomplete lists are shown as a plain URL instead.
    Anti-pattern: ListItems with only "name", or positions starting over in each block.
    Fix: give every ListItem position (1, 2, ...), name and item (the crumb's URL).
    Source: https://developers.google.com/search/docs/appearance/structured-data/breadcrumb#list-item
    """

    id = "SEO-SCHEMA-010"
    slug = "breadcrumb-item-incomplete"
    family = "structured_data"
    severity = "error"
    fields = ("structured_data",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        item_node = "(node->'item')"
        named = f"({has('name')} OR {has('name', item_node)})"
        return f"""
            WITH items AS (
                SELECT i.url, i.path, i.node,
                       TRY_CAST(i.node->>'position' AS INTEGER) AS position,
                       max(TRY_CAST(i.node->>'position' AS INTEGER)) OVER (PARTITION BY i.url, i.item) AS last_position
                FROM sd_nodes i
                JOIN sd_nodes b ON b.url = i.url AND b.item = i.item AND b.type = 'BreadcrumbList'
                WHERE i.type = 'ListItem' AND i.prop = 'itemListElement'
            )
            SELECT url,
                   'A breadcrumb ListItem lacks ' || trim(
                       CASE WHEN NOT {has("position")} THEN 'position ' ELSE '' END ||
                       CASE WHEN NOT {named} THEN 'name ' ELSE '' END ||
                       CASE WHEN NOT {has("item")} AND position IS DISTINCT FROM last_position THEN 'item' ELSE '' END
                   ) AS message,
                   node::VARCHAR AS evidence, path AS key
            FROM items
            WHERE NOT {has("position")} OR NOT {named}
               OR (NOT {has("item")} AND position IS DISTINCT FROM last_position)
        """
