from __future__ import annotations

from audits.rules.links._status import StatusRule


class Status4xx(StatusRule):
    """A crawled URL answers a client error (4xx).

    Why: a URL that is linked, listed or canonical but answers 404/410 is a dead end
    for users and crawlers, and drops out of the index.
    Anti-pattern: discontinued products removed without a redirect, links left behind.
    Fix: restore the page, 301 it to the closest replacement, or remove the references.
    Source: https://developers.google.com/search/docs/crawling-indexing/http-network-errors
    """

    id = "SEO-LINKS-001"
    slug = "status-4xx"
    family = "links"
    severity = "error"
    low, high = 400, 499
