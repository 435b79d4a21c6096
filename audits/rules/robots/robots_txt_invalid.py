from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule


class RobotsTxtInvalid(Rule):
    """A robots.txt line is not valid: syntax not understood, unknown directive, bad pattern or sitemap URL.

    Why: crawlers ignore lines they cannot read, so a misspelled or misplaced rule silently
    allows (or fails to sitemap) what the site meant to control; Lighthouse fails the page
    for any such line. Checked as Lighthouse's robots-txt audit does: a line needs a colon;
    directives other than user-agent, allow, disallow, sitemap (and crawl-delay,
    clean-param, host, request-rate, visit-time, noindex, content-signal, license, which
    some crawlers read) are unknown; allow/disallow need a user-agent before them and a
    pattern that is empty or starts with "/" or "*", with "$" only at its end; a
    user-agent needs a value; a sitemap needs an absolute http(s)/ftp URL.
    Anti-pattern: "Disallow /cart" without the colon, "Disalow:", rules above the first
    User-agent, "Sitemap: /sitemap.xml", HTML served as robots.txt.
    Fix: correct or remove each line listed (line number in the evidence).
    Source: Lighthouse robots-txt audit (Lighthouse 13, 2025; read 2026-12)
    https://developer.chrome.com/docs/lighthouse/seo/invalid-robots-txt
    """

    id = "SEO-ROBOTS-002"
    slug = "robots-txt-invalid"
    family = "robots"
    severity = "warning"
    scope = "site"
    needs = ("robots",)
    fields = ("robots.issues", "robots.outcome")

    def check(self, ctx: RuleContext) -> str:
        return """
            SELECT robots_url AS url,
                   'robots.txt line ' || issue.line::VARCHAR || ': ' || issue.message AS message,
                   'line ' || issue.line::VARCHAR || ': ' || issue.text AS evidence,
                   issue.message || ': ' || issue.text AS key
            FROM (SELECT robots_url, unnest(issues) AS issue FROM robots WHERE outcome = 'rules')
        """
