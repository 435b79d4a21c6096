from __future__ import annotations

from audits.rules._base import HtmlPageRule


class TitleEmpty(HtmlPageRule):
    """The page's <title> element is empty or only whitespace.

    Why: an empty title gives search engines nothing to show; Google then writes its
    own title link from headings or anchors, which rarely matches the page's intent.
    Anti-pattern: <title></title> or <title>{{ product.name }}</title> with an unset variable.
    Fix: fill the title from the page's main subject (product name, category, brand).
    Source: https://developers.google.com/search/docs/appearance/title-link
    """

    id = "SEO-META-002"
    slug = "title-empty"
    family = "meta"
    severity = "error"
    fields = ("title", "title_count")
    condition = "coalesce(title_count, 0) > 0 AND trim(coalesce(title, '')) = ''"
    message = "'The <title> element is empty'"
