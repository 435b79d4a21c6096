"""The demo catalog: a bilingual (en-CA / fr-CA) outdoor retailer, computed on demand.

Stable API (the demo site, the SEM demo account and catalog coverage build on it)::

    catalog = Catalog(products=2000, seed=0)
    catalog.categories            # tuple of Category, about 20, bilingual names and slugs
    catalog.category("tents")     # by English or French slug (KeyError if unknown)
    p = catalog.product(41)       # Product: a frozen dataclass (IndexError if out of range)
    p.sku, p.gtin, p.name_en, p.name_fr, p.brand, p.category, p.price, p.currency,
    p.rating_value, p.rating_count, p.in_stock, p.path_en, p.path_fr, p.color, p.size
    catalog.product_for_path("/fr-ca/p/tente-summit-northwind-1234567")   # Product | None
    catalog.product_for_url("http://127.0.0.1:8765/en-ca/p/...")          # Product | None
    catalog.index_for_sku("1234567")                                      # int | None
    catalog.category_products("tents")                                    # range of indices
    catalog.category_of(41), catalog.find_category("tentes")              # Category (| None)
    catalog.title(p, "fr"), catalog.meta_description(p, "en")             # as the site shows them
    catalog.description(p, "fr")                                          # 150+ words, varied
    iter(catalog), catalog.iter_products(0, 500)                          # lazily generated

Languages are ``"en"`` and ``"fr"``; paths start with ``/en-ca/`` and ``/fr-ca/``;
prices are CAD floats with two decimals (``price_text`` formats them per language).

Everything is a pure function of ``(seed, index)``: nothing is generated up front, so a
200,000-product catalog costs no more to open than a 20-product one. Only small tables
(the categories and their index ranges) are precomputed.

This is the *true* catalog. Seeded defects (``demo.site.defects``) change how the
demo site serves some pages (a missing title, a zero price in JSON-LD...), never the data
here.
"""

from __future__ import annotations

import bisect
import random
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from demo.site import vocab

LANGS: tuple[str, str] = ("en", "fr")
LOCALE_PREFIX = {"en": "en-ca", "fr": "fr-ca"}  # first path segment
HREFLANG = {"en": "en-CA", "fr": "fr-CA"}  # BCP 47 codes for hreflang and <html lang>
STORE_NAME = "Boréal"
CURRENCY = "CAD"
PER_PAGE = 24  # products per category listing page

_MASK = (1 << 64) - 1
_SKU_SPACE = 10_000_000  # 7-digit SKUs


def mix64(x: int) -> int:
    """splitmix64 finalizer: a fast, well-spread 64-bit hash (stable across processes)."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


@lru_cache(maxsize=65536)  # product names share few (brand, line, noun) prefixes
def slugify(text: str) -> str:
    """ASCII slug: accents stripped, lower case, words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def price_text(price: float, lang: str) -> str:
    """A price as shoppers read it: ``$1,299.99`` in English, ``1 299,99 $`` in French."""
    if lang == "fr":
        return f"{price:,.2f}".replace(",", "\u00a0").replace(".", ",") + "\u00a0$"
    return f"${price:,.2f}"


_GTIN_PREFIX = "75401"  # GS1 Canada company prefix range (754-755), then a fixed "01"
_GTIN_PREFIX_SUM = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(_GTIN_PREFIX))


def _gtin13(sku: str) -> str:
    """GTIN-13 of a 7-digit SKU: prefix + SKU + the GS1 mod-10 check digit."""
    # Positions 5..11 of the 12-digit body: weight 3 at odd positions (5, 7, 9, 11).
    total = _GTIN_PREFIX_SUM + sum(
        (ord(d) - 48) * (3 if k % 2 == 0 else 1) for k, d in enumerate(sku)
    )
    return f"{_GTIN_PREFIX}{sku}{(10 - total % 10) % 10}"


def _base36(n: int, width: int) -> str:
    digits = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: they read as 1 and 0
    out = []
    for _ in range(width):
        n, r = divmod(n, len(digits))
        out.append(digits[r])
    return "".join(reversed(out))


