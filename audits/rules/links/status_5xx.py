from __future__ import annotations

from audits.rules.links._status import StatusRule


class Status5xx(StatusRule):
    """A crawled URL answers a server error (5xx).

    Why: server errors stop indexing of the page and, when frequent, make Googlebot
    slow down crawling of the whole site.
    Anti-pattern: pages that crash on missing data (an empty gift-card catalog, a null price).
    Fix: fix the server error; answer 503 with Retry-After only for planned downtime.
    Source: https://developers.google.com/search/docs/crawling-indexing/http-network-errors#5xx-server-errors
    """

    id = "SEO-LINKS-002"
    slug = "status-5xx"
    family = "links"
    severity = "error"
    low, high = 500, 599
