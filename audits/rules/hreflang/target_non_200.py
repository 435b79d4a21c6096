from __future__ import annotations

from audits.rules.hreflang._target import HreflangTargetRule


class HreflangTargetNon200(HreflangTargetRule):
    """An hreflang alternate answers an error (4xx/5xx), is blocked or fails.

    Why: Google only uses alternates it can crawl and index; an error page breaks
    the whole cluster's return links.
    Anti-pattern: alternates to translations not published yet, or removed.
    Fix: list only live, indexable alternates.
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#troubleshooting
    """

    id = "SEO-HREFLANG-005"
    slug = "hreflang-target-non-200"
    family = "hreflang"
    severity = "error"
    condition = "(t.status >= 400 OR t.fetch_state IN ('error', 'blocked_robots'))"
    what = "'answers ' || coalesce(t.status::VARCHAR, t.fetch_state)"
