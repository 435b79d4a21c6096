"""What to do with ``merchant check``'s findings: a supplemental feed and the site team's list.

* The supplemental feed corrects the feed where the site is the truth: a price or an
  availability that the landing page's markup states differently. Merchant Center applies a
  supplemental feed's attributes over the primary feed's for the same ``id``
  (support.google.com/merchants/answer/7439058); tab-separated, the format primary feeds use.
  Only what the page states unambiguously (one price, one availability) is written.
* The site team's list is everything only the site can fix: landing pages that fail,
  redirect, say noindex or are blocked, markup missing a GTIN, products missing from the feed.
"""

from __future__ import annotations

import pandas as pd

from merchant.feed import clean

SITE_KINDS = (
    "landing_page_error", "landing_page_redirects", "landing_page_noindex",
    "landing_page_blocked", "page_not_crawled", "gtin_missing", "gtin_mismatch", "not_in_feed",
)  # fmt: skip


def _feed_cell(value: object) -> str:
    """A tab-separated cell: no tab or newline can split it, no formula can run in it."""
    text = clean(value).replace("\t", " ").replace("\n", " ")
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def supplemental_feed(findings: pd.DataFrame) -> str:
    """Tab-separated supplemental feed: id, price, availability (empty = keep the feed's)."""
    rows: dict[str, dict[str, str]] = {}
    for r in findings.itertuples():
        markup = str(r.markup_value or "")
        if r.kind == "price_mismatch" and "," not in markup:
            rows.setdefault(str(r.offer_id), {})["price"] = markup
        elif r.kind == "availability_mismatch" and "," not in markup:
            rows.setdefault(str(r.offer_id), {})["availability"] = markup
    lines = ["id\tprice\tavailability"]
    for offer_id, values in sorted(rows.items()):
        cells = [offer_id, values.get("price", ""), values.get("availability", "")]
        lines.append("\t".join(_feed_cell(c) for c in cells))
    return "\n".join(lines) + "\n"


def site_fixes(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings only the site can fix, the most spend at risk first."""
    fixes = findings[findings["kind"].isin(SITE_KINDS)]
    return fixes[["kind", "url", "offer_id", "language", "message", "spend_at_risk"]].reset_index(
        drop=True
    )
