from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules._base import sql_text
from audits.rules.structured_data._sql import has


class MemberProgramIncomplete(Rule):
    """A MemberProgram or one of its tiers lacks what Google requires.

    Why: member prices and points are shown only for tiers of a loyalty program Google
    can read: the MemberProgram (nested under the Organization with hasMemberProgram)
    needs a name, a description and its tiers (hasTiers); each MemberProgramTier needs an
    @id (what prices refer to with validForMemberTier), a name and hasTierBenefit
    (TierBenefitLoyaltyPrice and/or TierBenefitLoyaltyPoints).
    Anti-pattern: a MemberProgram with only a name; a tier without @id, or with
    "hasTierBenefit": "10% off".
    Fix: describe the program and every tier completely, each tier with a stable @id.
    Source: Google Search Central, loyalty program (MemberProgram) structured data (June
    2025, read 2026-12)
    https://developers.google.com/search/docs/appearance/structured-data/loyalty-program
    """

    id = "SEO-SCHEMA-016"
    slug = "member-program-incomplete"
    family = "structured_data"
    severity = "warning"
    fields = ("structured_data",)
    options = ("tier_benefits",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        benefits = ", ".join(sql_text(b) for b in self.opt("tier_benefits"))

        def missing(props: tuple[str, ...]) -> str:
            return " || ".join(f"CASE WHEN NOT {has(p)} THEN '{p} ' ELSE '' END" for p in props)

        benefit_values = (
            "list_transform(CASE json_type(node->'hasTierBenefit') WHEN 'ARRAY' "
            "THEN from_json(node->'hasTierBenefit', '[\"VARCHAR\"]') "
            "ELSE [node->>'hasTierBenefit'] END, "
            "lambda b: regexp_replace(coalesce(b, ''), '^https?://schema\\.org/', ''))"
        )
        return f"""
            SELECT url, message, evidence, path AS key FROM (
                SELECT url, path, 'The MemberProgram lacks ' || trim({missing(("name", "description", "hasTiers"))}) AS message,
                       trim({missing(("name", "description", "hasTiers"))}) AS evidence
                FROM sd_nodes WHERE type = 'MemberProgram'
                  AND trim({missing(("name", "description", "hasTiers"))}) <> ''
                UNION ALL
                SELECT url, path,
                       CASE WHEN trim({missing(("@id", "name", "hasTierBenefit"))}) <> ''
                            THEN 'The MemberProgramTier lacks ' || trim({missing(("@id", "name", "hasTierBenefit"))})
                            ELSE 'The MemberProgramTier''s hasTierBenefit is not one of {", ".join(self.opt("tier_benefits"))}'
                       END,
                       coalesce(node->>'name', '') || ' ' || coalesce(CAST(node->'hasTierBenefit' AS VARCHAR), '')
                FROM sd_nodes WHERE type = 'MemberProgramTier'
                  -- a tier a price refers to ({"@type", "@id"} only) is a reference, not a definition
                  AND (prop = 'hasTiers' OR len(props) > 0)
                  AND (trim({missing(("@id", "name", "hasTierBenefit"))}) <> ''
                       OR NOT list_has_all([{benefits}], {benefit_values}))
            )
        """
