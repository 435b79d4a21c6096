from __future__ import annotations

from audits.rules._base import HtmlPageRule


class BrowserRequestBlocked(HtmlPageRule):
    """While the page rendered, its scripts asked the browser for URLs outside the crawl's scope.

    Why: the crawler's rendering browser reaches only what the crawl may (same host and
    port, no link-local or cloud-metadata address, no POST to another origin): what the
    page asked for beyond that was not sent, so the rendered DOM may lack what it would
    have brought, and a page whose scripts send data to other hosts deserves a look
    (third-party tags, or injected code).
    Anti-pattern: content built from another host or port than the page's; scripts that
    POST page data to unknown origins; requests to internal or metadata addresses.
    Fix: serve what the page needs from its own origin, or add the host to the crawl
    (``--allow-host HOST[:PORT]``) when it is yours; remove scripts you did not put there.
    Source: https://developer.mozilla.org/en-US/docs/Web/Security/Same-origin_policy
    """

    id = "SEO-LINKS-030"
    slug = "browser-request-blocked"
    family = "links"
    severity = "notice"
    fields = ("browser_blocked",)
    condition = "len(coalesce(browser_blocked, [])) > 0"
    message = (
        "'While rendering, the browser was kept from ' || len(browser_blocked) || "
        "' request(s) outside the crawl''s scope'"
    )
    evidence = "array_to_string(browser_blocked[1:3], ' | ')"
