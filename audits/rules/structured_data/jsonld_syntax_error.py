from __future__ import annotations

from audits.rules._base import HtmlPageRule


class JsonldSyntaxError(HtmlPageRule):
    """A structured-data block could not be parsed (invalid JSON-LD, broken microdata).

    Why: a block with a syntax error is dropped whole by search engines: the page
    loses every rich result that block described.
    Anti-pattern: JSON-LD assembled by string concatenation (trailing commas, unescaped
    quotes in product names, truncated output).
    Fix: serialize structured data with a JSON encoder; validate templates in CI.
    Source: https://developers.google.com/search/docs/appearance/structured-data/sd-policies#technical-guidelines
    """

    id = "SEO-SCHEMA-001"
    slug = "structured-data-syntax-error"
    family = "structured_data"
    severity = "error"
    fields = ("structured_data_errors",)
    condition = "len(coalesce(structured_data_errors, [])) > 0"
    message = "len(structured_data_errors) || ' structured-data block(s) could not be parsed'"
    evidence = "structured_data_errors[1]"
