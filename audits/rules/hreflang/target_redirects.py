from __future__ import annotations

from audits.rules.hreflang._target import HreflangTargetRule


class HreflangTargetRedirects(HreflangTargetRule):
    """An hreflang alternate redirects.

    Why: annotations must name the canonical, final URL of each version; through a
    redirect the return link no longer matches and the pair is ignored.
    Anti-pattern: alternates to old URLs, or to http:// versions of https pages.
    Fix: list the redirect's destination.
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#troubleshooting
    """

    id = "SEO-HREFLANG-006"
    slug = "hreflang-target-redirects"
    family = "hreflang"
    severity = "error"
    condition = "(t.redirected OR t.fetch_state = 'redirect_loop') AND coalesce(t.status, 0) < 400"
    what = "'redirects to ' || coalesce(t.final_url, '?')"
