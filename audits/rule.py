"""The :class:`Rule` base class: metadata checked when the class is defined.

A rule judges recorded facts of one run and returns the failing rows. It never
fetches anything and never runs per record in Python: :meth:`Rule.check`
returns a DuckDB query (SQL text or relation) or an Arrow table / DataFrame
computed over the whole run, so a million pages cost one vectorized pass.

The rows :meth:`Rule.check` returns have these columns:

``url``          the page the finding is about (required)
``message``      one human sentence (required; may change wording between versions)
``evidence``     the offending element or value, as text (required, may be empty)
``related_url``  the other URL of a pair finding (link target, duplicate, hreflang target), optional
``key``          what distinguishes several findings of one rule on one URL (e.g. the
                 hreflang code), optional; with ``related_url`` it feeds the stable
                 fingerprint, so it must not contain volatile values (counts, sizes)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from searchops.errors import SearchopsError
from seo_crawler import schema

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import pyarrow as pa

    from audits.context import RuleContext

# family -> the code its rule IDs carry (SEO-<CODE>-NNN)
FAMILIES: dict[str, str] = {
    "meta": "META",
    "indexability": "INDEX",
    "links": "LINKS",
    "hreflang": "HREFLANG",
    "structured_data": "SCHEMA",
    "content": "CONTENT",
    "sitemaps": "SITEMAP",
    "vitals": "VITALS",
    "robots": "ROBOTS",
    "rendering": "RENDER",  # raw HTML vs the DOM after JavaScript
    "ai_search": "AI",  # readiness for AI search and answer engines
    "products": "PRODUCT",  # what a shopper can judge a product by, page against its category
    "media": "MEDIA",  # images and video: their markup, sitemaps and files
}
SEVERITIES = ("error", "warning", "notice")
SCOPES = ("page", "site")
# What a rule may need; a rule whose artifact is absent from the run is skipped.
ARTIFACTS = (
    "pages", "links", "sitemaps", "sitemap_urls", "robots", "vitals", "images", "baseline",
)  # fmt: skip
DOC_SECTIONS = ("Why:", "Anti-pattern:", "Fix:", "Source:")
# Keys of [audit.rules."ID"] that every rule understands, besides its own options.
COMMON_OPTIONS = ("enabled", "severity")

_KNOWN_COLUMNS = {
    "pages": set(schema.PAGES.names),
    "links": set(schema.LINKS.names),
    "sitemaps": set(schema.SITEMAPS.names),
    "sitemap_urls": set(schema.SITEMAP_URLS.names),
    "robots": set(schema.ROBOTS.names),
    "images": set(schema.IMAGE_FILES.names),
}
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SOURCE = re.compile(r"Source:\s*(?:\S+\s+)*?https?://\S+")

# IDs of deleted rules: an ID is never reused, even after its rule is gone.
RETIRED_IDS: frozenset[str] = frozenset()

_DEFINED: dict[str, type[Rule]] = {}


class RuleDefinitionError(TypeError):
    """A rule class is missing metadata or has invalid metadata."""


class Rule:
    """Base class of every audit rule (see ``audits/rules/__init__.py`` for a how-to).

    Subclasses that set ``id`` are concrete rules; their metadata is validated
    when the class statement runs, so a bad rule fails at import, not mid-audit.
    """

    id: ClassVar[str]
    slug: ClassVar[str]
    family: ClassVar[str]
    severity: ClassVar[str]
    scope: ClassVar[str] = "page"  # page: judges one record; site: judges records together
    needs: ClassVar[tuple[str, ...]] = ("pages",)
    # Columns read, "column" (of pages) or "artifact.column"; missing ones skip the rule.
    fields: ClassVar[tuple[str, ...]] = ()
    # Names of the options this rule reads from [audit.rules."ID"] in the settings.
    options: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "id" not in cls.__dict__:
            return  # an intermediate base class, not a rule
        _validate(cls)
        if cls.id in _DEFINED and _DEFINED[cls.id].__qualname__ != cls.__qualname__:
            raise RuleDefinitionError(
                f"{cls.id}: defined twice ({_DEFINED[cls.id].__module__} and {cls.__module__})"
            )
        _DEFINED[cls.id] = cls

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config = dict(config or {})
        unknown = set(self.config) - set(self.options) - set(COMMON_OPTIONS)
        if unknown:
            raise SearchopsError(
                f"audit.rules.{self.id}: unknown option(s) {', '.join(sorted(unknown))}; "
                f"this rule reads {', '.join(self.options) or 'none'}"
            )
        missing = [name for name in self.options if name not in self.config]
        if missing:
            raise SearchopsError(
                f"audit.rules.{self.id}: missing option(s) {', '.join(missing)} "
                "(config/default.toml sets every one)"
            )
        self.effective_severity = str(self.config.get("severity", self.severity))
        if self.effective_severity not in SEVERITIES:
            raise SearchopsError(
                f"audit.rules.{self.id}.severity: {self.effective_severity!r} is not one of "
                f"{', '.join(SEVERITIES)}"
            )

    @classmethod
    def inherited_options(cls, settings: Any) -> dict[str, Any]:
        """Defaults of this rule's options kept elsewhere in the settings (one source for a
        number two stages share, like the vitals thresholds); ``[audit.rules."ID"]`` wins."""
        return {}

    def opt(self, name: str) -> Any:
        """The configured value of one of this rule's declared options."""
        if name not in self.options:
            raise KeyError(f"{self.id} does not declare option {name!r}")
        return self.config[name]

    def check(self, ctx: RuleContext) -> str | duckdb.DuckDBPyRelation | pa.Table | pd.DataFrame:
        """Return the failing rows (see the module docstring for the columns)."""
        raise NotImplementedError

    @classmethod
    def summary(cls) -> str:
        """The first line of the docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0]

    @classmethod
    def doc_section(cls, name: str) -> str:
        """The text of one docstring section (``why``, ``anti-pattern``, ``fix``, ``source``)."""
        text = cls.__doc__ or ""
        wanted = f"{name.capitalize()}:" if name != "anti-pattern" else "Anti-pattern:"
        start = text.find(wanted)
        if start < 0:
            return ""
        rest = text[start + len(wanted) :]
        ends = [rest.find(s) for s in DOC_SECTIONS if rest.find(s) >= 0]
        return " ".join((rest[: min(ends)] if ends else rest).split())

    @classmethod
    def metadata(cls) -> dict[str, Any]:
        return {
            "id": cls.id,
            "slug": cls.slug,
            "family": cls.family,
            "severity": cls.severity,
            "scope": cls.scope,
            "needs": list(cls.needs),
            "fields": list(cls.fields),
            "options": list(cls.options),
            "summary": cls.summary(),
            "why": cls.doc_section("why"),
            "anti_pattern": cls.doc_section("anti-pattern"),
            "fix": cls.doc_section("fix"),
            "source": cls.doc_section("source"),
        }


def _validate(cls: type[Rule]) -> None:
    name = f"{cls.__module__}.{cls.__qualname__}"

    def fail(problem: str) -> None:
        raise RuleDefinitionError(f"{name}: {problem}")

    for attr in ("id", "slug", "family", "severity"):
        if not isinstance(getattr(cls, attr, None), str):
            fail(f"missing class attribute {attr!r}")
    if cls.family not in FAMILIES:
        fail(f"family {cls.family!r} is not one of {', '.join(FAMILIES)}")
    if not re.fullmatch(rf"SEO-{FAMILIES[cls.family]}-\d{{3}}", cls.id):
        fail(f"id {cls.id!r} must look like SEO-{FAMILIES[cls.family]}-NNN")
    if cls.id in RETIRED_IDS:
        fail(f"id {cls.id} belonged to a deleted rule and is never reused")
    if not _SLUG.match(cls.slug):
        fail(f"slug {cls.slug!r} must be lowercase words joined by '-'")
    if cls.severity not in SEVERITIES:
        fail(f"severity {cls.severity!r} is not one of {', '.join(SEVERITIES)}")
    if cls.scope not in SCOPES:
        fail(f"scope {cls.scope!r} is not one of {', '.join(SCOPES)}")
    if not cls.needs or set(cls.needs) - set(ARTIFACTS):
        fail(f"needs {cls.needs!r} must name artifacts among {', '.join(ARTIFACTS)}")
    for field in cls.fields:
        artifact, _, column = field.rpartition(".")
        artifact = artifact or "pages"
        if artifact not in cls.needs:
            fail(f"field {field!r} reads artifact {artifact!r} missing from needs")
        known = _KNOWN_COLUMNS.get(artifact)
        if known is not None and column not in known:
            fail(f"field {field!r}: no column {column!r} in the {artifact} schema")
    doc = cls.__doc__ or ""
    for section in DOC_SECTIONS:
        if section not in doc:
            fail(f"docstring lacks a {section!r} section (why, anti-pattern, fix, source)")
    if not _SOURCE.search(doc):
        fail("the Source: section must give an http(s) link")
    if "check" not in {k for c in cls.__mro__[:-1] if c is not Rule for k in c.__dict__}:
        fail("does not implement check()")
