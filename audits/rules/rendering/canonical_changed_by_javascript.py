from __future__ import annotations

from audits.rules._base import HtmlPageRule
from audits.rules.rendering._raw import RENDERED_WITH_RAW


class CanonicalChangedByJavascript(HtmlPageRule):
    """JavaScript changes (or removes) the canonical URL the raw HTML gives.

    Why: Google canonicalizes twice, on the raw HTML when it crawls and on the rendered
    HTML after JavaScript runs; two different canonicals are conflicting signals and the
    result can be unexpected (Google's JavaScript SEO basics, canonicalization section
    added 17 December 2025). Crawlers that run no JavaScript (Bing often, AI crawlers)
    only ever see the raw one.
    Anti-pattern: the server writes rel=canonical to the category URL and the client app
    rewrites it to the filtered URL (or removes it) once it boots.
    Fix: serve the same canonical in the raw HTML as JavaScript leaves in the DOM; if
    JavaScript must set it, leave it out of the raw HTML altogether.
    Source: (2025-12-17) https://developers.google.com/search/docs/crawling-indexing/javascript/javascript-seo-basics
    (canonicalization section; listed in https://developers.google.com/search/updates)
    """

    id = "SEO-RENDER-001"
    slug = "canonical-changed-by-javascript"
    family = "rendering"
    severity = "warning"
    fields = ("rendered", "raw_canonical", "raw_h1", "canonical")
    condition = (
        f"{RENDERED_WITH_RAW} AND raw_canonical IS NOT NULL"
        " AND url_key(raw_canonical) IS DISTINCT FROM url_key(canonical)"
    )
    message = (
        "'The raw HTML names canonical ' || raw_canonical || '; after JavaScript it is '"
        " || coalesce(canonical, 'removed')"
    )
    evidence = "'raw: ' || raw_canonical || ' ; rendered: ' || coalesce(canonical, '(none)')"
