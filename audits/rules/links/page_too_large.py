from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class PageTooLarge(Rule):
    """The response was over the crawl's download cap, or inflated past it: it was not read.

    Why: Googlebot reads only the first 15 MB of an HTML file and ignores the rest; a page
    whose compressed body inflates to many times that (a compression bomb, or a runaway
    template) is neither audited here nor fully indexed there, and costs every client
    that opens it.
    Anti-pattern: inline data blobs or base64 media in the HTML, endless generated
    listings, a server compressing a huge or endless stream.
    Fix: keep the HTML well under 15 MB (move data to JSON endpoints, paginate); find why
    the response is this big. The cap is ``[crawl] max_bytes``.
    Source: https://developers.google.com/search/docs/crawling-indexing/googlebot#how-googlebot-accesses-your-site
    """

    id = "SEO-LINKS-013"
    slug = "page-too-large"
    family = "links"
    severity = "warning"
    fields = ("fetch_state", "error")

    def check(self, ctx: RuleContext) -> str:
        return """
            SELECT url,
                   CASE WHEN coalesce(error, '') ILIKE '%decompress%'
                        THEN 'The response inflates past the download cap (a compression bomb?): not read'
                        ELSE 'The response is larger than the download cap: not read' END AS message,
                   coalesce(error, 'too large') AS evidence
            FROM pages WHERE fetch_state = 'too_large'
        """
