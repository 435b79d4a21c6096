from __future__ import annotations

from typing import Any

import pyarrow as pa

from audits.context import RuleContext
from audits.rule import Rule


class RichResultRetired(Rule):
    """Markup for a rich result Google no longer shows (FAQ, HowTo, search box, June 2025 ones).

    Why: the markup is valid schema.org and harmless, and other engines may read it, but
    Google stopped showing these rich results: HowTo (September 2023), FAQ (limited to
    government and health sites from August 2023, gone from 7 May 2026), the sitelinks
    search box (November 2024), and Book Actions, Course Info, ClaimReview, Estimated
    Salary, Learning Video, Special Announcement and Vehicle Listing (June 2025). Time
    spent keeping it eligible for Google buys nothing, so it is reported as information
    and not validated as a rich result.
    Anti-pattern: FAQPage markup added to every product page to win FAQ snippets;
    a WebSite SearchAction kept for a search box Google no longer draws.
    Fix: nothing is required; keep the markup if other consumers use it, drop it if it
    only served Google's rich result, and do not plan work around these features.
    Source: Google Search Central blog, "Simplifying the search results page" (2025-06-12)
    https://developers.google.com/search/blog/2025/06/simplifying-search-results,
    "Changes to HowTo and FAQ rich results" (2023-08-08)
    https://developers.google.com/search/blog/2023/08/howto-faq-changes, "Goodbye,
    sitelinks search box" (2024-10-21)
    https://developers.google.com/search/blog/2024/10/sitelinks-search-box and the FAQ
    documentation (FAQ rich results gone from 2026-05-07)
    https://developers.google.com/search/docs/appearance/structured-data/faqpage
    """

    id = "SEO-SCHEMA-019"
    slug = "rich-result-retired"
    family = "structured_data"
    severity = "notice"
    fields = ("structured_data",)
    options = ("retired",)

    def _retired(self) -> pa.Table:
        entries: list[dict[str, Any]] = self.opt("retired")
        columns = ("type", "prop", "having", "feature", "since")
        return pa.table(
            {c: [str(e.get(c, "")) for e in entries] for c in columns},
            schema=pa.schema([(c, pa.string()) for c in columns]),
        )

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        ctx.con.register("_retired_rich_results", self._retired())
        # A type is matched at any depth (a FAQPage inside a WebPage graph still is one);
        # "prop" narrows it to the property it hangs from (SearchAction under
        # potentialAction), "having" to nodes with a property (a VideoObject is a Learning
        # Video only with its learningResourceType).
        return """
            SELECT DISTINCT n.url,
                   '"' || n.type || '" markup: the ' || r.feature || ' is no longer shown by Google (since '
                   || r.since || '); not validated as a rich result' AS message,
                   n.type AS evidence, r.feature AS key
            FROM sd_nodes n JOIN _retired_rich_results r
              ON n.type = r.type AND (r.prop = '' OR n.prop = r.prop)
             AND (r.having = '' OR list_contains(n.props, r.having))
        """
