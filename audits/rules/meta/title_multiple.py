from __future__ import annotations

from audits.rules._base import HtmlPageRule


class TitleMultiple(HtmlPageRule):
    """The page has more than one <title> element.

    Why: with several titles the one search engines and browsers pick is arbitrary;
    it is usually a sign that two templates (or a plugin) both write the head.
    Anti-pattern: a layout and a page template each emitting <title>.
    Fix: emit exactly one <title> in <head>.
    Source: https://html.spec.whatwg.org/multipage/semantics.html#the-title-element
    """

    id = "SEO-META-003"
    slug = "title-multiple"
    family = "meta"
    severity = "warning"
    fields = ("title_count",)
    condition = "title_count > 1"
    message = "'The page has ' || title_count || ' <title> elements'"
    evidence = "title_count || ' titles'"
