from __future__ import annotations

from audits.rules._base import HtmlPageRule


class TitleMissing(HtmlPageRule):
    """The page has no <title> element.

    Why: the title is the main source of the blue link in search results and of the
    tab and bookmark name; without one Google invents a title from the page.
    Anti-pattern: a template that forgets <title>, or sets it only from JavaScript.
    Fix: render one descriptive <title> in the server HTML of every page.
    Source: https://developers.google.com/search/docs/appearance/title-link
    """

    id = "SEO-META-001"
    slug = "title-missing"
    family = "meta"
    severity = "error"
    fields = ("title", "title_count")
    condition = "coalesce(title_count, 0) = 0"
    message = "'The page has no <title> element'"
