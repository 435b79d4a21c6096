from __future__ import annotations

from audits.rules.hreflang._codes import HreflangCodeRule


class HreflangInvalidRegion(HreflangCodeRule):
    """An hreflang region is not an ISO 3166-1 alpha-2 code.

    Why: Google ignores annotations with unknown regions, so the version is not
    shown to the intended country. "en-UK" is the classic: the code is GB.
    Anti-pattern: hreflang="en-UK", hreflang="es-LA", hreflang="en-EU", hreflang="es-419".
    Fix: use the country's ISO 3166-1 alpha-2 code (en-GB), or the language alone.
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#language-codes
    """

    id = "SEO-HREFLANG-002"
    slug = "hreflang-invalid-region"
    family = "hreflang"
    severity = "error"
    problem = "region"
