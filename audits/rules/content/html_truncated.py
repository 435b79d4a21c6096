from __future__ import annotations

from audits.rules._base import HtmlPageRule


class HtmlTruncated(HtmlPageRule):
    """The HTML arrived incomplete: cut before its Content-Length, or before </body></html>.

    Why: a crawler reads what the server sends; a Content-Length shorter than the page (or a
    connection closed early) cuts the document, and with it the links, structured data and
    text after the cut: search engines index and follow only what arrived.
    Anti-pattern: a proxy or CDN rewriting the body (injected scripts, minification)
    without fixing Content-Length; an application server that dies mid-response.
    Fix: send the length of the body actually sent (or chunked encoding); find what cuts
    the response.
    Source: https://www.rfc-editor.org/rfc/rfc9110#section-8.6
    """

    id = "SEO-CONTENT-008"
    slug = "html-truncated"
    family = "content"
    severity = "error"
    fields = ("truncated", "error", "bytes")
    condition = "coalesce(truncated, false)"
    message = "'The HTML arrived incomplete (' || bytes || ' bytes): links and content after the cut are missing'"
    evidence = "coalesce(error, 'truncated')"
