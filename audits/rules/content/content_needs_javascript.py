from __future__ import annotations

from audits.rules._base import HtmlPageRule


class ContentNeedsJavascript(HtmlPageRule):
    """The page's main content (h1, text, price, structured data) exists only after JavaScript runs.

    Why: Google renders JavaScript in a second, deferred wave; other crawlers and link
    previews often do not. Content missing from the server HTML is indexed late or never.
    Anti-pattern: a client-side app shell whose product name, price and JSON-LD come from an API call.
    Fix: render the main content and structured data on the server (SSR or static HTML).
    Source: https://developers.google.com/search/docs/crawling-indexing/javascript/javascript-seo-basics
    """

    id = "SEO-CONTENT-007"
    slug = "content-needs-javascript"
    family = "content"
    severity = "warning"
    fields = ("rendered", "render_reason")
    condition = "coalesce(rendered, false) AND coalesce(render_reason, '') NOT IN ('', 'always')"
    message = "'The main content appears only after JavaScript runs (' || render_reason || ')'"
    evidence = "render_reason"
