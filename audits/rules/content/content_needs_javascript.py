from __future__ import annotations

from audits.context import RuleContext
from audits.rules._base import HtmlPageRule

# Rendered because the raw HTML lacked the content (not because every page is, render=always,
# or because it was one of --render-sample's pages).
_RENDERED_FOR_CONTENT = (
    "coalesce(rendered, false) AND coalesce(render_reason, '') NOT IN ('', 'always', 'sample')"
)


class ContentNeedsJavascript(HtmlPageRule):
    """The page's main content (h1, text, price, structured data) exists only after JavaScript runs.

    Why: Google renders JavaScript in a second, deferred wave; other crawlers and link
    previews often do not. Content missing from the server HTML is indexed late or never.
    Anti-pattern: a client-side app shell whose product name, price and JSON-LD come from an API call.
    Fix: render the main content and structured data on the server (SSR or static HTML).
    Source: https://developers.google.com/search/docs/crawling-indexing/javascript/javascript-seo-basics

    Found from either fact the crawler records: the page was rendered because its raw HTML
    lacked the content (``render_reason``), or its raw HTML looked JavaScript-built
    (``needs_render``, schema 2) -- also when the crawl could not render it (no Chromium), or
    rendering failed (a script that never ends, a renderer killed for its memory: the raw
    page is recorded with ``error`` "render failed: ...").
    """

    id = "SEO-CONTENT-007"
    slug = "content-needs-javascript"
    family = "content"
    severity = "warning"
    # needs_render is read when the run has it: runs of schema 1 are judged on rendering alone.
    fields = ("rendered", "render_reason")
    condition = _RENDERED_FOR_CONTENT
    message = "'The main content appears only after JavaScript runs (' || render_reason || ')'"
    evidence = "render_reason"

    def check(self, ctx: RuleContext) -> str:
        if "needs_render" not in ctx.columns("pages"):
            return super().check(ctx)
        ctx.ensure("html_pages")
        return f"""
            SELECT url,
                   CASE WHEN {_RENDERED_FOR_CONTENT}
                        THEN {self.message}
                        WHEN starts_with(coalesce(error, ''), 'render failed:')
                        THEN 'The server HTML looks built by JavaScript (scripts, no <h1>, '
                             || 'no JSON-LD or few words) and rendering it failed: the raw '
                             || 'HTML was recorded'
                        ELSE 'The server HTML looks built by JavaScript (scripts, no <h1>, '
                             || 'no JSON-LD or few words); the crawl did not render it'
                   END AS message,
                   CASE WHEN {_RENDERED_FOR_CONTENT} THEN render_reason
                        WHEN starts_with(coalesce(error, ''), 'render failed:')
                        THEN left(error, 200)
                        ELSE 'needs-render (not rendered)' END AS evidence,
                   NULL AS key
            FROM html_pages
            WHERE coalesce(needs_render, false) OR ({_RENDERED_FOR_CONTENT})
        """
