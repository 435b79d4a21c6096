from __future__ import annotations

from audits.context import noindex_sql
from audits.rules._base import HtmlPageRule
from audits.rules.rendering._raw import RAW_NOINDEX, RENDERED_WITH_RAW


class NoindexRemovedByJavascript(HtmlPageRule):
    """The raw HTML says noindex and JavaScript removes it: Google may never render the page.

    Why: when the raw HTML's robots meta tag says noindex, Google may skip rendering and
    JavaScript altogether, so a script that removes or changes the tag may never run and
    the page stays out of the index (Google's JavaScript SEO basics, clarified 15 December
    2025). JavaScript adding a noindex is seen after rendering; removing one is not.
    Anti-pattern: the server template ships <meta name="robots" content="noindex"> and
    the client app deletes it once the product data has loaded.
    Fix: if the page may be indexed, leave noindex out of the raw HTML; set it from the
    server (or add it with JavaScript) only on pages that must stay out.
    Source: (2025-12-15) https://developers.google.com/search/docs/crawling-indexing/javascript/javascript-seo-basics
    (noindex and JavaScript; listed in https://developers.google.com/search/updates)
    """

    id = "SEO-RENDER-002"
    slug = "noindex-removed-by-javascript"
    family = "rendering"
    severity = "error"
    fields = ("rendered", "raw_meta_robots", "raw_h1", "meta_robots", "x_robots_tag")
    condition = f"{RENDERED_WITH_RAW} AND {RAW_NOINDEX} AND NOT {noindex_sql()}"
    message = (
        "'The raw HTML says noindex and JavaScript removes it: Google may never render "
        "the page and keeps it out of the index'"
    )
    evidence = "'raw meta robots: ' || raw_meta_robots || ' ; rendered: ' || coalesce(meta_robots, '(none)')"
