from __future__ import annotations

from audits.rules._base import HtmlPageRule


class LangMissing(HtmlPageRule):
    """The <html> element has no lang attribute.

    Why: lang tells screen readers, translation tools and browsers the page's
    language; on a bilingual site it is the first consistency check for hreflang.
    Anti-pattern: <html> without lang on templates shared by both languages.
    Fix: set <html lang="en-CA"> / <html lang="fr-CA"> per locale.
    Source: https://www.w3.org/International/questions/qa-html-language-declarations
    """

    id = "SEO-META-018"
    slug = "lang-missing"
    family = "meta"
    severity = "warning"
    fields = ("lang",)
    condition = "trim(coalesce(lang, '')) = ''"
    message = "'The <html> element has no lang attribute'"
