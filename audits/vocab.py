"""Reference vocabularies the rules check against: schema.org, ISO codes.

* schema.org: ``audits/data/schemaorg_subset.json`` (why a subset: see its ``_about``).
* ISO 639-1 languages, ISO 3166-1 alpha-2 regions, ISO 15924 scripts and ISO 4217
  currencies: ``pycountry`` (the ISO tables packaged from Debian's iso-codes).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import pycountry


@cache
def _schema() -> dict[str, object]:
    text = (
        resources.files("audits")
        .joinpath("data", "schemaorg_subset.json")
        .read_text(encoding="utf-8")
    )
    data: dict[str, object] = json.loads(text)
    return data


@cache
def schema_properties() -> dict[str, frozenset[str]]:
    """schema.org type -> every property it accepts (its own and its ancestors')."""
    types: dict[str, dict[str, list[str]]] = _schema()["types"]  # type: ignore[assignment]

    def collect(name: str) -> set[str]:
        spec = types[name]
        props = set(spec["properties"])
        for parent in spec["parents"]:
            props |= collect(parent)
        return props

    return {name: frozenset(collect(name)) for name in types}


@cache
def schema_types() -> frozenset[str]:
    """Every schema.org type name this subset knows (with or without property lists)."""
    names: list[str] = _schema()["names_only"]  # type: ignore[assignment]
    return frozenset(schema_properties()) | frozenset(names)


@cache
def currencies() -> frozenset[str]:
    """ISO 4217 alphabetic codes."""
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def hreflang_problem(code: str) -> tuple[str, str] | None:
    """``("language" | "region", reason)`` when ``code`` breaks Google's hreflang format.

    Google: "x-default", or an ISO 639-1 language, optionally followed by "-" and an
    ISO 3166-1 alpha-2 region (a script subtag, ISO 15924, is also accepted: zh-Hant-TW).
    """
    raw = code.strip()
    if raw.lower() == "x-default":
        return None
    if "_" in raw:
        return ("language", f'"{raw}" uses "_"; hreflang separates language and region with "-"')
    parts = raw.split("-")
    language = parts[0].lower()
    country = len(language) == 2 and pycountry.countries.get(alpha_2=language) is not None
    if len(language) != 2 or pycountry.languages.get(alpha_2=language) is None:
        if country and len(parts) == 1:
            return (
                "language",
                f'"{raw}" is a region alone; Google needs a language before the region (LANGUAGE-{raw.upper()})',
            )
        return ("language", f'"{parts[0]}" is not an ISO 639-1 language code')
    # A lone subtag in capitals that names a country ("CA", "DE") is a region written
    # without its language: BCP 47 writes languages in lowercase and regions in capitals
    # (RFC 5646 section 2.1.1), and "CA" on a Canadian site does not mean Catalan.
    if country and len(parts) == 1 and raw.isupper():
        return (
            "language",
            f'"{raw}" is a region alone; Google needs a language before the region (LANGUAGE-{raw}), or write "{language}" for the language',
        )
    rest = parts[1:]
    if rest and len(rest[0]) == 4:
        if pycountry.scripts.get(alpha_4=rest[0].title()) is None:
            return ("language", f'"{rest[0]}" is not an ISO 15924 script code')
        rest = rest[1:]
    if len(rest) > 1:
        return ("language", f'"{raw}" has more subtags than language[-script][-region]')
    if rest:
        region = rest[0].upper()
        if len(region) != 2 or pycountry.countries.get(alpha_2=region) is None:
            hint = ' (the United Kingdom is "GB")' if region == "UK" else ""
            return ("region", f'"{rest[0]}" is not an ISO 3166-1 alpha-2 region code{hint}')
    return None
