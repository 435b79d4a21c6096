from __future__ import annotations

from audits.rules._base import HtmlPageRule


class CharsetNotUtf8(HtmlPageRule):
    """The page is not encoded in UTF-8.

    Why: HTML must be UTF-8 (WHATWG Encoding Standard); legacy encodings garble
    accented text (French!) when a header, a meta tag or a proxy disagree, which
    shows up in titles, snippets and structured data.
    Anti-pattern: windows-1252 templates, iso-8859-1 declared only in <meta charset>.
    Fix: store and serve UTF-8; declare it in Content-Type and <meta charset="utf-8">.
    Source: https://html.spec.whatwg.org/multipage/semantics.html#charset
    """

    id = "SEO-CONTENT-006"
    slug = "charset-not-utf8"
    family = "content"
    severity = "warning"
    fields = ("encoding", "encoding_declared")
    condition = "lower(replace(coalesce(encoding_declared, encoding, ''), '_', '-')) NOT IN ('utf-8', 'utf8')"
    message = "'The page is encoded in ' || coalesce(encoding_declared, encoding, 'an undeclared charset') || ', not UTF-8'"
    evidence = (
        "coalesce(encoding_declared, '(undeclared)') || ' / decoded as ' || coalesce(encoding, '?')"
    )
