from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class HreflangOutsideHead(Rule):
    """hreflang <link> elements are outside <head>, where Google ignores them.

    Why: Google reads hreflang link elements only in the <head>. Links written in the body,
    or placed after an element that cannot be in the head (an <img>, a <div>, an <iframe>)
    which ends the head early, annotate nothing, so the whole set and its return links fail.
    Anti-pattern: a tracking <img> or a <noscript><iframe> above the hreflang links.
    Fix: put the hreflang links in <head>, above any element that does not belong there.
    Source: https://developers.google.com/search/docs/specialty/international/localized-versions#html
    """

    id = "SEO-HREFLANG-015"
    slug = "hreflang-outside-head"
    family = "hreflang"
    severity = "error"
    fields = ("hreflang",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        return """
            SELECT url, len(outside) || ' hreflang link(s) outside <head>: Google ignores them' AS message,
                   array_to_string(list_transform(outside, lambda h: h.lang || '=' || h.href), ' ') AS evidence
            FROM (
                SELECT url, list_filter(hreflang, lambda h: h.source = 'body') AS outside
                FROM html_pages WHERE len(hreflang) > 0
            )
            WHERE len(outside) > 0
        """
