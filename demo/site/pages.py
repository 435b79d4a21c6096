"""HTML of the demo site: pure functions of (site, request path, base URL) -> Page.

Per-request cost is what matters here (the crawl benchmark runs the site and the crawler
on the same two cores): pages are built by string concatenation from a few precomputed
fragments (CSS, navigation, footer), with ``html.escape`` only on variable text.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from html import escape
from typing import Any

from demo.site import defects as d
from demo.site import vocab
from demo.site.catalog import (
    HREFLANG,
    PER_PAGE,
    STORE_NAME,
    Catalog,
    Category,
    Product,
    mix64,
    price_text,
)

LOCALE = {"en": "en-ca", "fr": "fr-ca"}
OTHER = {"en": "fr", "fr": "en"}
ABOUT = {"en": "/en-ca/about/", "fr": "/fr-ca/a-propos/"}
SORTS = ("price-asc", "price-desc", "rating")
# The calendar trap's entry month; every month links to its neighbours, forever.
EVENTS_START = (2026, 5)

T: dict[str, dict[str, str]] = {
    "en": {
        "home": "Home",
        "search": "Search",
        "cart": "Cart",
        "switch": "Français",
        "about": "About Boréal",
        "help": "Help centre",
        "in_stock": "In stock",
        "out_of_stock": "Out of stock",
        "add": "Add to cart",
        "description": "Description",
        "specs": "Specifications",
        "brand": "Brand",
        "colour": "Colour",
        "size": "Size",
        "category": "Category",
        "rated": "Rated {v} out of 5 from {n} reviews",
        "rated_nocount": "Rated {v} out of 5",
        "page": "page",
        "page_of": "Page {n} of {m}",
        "prev": "Previous",
        "next": "Next",
        "filter_colour": "Colour",
        "filter_size": "Size",
        "sort": "Sort",
        "clear": "Clear filters",
        "price_request": "Price on request",
        "footer": "© 2026 Boréal Outdoor Co., Montréal and Vancouver. Prices in Canadian "
        "dollars. Free shipping on orders over $75 and free returns within 60 days.",
        "skip": "Skip to content",
    },
    "fr": {
        "home": "Accueil",
        "search": "Rechercher",
        "cart": "Panier",
        "switch": "English",
        "about": "À propos de Boréal",
        "help": "Centre d'aide",
        "in_stock": "En stock",
        "out_of_stock": "Rupture de stock",
        "add": "Ajouter au panier",
        "description": "Description",
        "specs": "Caractéristiques",
        "brand": "Marque",
        "colour": "Couleur",
        "size": "Taille",
        "category": "Catégorie",
        "rated": "Noté {v} sur 5 par {n} clients",
        "rated_nocount": "Noté {v} sur 5",
        "page": "page",
        "page_of": "Page {n} de {m}",
        "prev": "Précédente",
        "next": "Suivante",
        "filter_colour": "Couleur",
        "filter_size": "Taille",
        "sort": "Trier",
        "clear": "Effacer les filtres",
        "price_request": "Prix sur demande",
        "footer": "© 2026 Boréal Plein Air inc., Montréal et Vancouver. Prix en dollars "
        "canadiens. Livraison gratuite dès 75 $ d'achat et retours gratuits pendant 60 jours.",
        "skip": "Aller au contenu",
    },
}

SORT_LABELS = {
    "en": {"price-asc": "Price: low to high", "price-desc": "Price: high to low", "rating": "Top rated"},
    "fr": {"price-asc": "Prix croissant", "price-desc": "Prix décroissant", "rating": "Mieux notés"},
}  # fmt: skip

CSS = (
    "<style>*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1d2a23}"
    "header,nav,main,footer{padding:0 16px}.site-header{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;"
    "background:#123d2b;color:#fff;min-height:56px}.site-header a{color:#fff}.logo{font-weight:700;"
    "font-size:20px}.site-nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;margin:8px 0;"
    "padding:0;font-size:14px}main{max-width:1100px;margin:0 auto}img.hero{display:block;max-width:100%;"
    "height:auto;margin:12px 0}.price{font-size:24px;font-weight:700}.breadcrumb ol{list-style:none;"
    "display:flex;gap:8px;padding:0;font-size:14px}.products{list-style:none;display:grid;"
    "grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:16px;padding:0}.products img{"
    "max-width:100%;height:auto}.site-footer{margin-top:32px;background:#eef2ef;font-size:14px;"
    "padding:16px}table.specs td,table.specs th{text-align:left;padding:2px 12px 2px 0}"
    "button{font:inherit;padding:8px 16px}</style>"
)
ADD_TO_CART_JS = (
    "<script>document.getElementById('add-to-cart').addEventListener('click',function(e){"
    "e.target.textContent=e.target.dataset.added})</script>"
)
LAYOUT_SHIFT_JS = (
    "<script>addEventListener('load',function(){setTimeout(function(){var b=document.createElement"
    "('div');b.className='promo-banner';b.style.cssText='height:240px;background:#f4d35e;margin:0';"
    "b.textContent='Spring sale: 20% off tents and sleeping bags this week only.';"
    "var m=document.querySelector('main');m.insertBefore(b,m.firstChild)},300)})</script>"
)


@dataclass
class Page:
    """What a handler sends: status, body and headers."""

    status: int = 200
    body: str | bytes = ""
    content_type: str = "text/html"
    charset: str | None = "utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def jsonld(data: Any) -> str:
    """A JSON-LD <script> block; ``<``, ``>`` and ``&`` escaped so text can never end it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">{text}</script>'


def _hreflang(base: str, alternates: list[tuple[str, str]]) -> str:
    return "".join(
        f'<link rel="alternate" hreflang="{code}" href="{base}{path}">' for code, path in alternates
    )


def _pair(en: str, fr: str) -> list[tuple[str, str]]:
    return [("en-CA", en), ("fr-CA", fr), ("x-default", en)]


def _breadcrumb_ld(base: str, items: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": k + 1, "name": name, "item": base + path}
            for k, (name, path) in enumerate(items)
        ],
    }


def _breadcrumb_html(items: list[tuple[str, str]]) -> str:
    parts = [f'<li><a href="{path}">{escape(name)}</a></li>' for name, path in items[:-1]]
    parts.append(f'<li aria-current="page">{escape(items[-1][0])}</li>')
    crumbs = "\n".join(parts)
    return f'<nav class="breadcrumb" aria-label="Breadcrumb"><ol>{crumbs}</ol></nav>\n'


