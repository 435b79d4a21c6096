from __future__ import annotations

from audits.rules._base import HtmlPageRule


class JsonldControlCharacter(HtmlPageRule):
    """A JSON-LD block has a raw control character (newline, tab) inside a string.

    Why: JSON forbids unescaped control characters in strings (RFC 8259, section 7).
    searchops reads such a block leniently, as some consumers do, but strict JSON
    parsers reject it and drop the whole block: the page may lose every rich result
    it describes with some search engines and tools.
    Anti-pattern: a product description pasted into the template with its line breaks:
    "description": "Waterproof.<newline>Two doors." instead of "Waterproof.\\nTwo doors.".
    Fix: serialize structured data with a JSON encoder (it writes \\n and \\t escapes).
    Source: RFC 8259 "The JavaScript Object Notation (JSON) Data Interchange Format"
    (December 2017), section 7 https://www.rfc-editor.org/rfc/rfc8259#section-7 and
    Google Search Central, structured data general guidelines (read 2026-12)
    https://developers.google.com/search/docs/appearance/structured-data/sd-policies#technical-guidelines
    """

    id = "SEO-SCHEMA-013"
    slug = "jsonld-control-character"
    family = "structured_data"
    severity = "warning"
    fields = ("jsonld_control_chars",)
    condition = "len(coalesce(jsonld_control_chars, [])) > 0"
    message = (
        "len(jsonld_control_chars) || ' JSON-LD block(s) hold a raw control character in a "
        "string: strict JSON parsers drop them'"
    )
    evidence = "jsonld_control_chars[1]"
