"""Which pages are product and category pages, as the vitals sampler classifies URLs.

One classification for the crawl's ``--render-sample``, ``searchops vitals`` and these
rules: the first ``[vitals.templates]`` regex a URL matches (in config order) names its
template (:func:`seo_crawler.vitals.sampling.classify`). Pages with Product markup count
as product pages whatever their URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from audits.rule import Rule
from audits.rules._base import sql_text


def template_sql(templates: Mapping[str, str], url: str = "url") -> str:
    """SQL: the template name of ``url`` (``other`` when no regex matches)."""
    whens = " ".join(
        f"WHEN regexp_matches({url}, {sql_text(pattern)}) THEN {sql_text(name)}"
        for name, pattern in templates.items()
    )
    return f"(CASE {whens} ELSE 'other' END)" if whens else "'other'"


class CommercePageRule(Rule):
    """A rule about product (and category) pages; ``commerce_templates`` names the templates
    judged, ``templates`` are the ``[vitals.templates]`` regexes (inherited)."""

    options: ClassVar[tuple[str, ...]] = ("commerce_templates", "templates")

    @classmethod
    def inherited_options(cls, settings: Any) -> dict[str, Any]:
        return {"templates": dict(settings.vitals.templates)}

    def commerce_page(self, product_markup: str = "product_markup") -> str:
        """SQL over an ``html_pages`` row: a page of a judged template, or with Product markup."""
        names = ", ".join(sql_text(n) for n in self.opt("commerce_templates"))
        template = template_sql(self.opt("templates"))
        markup = f"coalesce({product_markup}, false)" if product_markup else "false"
        # Product markup makes a product page of a URL no template names, never of a
        # category page a template excludes.
        return f"({template} IN ({names}) OR ({markup} AND {template} NOT IN ('category', 'home')))"
