from __future__ import annotations

from audits.rules._base import HtmlPageRule


class ViewportMissing(HtmlPageRule):
    """The page has no meta viewport.

    Why: without it mobile browsers render a zoomed-out desktop page; Google indexes
    the mobile version (mobile-first indexing) and judges its usability.
    Anti-pattern: desktop-only templates, or a viewport added only by JavaScript.
    Fix: <meta name="viewport" content="width=device-width, initial-scale=1">.
    Source: https://developers.google.com/search/docs/crawling-indexing/mobile/mobile-sites-mobile-first-indexing
    """

    id = "SEO-META-017"
    slug = "viewport-missing"
    family = "meta"
    severity = "warning"
    fields = ("viewport",)
    condition = "trim(coalesce(viewport, '')) = ''"
    message = "'The page has no meta viewport'"
