from __future__ import annotations

from audits.rules._base import HtmlPageRule

_FAILED = "starts_with(coalesce(error, ''), 'render failed:')"
# seo_crawler.render.RenderTimeout: the render's deadline ([render] deadline_s) cut it.
_TIMED_OUT = "starts_with(error, 'render failed: RenderTimeout:')"
# The renderer crashed or was killed (V8's heap cap, the crawl's memory watchdog).
_CRASHED = "regexp_matches(error, '(?i)crash')"


class RenderFailed(HtmlPageRule):
    """The crawl could not render the page: its scripts never let the render end, or the
    renderer crashed or was killed for its memory.

    Why: Google renders pages in a headless Chromium and indexes the rendered HTML; what a
    page's JavaScript adds is indexed only if that render succeeds, and "if your JavaScript
    is too complex or arcane, we may not be able to render the page fully and accurately"
    (Google, 2014). The crawl recorded the page's raw HTML instead (``error`` "render
    failed: ..."), so the rendering rules could not judge it either.
    Anti-pattern: a script that loops or polls without yielding once the page has loaded, a
    client-side cache that grows without bound, a third-party tag that never settles.
    Fix: profile the page (DevTools' Performance and Memory panels): break long tasks up and
    bound what scripts keep in memory; check the rendered HTML in Search Console's URL
    Inspection tool.
    Source: (2014-05-23) https://developers.google.com/search/blog/2014/05/understanding-web-pages-better
    (JavaScript too complex to render); https://developers.google.com/search/docs/crawling-indexing/javascript/javascript-seo-basics
    (how Google renders and indexes JavaScript pages)
    """

    id = "SEO-RENDER-005"
    slug = "render-failed"
    family = "rendering"
    severity = "warning"
    fields = ("error",)
    condition = _FAILED
    message = (
        f"CASE WHEN {_TIMED_OUT} THEN 'The page did not finish rendering within the "
        "crawl''s deadline: its scripts kept the browser busy; only its raw HTML was recorded' "
        f"WHEN {_CRASHED} THEN 'The browser crashed or was stopped while rendering the page "
        "(its memory): only its raw HTML was recorded' "
        "ELSE 'Rendering the page failed: only its raw HTML was recorded' END"
    )
    evidence = (
        f"CASE WHEN {_TIMED_OUT} THEN 'deadline' WHEN {_CRASHED} THEN 'crash' ELSE 'other' END"
        " || ': ' || left(error, 200)"
    )
