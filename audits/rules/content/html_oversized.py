from __future__ import annotations

from audits.rules._base import HtmlPageRule


class HtmlOversized(HtmlPageRule):
    """The HTML document is larger than the configured maximum.

    Why: huge HTML is slow to download and parse on phones, and Googlebot reads only
    the first 15 MB of a file; content past the cut is not indexed.
    Anti-pattern: inline JSON state blobs, base64 images, every variant rendered inline.
    Fix: move data to JSON endpoints or lazy components, drop inline images; keep HTML small.
    Source: https://developers.google.com/search/docs/crawling-indexing/googlebot#how-googlebot-accesses-your-site
    """

    id = "SEO-CONTENT-005"
    slug = "html-oversized"
    family = "content"
    severity = "warning"
    fields = ("bytes",)
    options = ("max_bytes",)
    condition = "bytes > {max_bytes}"  # an incomplete body is SEO-CONTENT-008
    message = "'The HTML is ' || round(bytes / 1048576.0, 1) || ' MB (maximum ' || round({max_bytes} / 1048576.0, 1) || ' MB)'"
    evidence = "bytes || ' bytes'"