class Site:
    """The demo site for one ``(products, seed, week, slow_template)``: renders every page."""

    def __init__(
        self,
        products: int = 2000,
        seed: int = 0,
        week: int = 1,
        slow_template: str | None = None,
        slowdown_ms: int = 500,
    ) -> None:
        if slow_template not in (None, "home", "category", "product"):
            raise ValueError("slow_template must be home, category or product")
        self.catalog = Catalog(products=products, seed=seed)
        self.plan = d.build_plan(self.catalog, week)
        self.week = week
        self.slow_template = slow_template
        self.slowdown_ms = slowdown_ms
        self._nav = {lang: self._build_nav(lang) for lang in ("en", "fr")}
        self._footer = {lang: self._build_footer(lang) for lang in ("en", "fr")}
        self._near_colours: dict[str, str] = {}
        # Every product appears on several listings (its page of the category, colour and
        # size facets, both combined): cache its card (~600 bytes) rather than rebuild it.
        self._card = lru_cache(maxsize=65_536)(self._card_html)

    # ------------------------------------------------------------------ fragments
    def _build_nav(self, lang: str) -> str:
        items = "\n".join(
            f'<li><a href="{c.path(lang)}">{escape(c.name(lang))}</a></li>'
            for c in self.catalog.categories
        )
        return f'<nav class="site-nav" aria-label="{T[lang]["category"]}"><ul>{items}</ul></nav>'

    def _build_footer(self, lang: str) -> str:
        links = f'<a href="{ABOUT[lang]}">{T[lang]["about"]}</a>'
        if lang == "en":
            links += f' · <a href="{d.HELP}">{T[lang]["help"]}</a>'
        links += ' · <a href="/">Change language / Changer de langue</a>'
        return (
            f'<footer class="site-footer"><p>{links}</p><p>{escape(T[lang]["footer"])}</p></footer>'
        )

    def _header(self, lang: str, switch_path: str) -> str:
        t = T[lang]
        return (
            f'<header class="site-header">\n<a class="logo" href="/{LOCALE[lang]}/">{STORE_NAME}</a>\n'
            f'<form action="/search"><input name="q" aria-label="{t["search"]}"> '
            f'<button type="submit">{t["search"]}</button></form>\n<a href="/cart">{t["cart"]}</a>\n'
            f'<a href="{switch_path}" hreflang="{HREFLANG[OTHER[lang]]}">{t["switch"]}</a>\n</header>\n'
        )

    def _document(
        self,
        lang: str,
        *,
        title: str | None,
        description: str | None,
        canonical: str | None,
        hreflang: str = "",
        head_extra: str = "",
        body: str,
        switch_path: str,
        nav: bool = True,
        charset: str = "utf-8",
    ) -> str:
        parts = [
            f'<!DOCTYPE html>\n<html lang="{HREFLANG[lang]}">\n<head>\n<meta charset="{charset}">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        ]
        if title is not None:
            parts.append(f"<title>{escape(title, quote=False)}</title>\n")
        if description is not None:
            parts.append(f'<meta name="description" content="{escape(description)}">\n')
        if canonical is not None:
            parts.append(f'<link rel="canonical" href="{escape(canonical)}">\n')
        parts += [
            hreflang,
            '<link rel="icon" href="/favicon.ico">',
            CSS,
            head_extra,
            "\n</head>\n<body>\n",
        ]
        parts.append(self._header(lang, switch_path))
        if nav:
            parts.append(self._nav[lang])
        parts.append(f'\n<main id="content">{body}</main>\n')
        parts.append(
            self._footer[lang] if nav else f'<footer class="site-footer">{STORE_NAME}</footer>'
        )
        parts.append("\n</body>\n</html>\n")
        return "".join(parts)

    # ------------------------------------------------------------------ chooser and homes
    def chooser(self, base: str) -> Page:
        cats = self.catalog.categories
        listing = "\n".join(
            f'<li><a href="{c.path_en}">{escape(c.name_en)}</a> / '
            f'<a href="{c.path_fr}" lang="fr-CA">{escape(c.name_fr)}</a></li>'
            for c in cats
        )
        body = (
            "<h1>Boréal: choose your language / choisissez votre langue</h1>"
            '<p><a href="/en-ca/">Shop in English</a> · <a href="/fr-ca/" lang="fr-CA">Magasiner en français</a></p>'
            "<p>Boréal has outfitted Canadian hikers, paddlers, cyclists and skiers since 1987. "
            "Every product ships from our warehouses in Montréal and Vancouver, prices are in "
            "Canadian dollars, and our repair desk keeps your gear on the trail for years.</p>"
            '<p lang="fr-CA">Boréal équipe les randonneurs, pagayeurs, cyclistes et skieurs '
            "canadiens depuis 1987. Tous nos produits sont expédiés de nos entrepôts de Montréal et "
            "de Vancouver, les prix sont en dollars canadiens et notre atelier de réparation garde "
            "votre équipement en sentier pendant des années.</p>"
            f"<h2>Popular departments / Rayons populaires</h2><ul>{listing}</ul>"
        )
        html_text = self._document(
            "en",
            title="Boréal: outdoor gear for Canada | Équipement plein air",
            description="Boréal sells outdoor gear across Canada in English and French. "
            "Choose your language. Choisissez votre langue : anglais ou français.",
            canonical=base + "/",
            hreflang=_hreflang(
                base, [("en-CA", "/en-ca/"), ("fr-CA", "/fr-ca/"), ("x-default", "/")]
            ),
            body=body,
            switch_path="/fr-ca/",
        )
        return Page(body=html_text)

    def home(self, lang: str, base: str) -> Page:
        t = T[lang]
        cats = "\n".join(
            f'<li><a href="{c.path(lang)}">{escape(c.name(lang))}</a></li>'
            for c in self.catalog.categories
        )
        featured = []
        for c in self.catalog.categories:
            if c.size == 0:
                continue
            i = c.first + (mix64(self.catalog.seed + c.index) % c.size)
            if i in self.plan.unlisted:
                continue
            p = self.catalog.product(i)
            featured.append(
                f'<li><a href="{p.path(lang)}">{escape(p.name(lang))}</a> '
                f'<span class="price">{price_text(p.price, lang)}</span></li>'
            )
        if lang == "en":
            intro = (
                "<p>Gear for every Canadian season: waterproof shells for the West Coast, "
                "insulated parkas for prairie winters, canoes and dry bags for the Shield, and "
                "trail runners for the long summer evenings. Our staff test everything we sell, "
                "and our repair desk keeps it working for years.</p>"
            )
            extras = (
                f'<h2>This season at Boréal</h2><ul><li><a href="{d.EVENTS}">Store events calendar</a></li>'
                f'<li><a href="{d.OUTLET}">Outlet deals</a></li>'
                f'<li><a href="{d.PROMOTIONS}">Promotions and seasonal sales</a></li></ul>'
            )
            title = "Boréal: outdoor gear for every Canadian season"
            description = (
                "Shop jackets, boots, tents, bikes and skis at Boréal. Free shipping across Canada "
                "over $75, 60-day returns and a repair desk for life."
            )
            h1 = "Outdoor gear for every Canadian season"
        else:
            intro = (
                "<p>De l'équipement pour chaque saison canadienne : des coquilles imperméables pour "
                "la côte Ouest, des parkas isolés pour les hivers des Prairies, des canots et des "
                "sacs étanches pour le Bouclier, et des chaussures de trail pour les longues soirées "
                "d'été. Notre équipe teste tout ce que nous vendons.</p>"
            )
            extras = ""
            title = "Boréal : équipement plein air pour chaque saison"
            description = (
                "Vestes, bottes, tentes, vélos et skis chez Boréal. Livraison gratuite au Canada "
                "dès 75 $, retours de 60 jours et atelier de réparation à vie."
            )
            h1 = "De l'équipement plein air pour chaque saison canadienne"
        hero = f"/img/h/{lang}.png"
        body = (
            f"<h1>{h1}</h1>"
            f'<img class="hero" src="{hero}" alt="{escape(h1)}" width="800" height="500" fetchpriority="high">'
            f"{intro}<h2>{t['category']}</h2><ul>{cats}</ul>"
            f"<h2>{'Featured products' if lang == 'en' else 'Produits vedettes'}</h2><ul>{''.join(featured)}</ul>"
            f"{extras}"
        )
        ld = {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": STORE_NAME,
            "url": f"{base}/{LOCALE[lang]}/",
            "inLanguage": HREFLANG[lang],
            "potentialAction": {
                "@type": "SearchAction",
                "target": f"{base}/search?q={{search_term_string}}",
                "query-input": "required name=search_term_string",
            },
        }
        html_text = self._document(
            lang,
            title=title,
            description=description,
            canonical=f"{base}/{LOCALE[lang]}/",
            hreflang=_hreflang(
                base, [("en-CA", "/en-ca/"), ("fr-CA", "/fr-ca/"), ("x-default", "/")]
            ),
            head_extra=jsonld(ld),
            body=body,
            switch_path=f"/{LOCALE[OTHER[lang]]}/",
        )
        return Page(body=html_text)

    # ------------------------------------------------------------------ categories
    def category(self, category: Category, lang: str, base: str, query: dict[str, str]) -> Page:
        """A listing page; ``query`` holds page / color / size / sort (already validated)."""
        t = T[lang]
        color = query.get("color")
        size = query.get("size")
        sort = query.get("sort")
        page = int(query.get("page", "1"))
        color_index = [c[0] for c in vocab.COLORS].index(color) if color else None
        size_index = category.sizes.index(size) if size else None
        count, position = _facet(category.size, len(category.sizes), color_index, size_index)
        pages = max(1, -(-count // PER_PAGE))
        if page > pages:
            return self.not_found(lang)
        faceted = bool(color or size or sort)
        indices = [
            category.first + position(k)
            for k in range((page - 1) * PER_PAGE, min(count, page * PER_PAGE))
        ]
        listed = [i for i in indices if i not in self.plan.unlisted]
        if sort:  # sorts the page's products (sort= pages are disallowed in robots.txt)
            key = {
                "price-asc": lambda p: p.price,
                "price-desc": lambda p: -p.price,
                "rating": lambda p: -p.rating_value,
            }[sort]
            listed = [p.index for p in sorted(map(self.catalog.product, listed), key=key)]
        name = category.name(lang)
        path = category.path(lang)

        def url(**changes: Any) -> str:
            q = {"color": color, "size": size, "sort": sort, "page": None} | changes
            params = "&".join(f"{k}={v}" for k, v in q.items() if v not in (None, 1, "1"))
            return path + ("?" + params if params else "")

        cards = "\n".join(self._card(i, lang) for i in listed)
        facets = [f'<div class="facets"><p>{t["filter_colour"]}: ']
        n, n_sizes = category.size, len(category.sizes)
        facets.append(
            " ".join(
                f'<a href="{url(color=c[0])}">{escape(c[2] if lang == "fr" else c[1])}</a>'
                for k, c in enumerate(vocab.COLORS)
                if c[0] != color and _facet(n, n_sizes, k, size_index)[0] > 0
            )
        )
        facets.append("</p>")
        if n_sizes > 1 and not size:
            facets.append(f"<p>{t['filter_size']}: ")
            facets.append(
                " ".join(
                    f'<a href="{url(size=s)}">{escape(s)}</a>'
                    for k, s in enumerate(category.sizes)
                    if _facet(n, n_sizes, color_index, k)[0] > 0
                )
            )
            facets.append("</p>")
        # Sorting is a form, not links: sort= URLs are disallowed in robots.txt, and linking
        # to blocked URLs from every listing would be a (notice-level) finding on each.
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{escape(v)}">'
            for k, v in (("color", color), ("size", size))
            if v
        )
        options = "".join(
            f'<option value="{s}"{" selected" if s == sort else ""}>{SORT_LABELS[lang][s]}</option>'
            for s in SORTS
        )
        facets.append(
            f'<form method="get" action="{path}">{hidden}<label>{t["sort"]} '
            f'<select name="sort">{options}</select></label> <button type="submit">OK</button></form>'
        )
        if faceted:
            facets.append(f'<p><a href="{path}">{t["clear"]}</a></p>')
        facets.append("</div>")
        nav = []
        if page > 1:
            nav.append(f'<a href="{url(page=page - 1)}" rel="prev">{t["prev"]}</a>')
        for number in _page_links(page, pages):
            if number != page:
                nav.append(f'<a href="{url(page=number)}">{number}</a>')
        if page < pages:
            nav.append(f'<a href="{url(page=page + 1)}" rel="next">{t["next"]}</a>')
        suffix = "" if page == 1 else f" — {t['page']} {page}"
        filters = " ".join(
            escape(v) for v in (self.catalog.color_name(color, lang) if color else None, size) if v
        )
        heading = f"{name}{' — ' + filters if filters else ''}{suffix}"
        intro = _category_intro(category, lang)
        if faceted:
            if lang == "fr":
                intro += (
                    f"<p>{count} articles correspondent à ce filtre, des essentiels de tous les "
                    "jours à l'équipement d'expédition, avec la même garantie et les mêmes "
                    "retours gratuits de 60 jours.</p>"
                )
            else:
                intro += (
                    f"<p>{count} items match this filter, from everyday basics to "
                    "expedition-grade gear, all with the same warranty and free 60-day "
                    "returns.</p>"
                )
        if page > 1 or faceted:
            intro += f"<p>{t['page_of'].format(n=page, m=pages)}</p>"
        crumbs = [(t["home"], f"/{LOCALE[lang]}/"), (name, path)]
        body = (
            _breadcrumb_html(crumbs)
            + f"<h1>{heading}</h1>"
            + f'<img class="hero" src="/img/c/{category.slug}.png" alt="{escape(name)}" width="800" height="500" fetchpriority="high">'
            + intro
            + "".join(facets)
            + f'<ul class="products">{cards}</ul>'
            + f'<nav class="pagination" aria-label="{t["page"]}">{" ".join(nav)}</nav>'
        )
        head = jsonld(_breadcrumb_ld(base, crumbs))
        if page > 1:
            head += f'<link rel="prev" href="{base}{url(page=page - 1)}">'
        if page < pages:
            head += f'<link rel="next" href="{base}{url(page=page + 1)}">'
        if faceted:
            canonical = base + path
            hreflang = ""
        else:
            canonical = base + url(page=page)
            other = self.catalog.categories[category.index].path(OTHER[lang])
            q = "" if page == 1 else f"?page={page}"
            en, fr = (path + q, other + q) if lang == "en" else (other + q, path + q)
            hreflang = _hreflang(base, _pair(en, fr))
        if lang == "en":
            description = (
                f"Shop {count} {name.lower()} at Boréal{suffix}: compare brands, prices and "
                f"reviews. Free shipping across Canada over $75."
            )
        else:
            description = (
                f"Magasinez {count} articles de la catégorie {name.lower()} chez Boréal{suffix} : "
                f"marques, prix et avis. Livraison gratuite dès 75 $."
            )
        if filters:
            description = f"{filters}: {description}"
        title = _listing_title(name, filters, page, lang, SORT_LABELS[lang].get(sort or ""))
        switch = self.catalog.categories[category.index].path(OTHER[lang])
        html_text = self._document(
            lang,
            title=title,
            description=description,
            canonical=canonical,
            hreflang=hreflang,
            head_extra=head,
            body=body,
            switch_path=switch,
        )
        return Page(body=html_text)

    def _card_html(self, index: int, lang: str) -> str:
        """A listing item (microdata Product + Offer); cached, as listings and facets share them."""
        p = self.catalog.product(index)
        name = escape(p.name(lang))
        return (
            f'<li itemscope itemtype="https://schema.org/Product"><a itemprop="url" href="{p.path(lang)}">'
            f'<img itemprop="image" src="/img/t/{p.sku}.png" alt="{name}" width="160" height="100" loading="lazy">'
            f'<span itemprop="name">{name}</span></a> '
            f'<span itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
            f'<span class="price">{price_text(p.price, lang)}</span>'
            f'<meta itemprop="price" content="{p.price:.2f}"><meta itemprop="priceCurrency" content="CAD">'
            f'<link itemprop="availability" href="{p.availability}"></span></li>'
        )

    # ------------------------------------------------------------------ products
    def product(self, product: Product, lang: str, base: str) -> Page:
        kinds = self.plan.page(product.index, lang)
        if kinds:
            return self._defective_product(product, lang, base, kinds)
        return Page(body=self._product_html(product, lang, base))

    def _product_html(
        self,
        product: Product,
        lang: str,
        base: str,
        *,
        shown: Product | None = None,
        kinds: frozenset[str] = frozenset(),
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        charset: str = "utf-8",
    ) -> str:
        """A product page at ``product``'s URLs, showing ``shown``'s content (default: itself)."""
        t = T[lang]
        shown = shown or product
        catalog = self.catalog
        name = name or shown.name(lang)
        category = catalog.category(shown.category)
        path = product.path(lang)
        url = base + path
        other_path = product.path(OTHER[lang])
        if "title-missing" in kinds:
            title = None
        elif title is None:
            title = f"{name} | {STORE_NAME}"
        if "description-missing" in kinds:
            description = None
        elif description is None:
            description = catalog.meta_description(shown, lang)
        # hreflang
        alternates = _pair(product.path_en, product.path_fr)
        if "hreflang-not-reciprocal" in kinds and lang == "fr":
            partner = catalog.product(self.plan.index("hreflang-partner"))
            alternates = [
                ("en-CA", partner.path_en),
                ("fr-CA", path),
                ("x-default", partner.path_en),
            ]
        if "hreflang-en-UK" in kinds:
            alternates.append(("en-UK", path))
        if "hreflang-fr_CA" in kinds:
            alternates.append(("fr_CA", path))
        if "hreflang-missing-self" in kinds:
            alternates = [a for a in alternates if a[0] != HREFLANG[lang]]
        if "hreflang-missing-x-default" in kinds:
            alternates = [a for a in alternates if a[0] != "x-default"]
        if product.index in self.plan.no_hreflang:
            alternates = []  # one of the pair is noindex or canonicalized: not a valid target
        # canonical
        canonical = url
        if "canonical-to-redirect" in kinds:
            canonical = base + d.legacy_path(product.sku)
        elif "canonical-to-404" in kinds:
            canonical = url + "-old"
        elif "canonical-other-host" in kinds:
            canonical = d.other_host_url(path)
        # offer
        price: str | None = f"{shown.price:.2f}"
        currency = "CAD"
        shown_price = price_text(shown.price, lang)
        if "product-no-price" in kinds:
            price, shown_price = None, t["price_request"]
        elif "product-price-zero" in kinds:
            price, shown_price = "0.00", price_text(0.0, lang)
        elif "product-wrong-currency" in kinds:
            currency, shown_price = "USD", f"US${shown.price:,.2f}"
        crumbs = [
            (t["home"], f"/{LOCALE[lang]}/"),
            (category.name(lang), category.path(lang)),
            (name, path),
        ]
        offer: dict[str, Any] = {
            "@type": "Offer",
            "url": url,
            "priceCurrency": currency,
            "availability": shown.availability,
            "itemCondition": "https://schema.org/NewCondition",
        }
        if price is not None:
            offer["price"] = price
        rating: dict[str, Any] = {
            "@type": "AggregateRating",
            "ratingValue": f"{shown.rating_value:.1f}",
            "ratingCount": shown.rating_count,
        }
        if "rating-without-count" in kinds:
            del rating["ratingCount"]
        product_ld: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": name,
            "sku": shown.sku,
            "gtin13": shown.gtin,
            "brand": {"@type": "Brand", "name": shown.brand},
            "category": category.name(lang),
            "image": f"{base}/img/p/{shown.sku}.png",
            "description": catalog.meta_description(shown, lang),
            "url": url,
            "offers": offer,
            "aggregateRating": rating,
        }
        if "xss-jsonld" in kinds:
            product_ld["name"] = d.XSS_JSONLD_NAME
        if "xss-javascript-url" in kinds:
            product_ld["url"] = d.XSS_JS_URL
        product_script = jsonld(product_ld)
        if "jsonld-invalid" in kinds:
            raw = json.dumps(product_ld, ensure_ascii=False).replace("<", "\\u003c")
            # en: a trailing comma and a missing closing brace; fr: cut off mid-string
            raw = raw[:-1] + "," if lang == "en" else raw[: raw.index('"description"') + 30]
            product_script = f'<script type="application/ld+json">{raw}</script>'
        head = product_script + jsonld(_breadcrumb_ld(base, crumbs))
        robots = ""
        if "noindex-meta" in kinds:
            robots = '<meta name="robots" content="noindex,follow">'
        hero_src = f"/img/p/{shown.sku}.png"
        if "slow-hero" in kinds:
            hero_src = f"/img/slow/{shown.sku}.png"
        alt = "" if "image-no-alt" in kinds else f' alt="{escape(name)}"'
        stock = t["in_stock"] if shown.in_stock else t["out_of_stock"]
        value = f"{shown.rating_value:.1f}"
        if lang == "fr":
            value = value.replace(".", ",")
        if "rating-without-count" in kinds:
            rated = t["rated_nocount"].format(v=value)
        else:
            rated = t["rated"].format(v=value, n=shown.rating_count)
        h1 = f"<h1>{escape(name)}</h1>"
        if "h1-missing" in kinds:
            h1 = f'<p class="product-name">{escape(name)}</p>'
        if "xss-javascript-url" in kinds:
            h1 = f"<h1>{escape(d.XSS_SVG)}</h1>"
        description_heading = f"<h2>{t['description']}</h2>"
        if "xss-attribute" in kinds:
            description_heading = f"<h2>{escape(d.XSS_DESCRIPTION_IMG)}</h2>"
        text = escape(catalog.description(shown, lang))
        extra = ""
        if "link-to-404" in kinds:
            slot = (
                "discontinued"
                if product.index == self.plan.index("link-to-404")
                else "discontinued-2"
            )
            dead = catalog.product(self.plan.index(slot))
            lead = (
                "Looking for the previous model? See"
                if lang == "en"
                else "Vous cherchez l'ancien modèle ? Voyez"
            )
            extra += f'<p>{lead} <a href="{dead.path(lang)}">{escape(dead.name(lang))}</a>.</p>'
        if "link-to-500" in kinds:
            extra += (
                f'<p>Make it a gift: <a href="{d.GIFT_CARDS_500}">buy a Boréal gift card</a>.</p>'
            )
        if "xss-javascript-url" in kinds:
            extra += f'<p><a href="{d.XSS_JS_URL}">Size guide</a></p>'
        specs_rows = [
            (t["brand"], shown.brand),
            ("SKU", shown.sku),
            ("GTIN", shown.gtin),
            (t["colour"], catalog.color_name(shown.color, lang)),
            (t["size"], shown.size),
            (t["category"], category.name(lang)),
        ]
        specs = "\n".join(f"<tr><th>{k}</th> <td>{escape(v)}</td></tr>" for k, v in specs_rows)
        body = (
            _breadcrumb_html(crumbs)
            + f'\n<article class="product">{h1}\n'
            + f'<img class="hero" src="{hero_src}"{alt} width="800" height="500" fetchpriority="high">\n'
            + f'<p class="offer"><span class="price">{escape(shown_price)}</span> '
            + f'<span class="availability">{stock}</span></p>\n<p class="rating">{rated}</p>\n'
            + f'<button id="add-to-cart" type="button" data-added="{"Added" if lang == "en" else "Ajouté"}">{t["add"]}</button>'
            + f'\n{description_heading}\n<p class="description">{text}</p>\n{extra}'
            + f'\n<h2>{t["specs"]}</h2>\n<table class="specs">{specs}</table></article>\n'
            + ADD_TO_CART_JS
            + (LAYOUT_SHIFT_JS if "layout-shift" in kinds else "")
        )
        switch = other_path
        if "orphan" in kinds:  # an <a> between the two orphans would make them linked
            switch = f"/{LOCALE[OTHER[lang]]}/"
        return self._document(
            lang,
            title=title,
            description=description,
            canonical=canonical,
            hreflang=_hreflang(base, alternates),
            head_extra=robots + head,
            body=body,
            switch_path=switch,
            charset=charset,
        )

    def _defective_product(
        self, product: Product, lang: str, base: str, kinds: frozenset[str]
    ) -> Page:
        catalog = self.catalog
        if "discontinued" in kinds:
            return self.not_found(lang, discontinued=True)
        if "thin-content" in kinds:
            return Page(body=self._thin(product, lang, base))
        if "js-only-product" in kinds:
            return Page(body=self._js_only(product, lang, base))
        options: dict[str, Any] = {"kinds": kinds}
        headers: dict[str, str] = {}
        if "title-duplicate-copy" in kinds:
            source = catalog.product(self.plan.index("title-duplicate-source"))
            options["title"] = catalog.title(source, lang)
        if "description-duplicate-copy" in kinds:
            source = catalog.product(self.plan.index("description-duplicate-source"))
            options["description"] = catalog.meta_description(source, lang)
        if "duplicate-exact-copy" in kinds:
            options["shown"] = catalog.product(self.plan.index("duplicate-exact-source"))
        if "duplicate-near-copy" in kinds:
            # The source product in another colour at its own URL: the same page but for the
            # colour in the title, the meta description and a one-word note (below).
            source = catalog.product(self.plan.index("duplicate-near-source"))
            colour = self._near_colour(lang, base)
            options["shown"] = source
            options["title"] = f"{source.name(lang)}, {colour.lower()} | {STORE_NAME}"
            options["description"] = catalog.meta_description(source, lang).replace(
                catalog.color_name(source.color, lang).lower(), colour.lower()
            )
        if "title-too-long" in kinds:
            options["title"] = (
                f"{product.name(lang)} – Livraison gratuite partout au Canada, retours pendant "
                f"60 jours et garantie prolongée | {STORE_NAME} Plein Air"
            )
        if "description-too-long" in kinds:
            options["description"] = catalog.meta_description(product, lang) + (
                " Every order is packed by hand in our Montréal warehouse, checked twice, and "
                "shipped with carbon-offset delivery; members earn points on every dollar, get "
                "early access to sales and free repairs for life, and can return anything within "
                "60 days, no questions asked."
            )
        if "xss-script" in kinds:
            options["name"] = d.XSS_NAME_SCRIPT
        if "xss-attribute" in kinds:
            options["description"] = d.XSS_DESCRIPTION_IMG
        if "xss-jsonld" in kinds:
            options["title"] = f"{d.XSS_TITLE_CLOSE} | {STORE_NAME}"
        if "noindex-header" in kinds:
            headers["X-Robots-Tag"] = "noindex"
        if "non-utf8-windows-1252" in kinds or "non-utf8-iso-8859-1" in kinds:
            charset = "windows-1252" if "non-utf8-windows-1252" in kinds else "iso-8859-1"
            text = self._product_html(product, lang, base, charset=charset, **options)
            body = text.encode(charset, errors="xmlcharrefreplace")
            if charset == "windows-1252":
                return Page(body=body, charset=charset, headers=headers)
            return Page(body=body, charset=None, headers=headers)  # declared in <meta> only
        text = self._product_html(product, lang, base, **options)
        if "oversized-page" in kinds:
            text = text.replace("</body>", _state_blob(product) + "</body>")
        if "duplicate-near-copy" in kinds:
            # The only visible difference from the source page: one word, last on the page.
            colour = self._near_colour(lang, base)
            text = text.replace("</body>", f'<p class="variant">{colour}</p>\n</body>')
        return Page(body=text, headers=headers)

    def _near_colour(self, lang: str, base: str) -> str:
        """The colour word that the near-duplicate copy adds to its source page's text.

        A one-word change moves a 64-bit simhash by a few bits, but not always by at most 3
        (Manku et al.'s near-duplicate distance). So the word is chosen, once, among the
        colours: the first that keeps the copy within 2 bits of the source under the crawler's
        own fingerprint (visible words of <body>, word 3-shingles). Deterministic in the seed.
        """
        if lang not in self._near_colours:
            import lxml.html
            from lxml import etree

            from seo_crawler.simhash import hamming, simhash

            source = self.catalog.product(self.plan.index("duplicate-near-source"))
            body = lxml.html.fromstring(self._product_html(source, lang, base)).find("body")
            etree.strip_elements(
                body, "script", "style", "noscript", "template", "svg", with_tail=False
            )
            words = body.text_content().split()
            fingerprint = simhash(words)
            colours = [c[2] if lang == "fr" else c[1] for c in vocab.COLORS if c[0] != source.color]
            self._near_colours[lang] = min(
                colours,
                key=lambda c: (
                    hamming(fingerprint, simhash(words + c.split())) > 2,
                    colours.index(c),
                ),
            )
        return self._near_colours[lang]

    def _thin(self, product: Product, lang: str, base: str) -> str:
        name = product.name(lang)
        body = (
            f"<h1>{escape(name)}</h1>"
            f'<img class="hero" src="/img/p/{product.sku}.png" alt="{escape(name)}" width="800" height="500">'
            f'<p class="price">{price_text(product.price, lang)}</p><p>Back soon.</p>'
        )
        return self._document(
            lang,
            title=self.catalog.title(product, lang),
            description=self.catalog.meta_description(product, lang),
            canonical=base + product.path(lang),
            hreflang=_hreflang(base, _pair(product.path_en, product.path_fr)),
            body=body,
            switch_path=product.path(OTHER[lang]),
            nav=False,
        )

    def _js_only(self, product: Product, lang: str, base: str) -> str:
        """Raw HTML is a shell: the product only exists once the inline script has run."""
        t = T[lang]
        catalog = self.catalog
        url = base + product.path(lang)
        data = {
            "name": product.name(lang),
            "price": price_text(product.price, lang),
            "stock": t["in_stock"] if product.in_stock else t["out_of_stock"],
            "description": catalog.description(product, lang),
            "hero": f"/img/p/{product.sku}.png",
            "heading": t["description"],
            "ld": {
                "@context": "https://schema.org",
                "@type": "Product",
                "name": product.name(lang),
                "sku": product.sku,
                "gtin13": product.gtin,
                "brand": {"@type": "Brand", "name": product.brand},
                "image": f"{base}/img/p/{product.sku}.png",
                "url": url,
                "offers": {
                    "@type": "Offer",
                    "price": f"{product.price:.2f}",
                    "priceCurrency": "CAD",
                    "availability": product.availability,
                },
                "aggregateRating": {
                    "@type": "AggregateRating",
                    "ratingValue": f"{product.rating_value:.1f}",
                    "ratingCount": product.rating_count,
                },
            },
        }
        packed = base64.b64encode(json.dumps(data, ensure_ascii=False).encode()).decode()
        script = (
            "<script>(function(){var b=atob('" + packed + "');"
            "var d=JSON.parse(new TextDecoder().decode(Uint8Array.from(b,function(c){return c.charCodeAt(0)})));"
            "var m=document.getElementById('app');m.textContent='';"
            "function el(t,p,x){var e=document.createElement(t);if(x)e.textContent=x;p.appendChild(e);return e}"
            "el('h1',m,d.name);var i=el('img',m);i.className='hero';i.src=d.hero;i.alt=d.name;i.width=800;i.height=500;"
            "var o=el('p',m);o.className='offer';el('span',o,d.price).className='price';"
            "el('span',o,' '+d.stock);el('h2',m,d.heading);el('p',m,d.description).className='description';"
            "var s=document.createElement('script');s.type='application/ld+json';"
            "s.text=JSON.stringify(d.ld);document.head.appendChild(s)})()</script>"
        )
        if lang == "fr":
            description = f"{product.name(lang)} chez Boréal : détails, avis et disponibilité. Livraison gratuite au Canada."
        else:
            description = f"{product.name(lang)} at Boréal: details, reviews and availability. Free shipping across Canada."
        return self._document(
            lang,
            title=catalog.title(product, lang),
            description=description,
            canonical=url,
            hreflang=_hreflang(base, _pair(product.path_en, product.path_fr)),
            body='<div id="app"><p class="loading">…</p></div>' + script,
            switch_path=product.path(OTHER[lang]),
        )

    # ------------------------------------------------------------------ special pages
    def not_found(self, lang: str = "en", discontinued: bool = False) -> Page:
        if lang == "fr":
            title, text = "Page introuvable | Boréal", "Cette page n'existe pas ou plus."
        else:
            title, text = "Page not found | Boréal", "This page does not exist (any more)."
        if discontinued:
            text += " " + (
                "This product has been discontinued."
                if lang == "en"
                else "Ce produit a été discontinué."
            )
        html_text = self._document(
            lang,
            title=title,
            description=None,
            canonical=None,
            body=f"<h1>{title.split(' | ')[0]}</h1><p>{text}</p>",
            switch_path=f"/{LOCALE[OTHER[lang]]}/",
        )
        return Page(status=404, body=html_text)

    def server_error(self) -> Page:
        html_text = self._document(
            "en",
            title="Something went wrong | Boréal",
            description=None,
            canonical=None,
            body="<h1>Something went wrong</h1><p>Our gift-card service is unavailable.</p>",
            switch_path="/fr-ca/",
        )
        return Page(status=500, body=html_text)

    def about(self, lang: str, base: str) -> Page:
        """About pages carry RDFa (the crawler parses RDFa only where it is present)."""
        if lang == "en":
            title = "About Boréal: Canadian outdoor outfitters since 1987"
            description = (
                "Boréal is a Canadian outdoor retailer founded in Montréal in 1987, with stores in "
                "Montréal and Vancouver and a repair desk for everything we sell."
            )
            text = (
                "Boréal began as a canoe rental counter on the Rivière Rouge in 1987. Today we run "
                "two stores, in Montréal and Vancouver, and ship across Canada from both. Our staff "
                "are paddlers, climbers, skiers and cyclists who test what we sell in real "
                "conditions, from Gaspésie to Haida Gwaii. We repair what we can, take back what "
                "we cannot, and publish the results of our field tests so you can choose well. "
                "Every year we give one percent of sales to trail clubs and conservation groups, "
                "from the Bruce Trail Conservancy to the Nature Conservancy of Canada, and our "
                "staff volunteer on trail-building days across the country. We believe the best "
                "gear is the gear you already own, so our workshop offers free adjustments, "
                "low-cost repairs and a trade-in programme that gives used equipment a second life. "
                "Come and see us: the coffee is free and the advice is honest."
            )
            h1 = "About Boréal"
        else:
            title = "À propos de Boréal : pourvoyeur plein air depuis 1987"
            description = (
                "Boréal est un détaillant plein air canadien fondé à Montréal en 1987, avec des "
                "magasins à Montréal et à Vancouver et un atelier de réparation."
            )
            text = (
                "Boréal a commencé comme comptoir de location de canots sur la rivière Rouge en "
                "1987. Aujourd'hui, nous exploitons deux magasins, à Montréal et à Vancouver, et "
                "livrons partout au Canada. Notre équipe pagaie, grimpe, skie et roule, et teste ce "
                "que nous vendons en conditions réelles, de la Gaspésie à Haida Gwaii. Nous "
                "réparons ce que nous pouvons et reprenons ce que nous ne pouvons pas réparer. "
                "Chaque année, nous remettons un pour cent de nos ventes à des clubs de sentiers et "
                "à des organismes de conservation, et notre équipe participe à des journées "
                "d'entretien de sentiers partout au pays. Le meilleur équipement est celui que vous "
                "possédez déjà : notre atelier offre des ajustements gratuits, des réparations à "
                "petit prix et un programme d'échange qui donne une seconde vie à l'équipement usagé. "
                "Passez nous voir : le café est gratuit et les conseils sont honnêtes."
            )
            h1 = "À propos de Boréal"
        body = (
            f'<div vocab="https://schema.org/" typeof="Organization">'
            f'<h1 property="name">{STORE_NAME}</h1><p>{h1}</p>'
            f'<img class="hero" src="/img/o/about.png" alt="{escape(h1)}" width="800" height="500">'
            f'<p property="description">{escape(text)}</p>'
            f'<p property="address" typeof="PostalAddress"><span property="streetAddress">1200 rue Sainte-Catherine Ouest</span>, '
            f'<span property="addressLocality">Montréal</span>, <span property="addressRegion">QC</span> '
            f'<span property="postalCode">H3B 1K1</span></p>'
            f'<p><a property="url" href="{base}/">{base}/</a> · <span property="telephone">+1-514-555-0199</span></p>'
            f"</div>"
        )
        html_text = self._document(
            lang,
            title=title,
            description=description,
            canonical=base + ABOUT[lang],
            hreflang=_hreflang(base, _pair(ABOUT["en"], ABOUT["fr"])),
            body=body,
            switch_path=ABOUT[OTHER[lang]],
        )
        return Page(body=html_text)

    def promotions(self, base: str) -> Page:
        cats = self.catalog.categories
        body = (
            "<h1>Promotions and seasonal sales</h1>"
            "<p>Our sales follow the seasons: spring tune-ups for bikes, summer camping weeks, "
            "fall layering events and the big winter clearance. Members hear about each sale a "
            "day early, and every sale price comes with our usual 60-day returns and repair "
            "guarantee. Here is what is on right now.</p>"
            f'<ul><li><a href="{d.CHAIN[0]}">Spring sale: up to 30% off</a></li>'
            f'<li><a href="{d.LOOP[0]}">Members-only weekend</a></li>'
            + "\n".join(
                f'<li><a href="{c.path_en}">{escape(c.name_en)} deals</a></li>' for c in cats[:6]
            )
            + "</ul>"
        )
        html_text = self._document(
            "en",
            title="Promotions and seasonal sales | Boréal",
            description="Current promotions at Boréal: spring sale, members-only weekends and "
            "seasonal clearance on outdoor gear across Canada.",
            canonical=base + d.PROMOTIONS,
            body=body,
            switch_path="/fr-ca/",
        )
        return Page(body=html_text)

    def events(self, base: str, year: int, month: int) -> Page:
        """The calendar trap: every month links to its neighbours, forever."""
        prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
        next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
        label = f"{_MONTHS[month - 1]} {year}"
        h = mix64(year * 12 + month)
        events = "\n".join(
            f"<li>{_MONTHS[month - 1]} {1 + (h >> (8 * k)) % 28}: {escape(_EVENTS[(h >> (4 * k)) % len(_EVENTS)])}</li>"
            for k in range(3)
        )
        path = f"{d.EVENTS}{year:04d}/{month:02d}/"
        body = (
            f"<h1>Store events — {label}</h1>"
            "<p>Workshops, group outings and talks at our Montréal and Vancouver stores. Every "
            "event is free; bring a friend and your questions. Registration opens two weeks "
            f"before each date.</p><ul>{events}</ul>"
            f'<p><a href="{d.EVENTS}{prev_y:04d}/{prev_m:02d}/">Previous month</a> · '
            f'<a href="{d.EVENTS}{next_y:04d}/{next_m:02d}/">Next month</a></p>'
        )
        html_text = self._document(
            "en",
            title=f"Store events — {label} | Boréal",
            description=f"Free workshops, outings and talks at Boréal stores in {label}: "
            "register two weeks before each event.",
            canonical=base + path,
            body=body,
            switch_path="/fr-ca/",
        )
        return Page(body=html_text)

    def events_index(self, base: str) -> Page:
        year, month = EVENTS_START
        return self.events(base, year, month)

    def outlet(self, base: str, filters: int) -> Page:
        """The parameter trap: each page links to itself with one more filter."""
        query = "&".join(f"f{k}=on" for k in range(1, filters + 1))
        nxt = "&".join(f"f{k}=on" for k in range(1, filters + 2))
        body = (
            f"<h1>Outlet deals{f' ({filters} filters)' if filters else ''}</h1>"
            "<p>Last season's colours and end-of-line models at up to 50% off, while stock "
            "lasts. Outlet items can be returned within 30 days and carry the full warranty. "
            "Narrow the list with the filters below.</p>"
            f'<p><a href="{d.OUTLET}?{nxt}">Add a filter</a></p>'
        )
        html_text = self._document(
            "en",
            title=f"Outlet deals, {filters} filters | Boréal",
            description=f"Outlet deals at Boréal with {filters} filters: end-of-line outdoor gear "
            "at up to 50% off, full warranty.",
            canonical=base + d.OUTLET + (f"?{query}" if query else ""),
            body=body,
            switch_path="/fr-ca/",
        )
        return Page(body=html_text)

    def help(self, base: str, depth: int) -> Page:
        """The path trap: a relative link that repeats 'faq/' forever."""
        path = d.HELP + "faq/" * depth
        body = (
            f"<h1>Help centre{f' — FAQ level {depth}' if depth else ''}</h1>"
            "<p>Answers about orders, shipping, returns, warranties and repairs. Most orders "
            "ship within one business day; returns are free within 60 days; repairs are free "
            "for manufacturing defects and at cost otherwise.</p>"
            '<p><a href="faq/">Frequently asked questions</a></p>'
        )
        html_text = self._document(
            "en",
            title=f"Help centre, FAQ level {depth} | Boréal",
            description=f"Boréal help centre, FAQ level {depth}: orders, shipping, returns, "
            "warranties and repairs explained.",
            canonical=base + path,
            body=body,
            switch_path="/fr-ca/",
        )
        return Page(body=html_text)

    def utility(self, name: str) -> Page:
        """/cart and /search: disallowed in robots.txt, noindex for crawlers that ignore it."""
        html_text = self._document(
            "en",
            title=f"{name.title()} | Boréal",
            description=None,
            canonical=None,
            head_extra='<meta name="robots" content="noindex,nofollow">',
            body=f"<h1>{name.title()}</h1><p>Nothing here yet.</p>",
            switch_path="/fr-ca/",
        )
        return Page(body=html_text)

    @cached_property
    def robots_lines(self) -> list[str]:
        return [
            "User-agent: *",
            "Disallow: /cart",
            "Disallow: /search",
            "Disallow: /checkout",
            "Disallow: /*?*sort=",
            "",
        ]


def _facet(n: int, sizes: int, color: int | None, size: int | None) -> tuple[int, Any]:
    """(count, position(k)) of the products matching the facets, by arithmetic alone.

    Product at position p in its category has colour p % 8 and size (p // 8) % sizes.
    """
    colors = len(vocab.COLORS)
    if color is None and size is None:
        return n, lambda k: k
    if size is None:
        assert color is not None
        return (max(0, -(-(n - color) // colors)), lambda k: color + colors * k)
    cycle = colors * sizes
    if color is None:
        full = n // cycle
        count = full * colors + max(0, min(colors, n - full * cycle - colors * size))
        return count, lambda k: colors * (size + sizes * (k // colors)) + k % colors
    first = colors * size + color
    count = (n - 1 - first) // cycle + 1 if first < n else 0
    return count, lambda k: first + cycle * k


def _listing_title(name: str, filters: str, page: int, lang: str, sort: str | None) -> str:
    """A listing page's title: unique (name, filters, page), 30-60 characters when possible."""
    label = f"{name} — {filters}" if filters else name
    if sort:
        label += f" ({sort})"
    page_part = "" if page == 1 else f" — {T[lang]['page']} {page}"
    long_brand = f"{STORE_NAME} Plein Air" if lang == "fr" else f"{STORE_NAME} Outdoor Gear"
    candidates = [
        f"{label}{page_part} | {long_brand}",
        f"{label}{page_part} | {STORE_NAME}",
        f"{label}, p. {page} | {STORE_NAME}" if page > 1 else f"{label} | {STORE_NAME}",
    ]
    return next((c for c in candidates if 30 <= len(c) <= 60), candidates[-1])


def _page_links(page: int, pages: int) -> list[int]:
    """Pages a listing page links to, so that every page is at most 3 clicks from page 1.

    Neighbours (p-2 .. p+2), the first and the last page, and a decimal skip list: page 1
    links to 2..9, 10..90 and 100..900 (and so on); a multiple of 10**k links to the nine
    multiples of 10**j above it for every j < k. Page 437: 1 -> 400 -> 430 -> 437.
    """
    numbers = {1, pages, page - 2, page - 1, page + 1, page + 2}
    if page == 1:
        step = 1
        while step < pages:
            numbers.update(step * k for k in range(1, 10))
            step *= 10
    else:
        step = 10
        while page % step == 0:
            numbers.update(page + step // 10 * k for k in range(1, 10))
            step *= 10
    return sorted(n for n in numbers if 1 <= n <= pages)


def _category_intro(category: Category, lang: str) -> str:
    spec = vocab.CATEGORIES[category.index]
    nouns = ", ".join(n[1 if lang == "fr" else 0].lower() for n in spec[4])
    if lang == "fr":
        return (
            f"<p>Notre rayon {escape(category.name_fr.lower())} réunit {category.size} articles "
            f"choisis par notre équipe : {escape(nouns)}. Chaque article est testé en conditions "
            "réelles, couvert par notre garantie et retournable pendant 60 jours. Filtrez par "
            "couleur ou par taille, ou triez par prix pour trouver le bon modèle.</p>\n"
            "<p>Besoin d'aide pour choisir ? Comparez le poids, les matériaux et la garantie de "
            "chaque modèle, lisez les avis de nos clients et de nos testeurs, puis passez nous voir "
            "à Montréal ou à Vancouver pour l'essayer. Notre équipe répond aussi aux questions par "
            "courriel, en français comme en anglais, sept jours sur sept. Les membres accumulent "
            "des points à chaque achat et profitent d'un accès anticipé aux soldes de saison.</p>\n"
        )
    return (
        f"<p>Our {escape(category.name_en.lower())} department brings together {category.size} "
        f"products picked by our staff: {escape(nouns)}. Every item is tested in real "
        "conditions, covered by our warranty and returnable within 60 days. Filter by colour or "
        "size, or sort by price to find the right one.</p>\n"
        "<p>Not sure which to choose? Compare the weight, materials and warranty of each model, "
        "read reviews from customers and from our field testers, then visit us in Montréal or "
        "Vancouver to try it on. Our staff also answer questions by email, in English and "
        "French, seven days a week. Members earn points on every purchase and get early access "
        "to our seasonal sales.</p>\n"
    )


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_EVENTS = (
    "Intro to backcountry navigation", "Bike maintenance night", "Winter camping talk",
    "Group hike on Mont Royal", "Paddling safety clinic", "Trail running club",
    "Avalanche awareness evening", "Kids' gear swap", "Repair café",
)  # fmt: skip


def _state_blob(product: Product) -> str:
    return f"<script>window.__STATE__={_big_state(product.sku)};</script>"


_BIG: dict[str, str] = {}


def _big_state(sku: str) -> str:
    """About 3 MB of JSON: the 'oversized page' is a page with a huge inline state blob."""
    if sku not in _BIG:
        reviews = [
            {
                "id": k,
                "sku": sku,
                "rating": 1 + k % 5,
                "author": f"customer-{k:05d}",
                "text": f"Review {k}: solid product, used it on {k % 97} trips, would buy again.",
                "helpful": (k * 7919) % 113,
            }
            for k in range(21_000)
        ]
        _BIG[sku] = json.dumps({"sku": sku, "reviews": reviews}, separators=(",", ":")).replace(
            "<", "\\u003c"
        )
    return _BIG[sku]