@dataclass(frozen=True, slots=True)
class Category:
    """A product category. ``slug`` (English) is its stable identifier."""

    index: int
    slug: str
    slug_fr: str
    name_en: str
    name_fr: str
    sizes: tuple[str, ...]  # the size facet's values; ("One size",) when it has none
    first: int  # products [first, stop) belong to this category
    stop: int

    @property
    def path_en(self) -> str:
        return f"/en-ca/c/{self.slug}/"

    @property
    def path_fr(self) -> str:
        return f"/fr-ca/c/{self.slug_fr}/"

    def path(self, lang: str) -> str:
        return self.path_fr if lang == "fr" else self.path_en

    def name(self, lang: str) -> str:
        return self.name_fr if lang == "fr" else self.name_en

    @property
    def size(self) -> int:
        """Number of products in the category."""
        return self.stop - self.first

    def page_count(self, per_page: int = PER_PAGE) -> int:
        return max(1, -(-self.size // per_page))


@dataclass(frozen=True, slots=True)
class Product:
    """One catalog product; every field is deterministic in ``(seed, index)``."""

    index: int
    sku: str  # 7 digits, unique in the catalog
    gtin: str  # GTIN-13 with a valid check digit
    name_en: str
    name_fr: str
    brand: str
    category: str  # Category.slug (English)
    price: float  # CAD, two decimals
    currency: str  # always "CAD" in the catalog
    rating_value: float  # 1.0 .. 5.0, one decimal
    rating_count: int  # >= 1
    in_stock: bool
    path_en: str  # /en-ca/p/<slug>-<sku>
    path_fr: str  # /fr-ca/p/<slug>-<sku>
    color: str  # colour slug (vocab.COLORS), also the facet value
    size: str  # the size facet value it is listed under
    popularity: float  # (0, 1]: relative demand, heavy-tailed (for SEM simulations)

    def name(self, lang: str) -> str:
        return self.name_fr if lang == "fr" else self.name_en

    def path(self, lang: str) -> str:
        return self.path_fr if lang == "fr" else self.path_en

    @property
    def availability(self) -> str:
        """The schema.org availability URL."""
        return "https://schema.org/InStock" if self.in_stock else "https://schema.org/OutOfStock"


class Catalog:
    """``products`` products in about 20 categories, all derived from ``seed``."""

    def __init__(self, products: int = 2000, seed: int = 0) -> None:
        if products < 1:
            raise ValueError("a catalog needs at least one product")
        if products > _SKU_SPACE:
            raise ValueError(f"at most {_SKU_SPACE:,} products")
        self.products = products
        self.seed = seed
        self._salt = mix64(seed * 0x2545F4914F6CDD1D + 0x5EED)
        self._sku_mult = 3_141_593 + 20 * (seed % 997)  # odd, not a multiple of 5: a bijection
        self._sku_offset = self._salt % _SKU_SPACE
        self._sku_inverse = pow(self._sku_mult, -1, _SKU_SPACE)
        self.categories: tuple[Category, ...] = self._build_categories()
        self._starts = [c.first for c in self.categories]
        self._by_slug = {c.slug: c for c in self.categories} | {
            c.slug_fr: c for c in self.categories
        }
        # An lru_cache per instance, so two catalogs never share entries.
        self._cached_product = lru_cache(maxsize=8192)(self._product)

    def __repr__(self) -> str:
        return f"Catalog(products={self.products}, seed={self.seed})"

    def __len__(self) -> int:
        return self.products

    def __iter__(self) -> Iterator[Product]:
        return (self.product(i) for i in range(self.products))

    # ------------------------------------------------------------------ categories
    def _build_categories(self) -> tuple[Category, ...]:
        rng = random.Random(self._salt)
        weights = [spec[8] * (0.75 + 0.5 * rng.random()) for spec in vocab.CATEGORIES]
        total = sum(weights)
        bounds, acc = [0], 0.0
        for w in weights:
            acc += w
            bounds.append(round(self.products * acc / total))
        bounds[-1] = self.products
        return tuple(
            Category(
                index=k,
                slug=spec[0],
                slug_fr=spec[1],
                name_en=spec[2],
                name_fr=spec[3],
                sizes=vocab.SIZES[spec[5]],
                first=bounds[k],
                stop=bounds[k + 1],
            )
            for k, spec in enumerate(vocab.CATEGORIES)
        )

    def category(self, slug: str) -> Category:
        """The category with this English or French slug (KeyError if none)."""
        return self._by_slug[slug]

    def find_category(self, slug: str) -> Category | None:
        """The category with this English or French slug, or None."""
        return self._by_slug.get(slug)

    def category_of(self, index: int) -> Category:
        """The category product ``index`` belongs to."""
        return self.categories[bisect.bisect_right(self._starts, index) - 1]

    def category_products(self, slug: str) -> range:
        """Indices of the products in the category, in listing order."""
        c = self.category(slug)
        return range(c.first, c.stop)

    # ------------------------------------------------------------------ products
    def hash(self, index: int, salt: int) -> int:
        """A 64-bit hash of (seed, index, salt): the source of every per-product choice."""
        return mix64(self._salt ^ mix64(index * 0x100000001B3 + salt))

    def product(self, index: int) -> Product:
        """Product ``index`` (0-based); IndexError outside ``0 .. products - 1``."""
        return self._cached_product(index)

    def sku_of(self, index: int) -> str:
        return f"{(index * self._sku_mult + self._sku_offset) % _SKU_SPACE:07d}"

    def index_for_sku(self, sku: str) -> int | None:
        """The index of the product with this SKU, or None."""
        if len(sku) != 7 or not sku.isdigit():
            return None
        index = ((int(sku) - self._sku_offset) * self._sku_inverse) % _SKU_SPACE
        return index if index < self.products else None

    def _product(self, index: int) -> Product:
        if not 0 <= index < self.products:
            raise IndexError(f"product index {index} out of range 0..{self.products - 1}")
        h = self.hash(index, 1)
        h2 = self.hash(index, 2)
        cat = self.category_of(index)
        spec = vocab.CATEGORIES[cat.index]
        noun_en, noun_fr = spec[4][h % len(spec[4])]
        brand = vocab.BRANDS[(h >> 8) % len(vocab.BRANDS)]
        line = vocab.LINES[(h >> 16) % len(vocab.LINES)]
        sku = self.sku_of(index)
        model = _base36(int(sku), 5)
        name_en = f"{brand} {line} {noun_en} {model}"
        name_fr = f"{noun_fr} {line} {brand} {model}"
        lo, hi = spec[6], spec[7]
        # Heavy-tailed within the category's range: most products sit near the low end.
        u = ((h2 & 0xFFFF) + 0.5) / 65536
        dollars = lo + int((hi - lo) * u * u)
        cents = (0.99, 0.49, 0.95)[(h2 >> 16) % 3]
        position = index - cat.first
        rating_roll = (h2 >> 20) & 0xFF
        return Product(
            index=index,
            sku=sku,
            gtin=_gtin13(sku),
            name_en=name_en,
            name_fr=name_fr,
            brand=brand,
            category=cat.slug,
            price=round(dollars + cents, 2),
            currency=CURRENCY,
            rating_value=round(2.5 + 2.5 * (rating_roll / 255) ** 0.6, 1),
            rating_count=1 + ((h2 >> 28) & 0xFFF) % (40 + 60 * ((h2 >> 40) & 0x1F)),
            in_stock=((h2 >> 45) & 0xF) != 0,  # 15 in 16 in stock
            path_en=f"/en-ca/p/{slugify(name_en[: -len(model) - 1])}-{sku}",
            path_fr=f"/fr-ca/p/{slugify(name_fr[: -len(model) - 1])}-{sku}",
            color=vocab.COLORS[position % len(vocab.COLORS)][0],
            size=cat.sizes[(position // len(vocab.COLORS)) % len(cat.sizes)],
            popularity=round(max(1e-4, (((h2 >> 50) & 0x3FFF) + 1) / 16384) ** 3, 6),
        )

    def iter_products(self, start: int = 0, stop: int | None = None) -> Iterator[Product]:
        """Products ``start`` .. ``stop - 1``, generated lazily."""
        stop = self.products if stop is None else min(stop, self.products)
        return (self.product(i) for i in range(start, stop))

    # ------------------------------------------------------------------ URLs
    def product_for_path(self, path: str) -> Product | None:
        """The product whose en-CA or fr-CA page is at ``path`` (exactly), or None."""
        match = _PRODUCT_PATH.match(path)
        if not match:
            return None
        index = self.index_for_sku(match.group(3))
        if index is None:
            return None
        product = self.product(index)
        return product if path in (product.path_en, product.path_fr) else None

    def product_for_url(self, url: str) -> Product | None:
        """Like :meth:`product_for_path` for an absolute URL (any host, query ignored)."""
        return self.product_for_path(urlsplit(url).path)

    def category_for_path(self, path: str) -> Category | None:
        """The category whose listing is at ``path`` (``/en-ca/c/<slug>/``), or None."""
        match = _CATEGORY_PATH.match(path)
        if not match:
            return None
        category = self._by_slug.get(match.group(2))
        if category is None or path != category.path(_LANG_OF_PREFIX[match.group(1)]):
            return None
        return category

    @staticmethod
    def lang_of_path(path: str) -> str | None:
        """``en`` or ``fr`` from the locale prefix of a path, None for other paths."""
        return _LANG_OF_PREFIX.get(path[1:6]) if path[6:7] in ("/", "") else None

    # ------------------------------------------------------------------ text
    def title(self, product: Product, lang: str) -> str:
        """The product page's <title> (unique per product and language, at most 60 chars)."""
        return f"{product.name(lang)} | {STORE_NAME}"

    def meta_description(self, product: Product, lang: str) -> str:
        """The product page's meta description (unique, 70-160 characters)."""
        return _meta_description(self, product.index, lang)

    def description(self, product: Product, lang: str) -> str:
        """A product's long description: 120+ words, varied from product to product."""
        return _description(self, product.index, lang)

    def color_name(self, slug: str, lang: str) -> str:
        for color in vocab.COLORS:
            if color[0] == slug:
                return color[2] if lang == "fr" else color[1]
        raise KeyError(slug)


_PRODUCT_PATH = re.compile(r"^/(en-ca|fr-ca)/p/([a-z0-9-]+)-(\d{7})$")
_CATEGORY_PATH = re.compile(r"^/(en-ca|fr-ca)/c/([a-z0-9-]+)/$")
_LANG_OF_PREFIX = {"en-ca": "en", "fr-ca": "fr"}


def _pick(rng: random.Random, pool: tuple[tuple[str, str], ...], lang: int) -> str:
    return pool[rng.randrange(len(pool))][lang]


def _size_word(size: str, lang: str) -> str:
    if size == "One size":
        return "taille unique" if lang == "fr" else "one-size fit"
    return size if lang == "fr" else f"size {size}"


@lru_cache(maxsize=4096)
def _description(catalog: Catalog, index: int, lang: str) -> str:
    product = catalog.product(index)
    li = 1 if lang == "fr" else 0
    rng = random.Random(catalog.hash(index, 3))
    feature, feature2 = rng.sample(vocab.FEATURES, 2)
    activity, activity2 = rng.sample(vocab.ACTIVITIES, 2)
    place, place2 = rng.sample(vocab.PLACES, 2)
    other = catalog.categories[
        (catalog.category(product.category).index + 1 + rng.randrange(len(catalog.categories) - 1))
        % len(catalog.categories)
    ]
    fill = {
        "name": product.name(lang),
        "brand": product.brand,
        "activity": activity[li],
        "activity2": activity2[li],
        "place": place[li],
        "place2": place2[li],
        "material": _pick(rng, vocab.MATERIALS, li),
        "feature": feature[li],
        "feature2": feature2[li],
        "benefit": _pick(rng, vocab.BENEFITS, li),
        "season": _pick(rng, vocab.SEASONS, li),
        "color": catalog.color_name(product.color, lang).lower(),
        "tester": _pick(rng, vocab.TESTERS, li),
        "eco": _pick(rng, vocab.ECO, li),
        "care": _pick(rng, vocab.CARE, li),
        "other": other.name(lang),
        "size_word": _size_word(product.size, lang),
        "hours": str(40 + rng.randrange(900)),
        "grams": str(80 + rng.randrange(2400)),
        "years": str(1 + rng.randrange(5)),
    }
    sentences = []
    for slot in vocab.SENTENCES:
        text = slot[rng.randrange(len(slot))][li].format(**fill)
        sentences.append(text[0].upper() + text[1:])
    return " ".join(sentences)


_META_EN = (
    "Shop the {name} in {color}. {price}, free shipping over $75 and 60-day returns at Boréal.",
    "{name}: {color}, rated {rating}/5 by {count} shoppers. {price} at Boréal, ships across Canada.",
    "Buy the {name} ({color}) for {price}. In-store pickup and free returns at Boréal.",
)
_META_FR = (
    "Achetez {name} en {color}. {price}, livraison gratuite dès 75 $ et retours de 60 jours chez Boréal.",
    "{name} : {color}, noté {rating}/5 par {count} clients. {price} chez Boréal, livré partout au Canada.",
    "{name} ({color}) à {price}. Ramassage en magasin et retours gratuits chez Boréal.",
)


@lru_cache(maxsize=4096)
def _meta_description(catalog: Catalog, index: int, lang: str) -> str:
    product = catalog.product(index)
    templates = _META_FR if lang == "fr" else _META_EN
    rating = f"{product.rating_value:.1f}"
    fill = {
        "name": product.name(lang),
        "color": catalog.color_name(product.color, lang).lower(),
        "price": price_text(product.price, lang),
        "rating": rating.replace(".", ",") if lang == "fr" else rating,
        "count": product.rating_count,
    }
    text = templates[catalog.hash(index, 4) % len(templates)].format(**fill)
    if len(text) > 135:  # keep well inside the ~920 px a result snippet shows
        text = templates[-1].format(**fill)
    return text
