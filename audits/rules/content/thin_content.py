from __future__ import annotations

from audits.rules._base import INDEXABLE, HtmlPageRule


class ThinContent(HtmlPageRule):
    """An indexable page has fewer words of visible text than the configured minimum.

    Why: pages with little unique text rarely answer a query and, in bulk, signal a
    low-value site (Google's helpful content guidance).
    Anti-pattern: product pages with a one-line description and no specs or reviews.
    Fix: add useful unique content (specifications, sizing, reviews, Q&A), or noindex
    pages that cannot have any.
    Source: https://developers.google.com/search/docs/fundamentals/creating-helpful-content
    """

    id = "SEO-CONTENT-003"
    slug = "thin-content"
    family = "content"
    severity = "warning"
    fields = ("word_count",)
    options = ("min_words",)
    condition = f"{INDEXABLE} AND word_count < {{min_words}}"
    message = "'The page has ' || word_count || ' words of visible text (minimum {min_words})'"
    evidence = "word_count || ' words'"
