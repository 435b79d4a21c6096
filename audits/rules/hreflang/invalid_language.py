from __future__ import annotations

from audits.rules.hreflang._codes import HreflangCodeRule


class HreflangInvalidLanguage(HreflangCodeRule):
    """An hreflang value is malformed or its language is not an ISO 639-1 code.

    Why: Google ignores hreflang annotations it cannot parse; the page then gets no
    language targeting at all. Underscores (fr_CA, the POSIX locale form) and
    three-letter or made-up languages are the usual mistakes.
    Anti-pattern: hreflang="fr_CA", hreflang="eng", hreflang="english".
    Fix: use an ISO 639-1 language, optionally "-" and an ISO 3166-1 alpha-2 region (fr-CA).
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#language-codes
    """

    id = "SEO-HREFLANG-001"
    slug = "hreflang-invalid-language"
    family = "hreflang"
    severity = "error"
    problem = "language"
