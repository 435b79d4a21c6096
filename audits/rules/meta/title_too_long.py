from __future__ import annotations

from audits.rules._base import HtmlPageRule


class TitleTooLong(HtmlPageRule):
    """The title has more characters than the configured maximum.

    Why: Google shortens long titles in results (with an ellipsis) and may rewrite
    titles stuffed with keywords or boilerplate; the end of the title is lost.
    Anti-pattern: product name + full category path + every variant + brand slogan.
    Fix: keep the distinguishing words first and the title within about 60 characters.
    Source: https://developers.google.com/search/docs/appearance/title-link#page-titles
    """

    id = "SEO-META-005"
    slug = "title-too-long"
    family = "meta"
    severity = "warning"
    fields = ("title",)
    options = ("max_chars",)
    condition = "length(trim(coalesce(title, ''))) > {max_chars}"
    message = "'The title is ' || length(trim(title)) || ' characters (maximum {max_chars})'"
    evidence = "title"
