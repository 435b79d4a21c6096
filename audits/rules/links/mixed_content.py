from __future__ import annotations

from audits.rules._base import HtmlPageRule


class MixedContent(HtmlPageRule):
    """An https page loads subresources over plain http.

    Why: browsers block active mixed content (scripts, iframes) and flag passive
    content, breaking the page and its padlock; Chrome upgrades or blocks images.
    Anti-pattern: hard-coded http:// image or script URLs in templates or CMS content.
    Fix: serve every subresource over https (protocol-relative is not enough for old content).
    Source: https://developer.mozilla.org/en-US/docs/Web/Security/Mixed_content
    """

    id = "SEO-LINKS-007"
    slug = "mixed-content"
    family = "links"
    severity = "warning"
    fields = ("insecure_resources",)
    condition = "url LIKE 'https://%' AND len(coalesce(insecure_resources, [])) > 0"
    message = "'The https page loads ' || len(insecure_resources) || ' resource(s) over http'"
    evidence = "array_to_string(insecure_resources[1:3], ' ')"
