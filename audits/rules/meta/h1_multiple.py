from __future__ import annotations

from audits.rules._base import HtmlPageRule


class H1Multiple(HtmlPageRule):
    """The page has more than one <h1> heading.

    Why: several h1s are allowed by HTML and by Google, but on catalog templates they
    usually mean the logo or a widget took the heading, blurring the page's subject.
    Anti-pattern: <h1> around the site logo and around the product name.
    Fix: keep one h1 for the page's subject; use h2-h6 for sections.
    Source: https://developer.mozilla.org/en-US/docs/Web/HTML/Element/Heading_Elements#avoid_using_multiple_h1_elements_on_one_page
    """

    id = "SEO-META-016"
    slug = "h1-multiple"
    family = "meta"
    severity = "notice"
    fields = ("h1",)
    condition = "len(coalesce(h1, [])) > 1"
    message = "'The page has ' || len(h1) || ' <h1> headings'"
    evidence = "array_to_string(h1[1:3], ' | ')"
