from __future__ import annotations

from audits.rules.hreflang._target import HreflangTargetRule


class HreflangTargetCanonicalized(HreflangTargetRule):
    """An hreflang alternate canonicalizes to another URL.

    Why: hreflang must point to canonical URLs; an alternate that says "index
    that other URL instead" contradicts the annotation and the pair is dropped.
    Anti-pattern: alternates to parameter URLs whose canonical is the clean URL.
    Fix: use each version's canonical URL in hreflang.
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#troubleshooting
    """

    id = "SEO-HREFLANG-008"
    slug = "hreflang-target-canonicalized"
    family = "hreflang"
    severity = "error"
    condition = "t.canonicalized AND t.status = 200 AND NOT t.redirected"
    what = "'canonicalizes to ' || t.canonical"
