"""The catalog API that the site, the SEM demo account and coverage build on."""

from __future__ import annotations

import time
from dataclasses import FrozenInstanceError

import pytest

from demo.site.catalog import Catalog, Product


def test_deterministic_by_seed() -> None:
    a, b, c = Catalog(500, seed=3), Catalog(500, seed=3), Catalog(500, seed=4)
    assert [a.product(i) for i in range(500)] == [b.product(i) for i in range(500)]
    assert a.product(10) != c.product(10)
    assert a.description(a.product(10), "fr") == b.description(b.product(10), "fr")
    with pytest.raises(FrozenInstanceError):
        a.product(0).price = 1.0  # type: ignore[misc]


def test_products_and_lookups() -> None:
    catalog = Catalog(5000, seed=0)
    skus, names = set(), set()
    for p in catalog:
        assert isinstance(p, Product)
        assert len(p.sku) == 7 and len(p.gtin) == 13 and p.currency == "CAD" and p.price > 0
        assert 1 <= p.rating_value <= 5 and p.rating_count >= 1
        assert catalog.index_for_sku(p.sku) == p.index
        assert catalog.product_for_path(p.path_en) is p and catalog.product_for_path(p.path_fr) is p
        assert catalog.product_for_url("http://h:1" + p.path_fr + "?x=1") is p
        assert p.category == catalog.category_of(p.index).slug
        assert len(catalog.title(p, "en")) <= 60 and len(catalog.title(p, "fr")) <= 60
        assert 70 <= len(catalog.meta_description(p, "fr")) <= 160
        skus.add(p.sku)
        names.add(p.name_en)
    assert len(skus) == len(names) == 5000
    wrong_slug = "/en-ca/p/not-its-slug-" + catalog.product(7).sku
    assert catalog.product_for_path(wrong_slug) is None
    assert catalog.index_for_sku("abc") is None
    with pytest.raises(IndexError):
        catalog.product(5000)


def test_categories_are_bilingual_and_cover_the_catalog() -> None:
    catalog = Catalog(2000, seed=0)
    assert 18 <= len(catalog.categories) <= 22
    assert sum(c.size for c in catalog.categories) == 2000
    for c in catalog.categories:
        assert c.name_en and c.name_fr and c.slug and c.slug_fr
        assert catalog.category(c.slug_fr) is c and catalog.category_for_path(c.path_fr) is c
        assert list(catalog.category_products(c.slug)) == list(range(c.first, c.stop))
    assert any(c.name_fr != c.name_en for c in catalog.categories)


def test_descriptions_are_long_and_varied() -> None:
    catalog = Catalog(2000, seed=5)
    texts = [catalog.description(catalog.product(i), "en") for i in range(300)]
    assert min(len(t.split()) for t in texts) >= 120
    assert len(set(texts)) == 300
    french = catalog.description(catalog.product(0), "fr")
    assert any(ch in french for ch in "éèàç")


def test_huge_catalog_is_instant() -> None:
    started = time.perf_counter()
    catalog = Catalog(200_000, seed=9)
    product = catalog.product(199_999)
    catalog.description(product, "fr")
    assert catalog.product_for_path(product.path_fr) is product
    assert time.perf_counter() - started < 0.1
