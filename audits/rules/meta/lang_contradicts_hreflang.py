from __future__ import annotations

from audits.context import RuleContext, hreflang_strings
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
        # The test runs twice: on the annotations' hashes and codes, joined to the pages on
        # their URL's hash, to find the documents; then as written, on those documents'
        # strings only (a hash collision cannot add a finding).
        documents = f"""
            SELECT DISTINCT e.doc_id FROM hreflang_edges e
            JOIN (SELECT hash(url) AS doc_id, lang FROM html_pages) p ON p.doc_id = e.doc_id
            WHERE {_SELF} AND {_CONTRADICTS}
        """
        return f"""
            SELECT e.url,
                   'lang="' || p.lang || '" contradicts the page''s own hreflang="' || e.lang || '"' AS message,
                   p.lang || ' vs ' || e.lang AS evidence,
                   e.lang AS key
            FROM {hreflang_strings(ctx, documents)} e JOIN html_pages p ON p.url = e.url
            WHERE {_SELF} AND {_CONTRADICTS}
        """


# the page's own annotation (not its x-default), and a lang attribute to compare it with
_SELF = "e.href_id = e.page_id AND e.code <> 'x-default' AND trim(coalesce(p.lang, '')) <> ''"
# languages differ, or regions when both give one
_CONTRADICTS = """(
    split_part(lower(replace(trim(p.lang), '_', '-')), '-', 1) <> split_part(replace(e.code, '_', '-'), '-', 1)
    OR (split_part(lower(replace(trim(p.lang), '_', '-')), '-', 2) <> ''
        AND split_part(replace(e.code, '_', '-'), '-', 2) <> ''
        AND split_part(lower(replace(trim(p.lang), '_', '-')), '-', 2) <> split_part(replace(e.code, '_', '-'), '-', 2))
)"""
