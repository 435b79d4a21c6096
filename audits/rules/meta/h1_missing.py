from __future__ import annotations

from audits.rules._base import HtmlPageRule


class H1Missing(HtmlPageRule):
    """The page has no <h1> heading (or only empty ones).

    Why: the main heading tells users and search engines what the page is about and
    is one of the sources Google uses for title links.
    Anti-pattern: the product name styled as a <div>, or the h1 used only for the logo.
    Fix: mark up the page's main subject as one visible <h1>.
    Source: https://developers.google.com/search/docs/appearance/title-link#page-titles
    """

    id = "SEO-META-015"
    slug = "h1-missing"
    family = "meta"
    severity = "warning"
    fields = ("h1",)
    condition = "len(list_filter(coalesce(h1, []), lambda h: trim(h) <> '')) = 0"
    message = "'The page has no <h1> heading'"
