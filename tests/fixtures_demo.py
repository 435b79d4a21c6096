"""Fixtures serving the bundled demo catalog site on 127.0.0.1.

* ``demo_site`` (session): 300 products, seed 7, week 1, served in a background thread.
* ``demo_site_factory`` (session): ``demo_site_factory(products=..., seed=..., week=...,
  slow_template=..., slowdown_ms=...)`` starts (or reuses) a site with other parameters;
  every site it started is stopped at the end of the session.

Both give a :class:`DemoSite`: ``.url`` (``http://127.0.0.1:PORT``, no trailing slash),
``.defects`` (the manifest: ``{"url", "kind", "detail", ...}`` dicts with absolute URLs,
see ``demo.site.defects``), and helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest

from demo.site import serve
from demo.site.catalog import Catalog
from demo.site.defects import manifest

DEMO_PRODUCTS = 300
DEMO_SEED = 7


@dataclass
class DemoSite:
    url: str
    defects: list[dict[str, Any]]
    products: int
    seed: int
    week: int
    slow_template: str | None = None
    slowdown_ms: int = 500
    catalog: Catalog = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.catalog = Catalog(products=self.products, seed=self.seed)

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        """The manifest entries of one kind."""
        return [e for e in self.defects if e["kind"] == kind]

    def defect_urls(self, kind: str | None = None) -> set[str]:
        """URLs with a defect (of ``kind``, or of any kind)."""
        return {e["url"] for e in self.defects if kind is None or e["kind"] == kind}

    def absolute(self, path: str) -> str:
        return self.url + path


def _start(stack: ExitStack, **params: Any) -> DemoSite:
    url = stack.enter_context(serve(**params))
    return DemoSite(
        url=str(url),
        defects=manifest(params["products"], params["seed"], params["week"], str(url)),
        products=params["products"],
        seed=params["seed"],
        week=params["week"],
        slow_template=params.get("slow_template"),
        slowdown_ms=params.get("slowdown_ms", 500),
    )


@pytest.fixture(scope="session")
def demo_site() -> Iterator[DemoSite]:
    """The demo site: 300 products, seed 7, week 1."""
    with ExitStack() as stack:
        yield _start(stack, products=DEMO_PRODUCTS, seed=DEMO_SEED, week=1)


@pytest.fixture(scope="session")
def demo_site_factory() -> Iterator[Callable[..., DemoSite]]:
    """Start a demo site with other parameters (cached per parameters for the session)."""
    sites: dict[tuple[Any, ...], DemoSite] = {}
    with ExitStack() as stack:

        def factory(
            products: int = DEMO_PRODUCTS,
            seed: int = DEMO_SEED,
            week: int = 1,
            slow_template: str | None = None,
            slowdown_ms: int = 500,
        ) -> DemoSite:
            key = (products, seed, week, slow_template, slowdown_ms)
            if key not in sites:
                sites[key] = _start(
                    stack,
                    products=products,
                    seed=seed,
                    week=week,
                    slow_template=slow_template,
                    slowdown_ms=slowdown_ms,
                )
            return sites[key]

        yield factory
