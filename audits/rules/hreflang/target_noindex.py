from __future__ import annotations

from audits.rules.hreflang._target import HreflangTargetRule


class HreflangTargetNoindex(HreflangTargetRule):
    """An hreflang alternate says noindex.

    Why: a noindex page cannot be shown in results, so it cannot be the version
    served to its language; the annotation is wasted and confusing.
    Anti-pattern: unfinished translations kept noindex but already linked as alternates.
    Fix: index the alternate, or drop it from the hreflang set.
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#troubleshooting
    """

    id = "SEO-HREFLANG-007"
    slug = "hreflang-target-noindex"
    family = "hreflang"
    severity = "error"
    condition = "t.noindex AND t.status = 200 AND NOT t.redirected"
    what = "'says noindex'"
