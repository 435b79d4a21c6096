from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class LangContradictsHreflang(Rule):
    """The page's lang attribute contradicts the hreflang it declares for itself.

    Why: when <html lang> says one language and the page's own hreflang entry another,
    one of them is wrong -- usually a template copied across locales.
    Anti-pattern: a fr-CA page with <html lang="en"> listing itself as hreflang="fr-CA".
    Fix: make <html lang> and the self-referencing hreflang name the same language
    (and region, when both give one).
    Source: https://www.w3.org/International/questions/qa-html-language-declarations
    """

    id = "SEO-META-019"
    slug = "lang-contradicts-hreflang"
    family = "meta"
    severity = "warning"
    fields = ("lang", "hreflang")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("hreflang_edges")
        return """
            WITH self AS (
                SELECT e.url, p.lang, e.lang AS hreflang,
                       split_part(lower(replace(trim(p.lang), '_', '-')), '-', 1) AS page_language,
                       split_part(lower(replace(trim(p.lang), '_', '-')), '-', 2) AS page_region,
                       split_part(replace(e.code, '_', '-'), '-', 1) AS self_language,
                       split_part(replace(e.code, '_', '-'), '-', 2) AS self_region
                FROM hreflang_edges e JOIN html_pages p ON p.url = e.url
                WHERE e.href_id = e.page_id AND e.code <> 'x-default' AND trim(coalesce(p.lang, '')) <> ''
            )
            SELECT url,
                   'lang="' || lang || '" contradicts the page''s own hreflang="' || hreflang || '"' AS message,
                   lang || ' vs ' || hreflang AS evidence,
                   hreflang AS key
            FROM self
            WHERE page_language <> self_language
               OR (page_region <> '' AND self_region <> '' AND page_region <> self_region)
        """
