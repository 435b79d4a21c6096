from __future__ import annotations

from audits.rules._base import HtmlPageRule
from audits.rules.rendering._raw import RENDERED_WITH_RAW

# Each element: SQL true when the rendered DOM has it and the raw HTML does not.
_ONLY_RENDERED = {
    "title": "nullif(trim(coalesce(raw_title, '')), '') IS NULL AND nullif(trim(title), '') IS NOT NULL",
    "meta description": (
        "nullif(trim(coalesce(raw_meta_description, '')), '') IS NULL"
        " AND nullif(trim(meta_description), '') IS NOT NULL"
    ),
    "h1": "len(raw_h1) = 0 AND len(coalesce(h1, [])) > 0",
    "canonical": "raw_canonical IS NULL AND canonical IS NOT NULL",
}
_MISSING = (
    "concat_ws(', ', "
    + ", ".join(f"CASE WHEN {sql} THEN '{name}' END" for name, sql in _ONLY_RENDERED.items())
    + ")"
)


class SeoTagsOnlyRendered(HtmlPageRule):
    """The title, meta description, h1 or canonical exists only after JavaScript runs.

    Why: Google reads the raw HTML when it crawls and the rendered HTML later, when its
    resources allow; crawlers that run no JavaScript (AI crawlers, many link previews and
    other engines) never see what scripts add. A title or canonical set by JavaScript is
    seen late by Google and not at all by them. (Google's JavaScript SEO basics; a
    canonical JavaScript sets is acceptable to Google when the raw HTML has none, but not
    to crawlers that never render.)
    Anti-pattern: a client-side app whose <title>, meta description and h1 are written
    by a head manager after an API call; the server sends an empty <head>.
    Fix: render the title, meta description, h1 and canonical on the server (SSR,
    pre-rendering or static HTML) so the raw HTML carries them.
    Source: (2025-12-18) https://developers.google.com/search/docs/crawling-indexing/javascript/javascript-seo-basics
    (how Google processes JavaScript: crawl, then render when resources allow)
    """

    id = "SEO-RENDER-003"
    slug = "seo-tags-only-rendered"
    family = "rendering"
    severity = "warning"
    fields = (
        "rendered", "raw_title", "raw_meta_description", "raw_h1", "raw_canonical",
        "title", "meta_description", "h1", "canonical",
    )  # fmt: skip
    condition = f"{RENDERED_WITH_RAW} AND {_MISSING} <> ''"
    message = "'Only the rendered HTML has: ' || " + _MISSING
    evidence = _MISSING
