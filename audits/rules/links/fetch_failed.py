from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule

# What kind of failure an error recorded by the crawler is (spider.failed records
# "<exception type>: <message>" from Twisted, Scrapy or Playwright). First match wins:
# a failed render names the browser's error after "render failed:".
_KINDS = (
    ("render", r"^render failed:"),
    ("extraction", r"^extraction failed:"),
    ("dns", r"(?i)CannotResolveHost|DNSLookupError|DNS lookup failed|getaddrinfo"),
    ("tls", r"(?i)SSL|TLS|certificate|handshake"),
    ("timeout", r"(?i)timeout|timed out"),
    ("connection", r"(?i)connection|ResponseNeverReceived|ResponseFailed"),
)


class FetchFailed(Rule):
    """A URL the crawler met could not be fetched at all: DNS, connection, timeout or TLS failure.

    Why: a page that does not answer is neither crawled nor indexed; Googlebot treats
    DNS and connection errors like server errors, slows down crawling of the host and
    drops URLs that keep failing. When the start URL fails, the whole site is down.
    Anti-pattern: a host name missing from DNS, a firewall or load balancer refusing
    the crawler, an expired or mismatched TLS certificate, pages slower than any timeout.
    Fix: make the host resolve and answer (check DNS, certificates and firewall rules
    for crawler traffic) and speed up pages that time out.
    Source: https://developers.google.com/search/docs/crawling-indexing/http-network-errors#network-and-dns-errors
    """

    id = "SEO-LINKS-012"
    slug = "fetch-failed"
    family = "links"
    severity = "error"
    fields = ("fetch_state", "error")

    def check(self, ctx: RuleContext) -> str:
        kind = " ".join(
            f"WHEN regexp_matches(error, '{pattern}') THEN '{name}'" for name, pattern in _KINDS
        )
        return f"""
            SELECT url,
                   'The URL could not be fetched (' || kind || '): ' || error AS message,
                   kind || ': ' || error AS evidence
            FROM (
                SELECT url, coalesce(error, 'no response') AS error,
                       CASE {kind} ELSE 'other' END AS kind
                FROM pages WHERE fetch_state = 'error'
            )
        """
