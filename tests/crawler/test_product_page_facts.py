"""The ``product`` column: what a shopper can judge a product by, read from one page."""

from __future__ import annotations

from seo_crawler.extract import extract

HEADERS = {"Content-Type": "text/html; charset=utf-8"}

# Google's merchant listing example (developers.google.com/search/docs/appearance/
# structured-data/product), shown on a page with its images, specifications and a video.
COMPLETE = b"""<html lang="en"><head><title>Trail Tent 2</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product",
 "name": "Trail Tent 2", "image": ["https://s.ex/img/t1.jpg",
 {"@type": "ImageObject", "url": "https://s.ex/img/t2.jpg", "width": 1200}],
 "brand": {"@type": "Brand", "name": "Acme"}, "gtin13": "0012345678905", "mpn": "TT2",
 "aggregateRating": {"@type": "AggregateRating", "ratingValue": 4.5, "reviewCount": 12},
 "offers": {"@type": "Offer", "price": "199.00", "priceCurrency": "CAD",
 "availability": "https://schema.org/InStock"}}</script>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "BreadcrumbList",
 "itemListElement": [{"@type": "ListItem", "position": 1, "name": "Gear", "item": "https://s.ex/gear/"},
 {"@type": "ListItem", "position": 2, "name": "Tents", "item": "https://s.ex/gear/tents/"},
 {"@type": "ListItem", "position": 3, "name": "Trail Tent 2"}]}</script>
</head><body><h1>Trail Tent 2</h1>
<img src="/img/t1.jpg" alt="" width="800" loading="lazy"><img src="/img/t2.jpg" alt="Side">
<img src="/img/logo.png" alt="Acme" width="2000">
<div class="product-description">A roomy two person tent for three seasons.</div>
<span class="price">$199.00</span><p class="availability">In stock</p>
<table class="specs"><tr><td>Weight</td><td>2 kg</td></tr><tr><td>Poles</td><td>2</td></tr></table>
<iframe src="https://www.youtube.com/embed/abc"></iframe></body></html>"""


def test_a_complete_product_page() -> None:
    product = extract("https://s.ex/p/trail-tent", COMPLETE, HEADERS).record["product"]
    assert product == {
        "category": "Gear > Tents",  # the page's own crumb left out
        "description_chars": 42,
        "images": 2,  # the logo is not a product image
        "image_max_width": 1200,  # ImageObject width; the logo's 2000 is not counted
        "images_without_alt": 1,
        "first_image_lazy": True,
        "rating": True,
        "reviews": 12,
        "specifications": 2,
        "price_visible": True,
        "availability_visible": True,
        "brand": True,
        "gtin": True,
        "mpn": True,
        "variants": 0,
        "video": True,
    }


def test_a_bare_page_and_microdata_variants() -> None:
    # no Product markup and no price: nothing a shopper could judge a product by (not recorded)
    bare = extract("https://s.ex/help", b"<html><body><h1>Help</h1></body></html>", HEADERS)
    assert bare.record["product"] is None
    # a product template's page without markup: its visible price makes it judged
    shown = b'<html><body><h1>X</h1><span class="price">$5</span></body></html>'
    product = extract("https://s.ex/p/x", shown, HEADERS).record["product"]
    assert (product["images"], product["category"], product["price_visible"]) == (0, None, True)
    group = b"""<html><body><div itemscope itemtype="https://schema.org/ProductGroup">
    <span itemprop="name">Shirt</span><span itemprop="brand">Acme</span>
    <div itemprop="hasVariant" itemscope itemtype="https://schema.org/Product"><span itemprop="name">S</span></div>
    <div itemprop="hasVariant" itemscope itemtype="https://schema.org/Product"><span itemprop="name">M</span></div>
    <img itemprop="image" src="/s.jpg" alt="Shirt" width="640"></div></body></html>"""
    product = extract("https://s.ex/p/shirt", group, HEADERS).record["product"]
    assert (product["variants"], product["brand"], product["images"]) == (2, True, 1)
    assert product["image_max_width"] == 640 and product["images_without_alt"] == 0


def test_price_on_request_is_no_visible_price() -> None:
    # Google's merchant listings need a price (Offer.price); a price element saying "Price on
    # request" or "Call for price" shows none: the page is a product page, its price not visible
    for text in (b"Price on request", b"Call for price", b"Prix sur demande"):
        page = (
            b'<html><body><h1>X</h1><script type="application/ld+json">{"@context": '
            b'"https://schema.org", "@type": "Product", "name": "X", "offers": {"@type": '
            b'"Offer", "priceCurrency": "CAD"}}</script><span class="price">'
            + text
            + b"</span></body></html>"
        )
        product = extract("https://s.ex/p/x", page, HEADERS).record["product"]
        assert product is not None and product["price_visible"] is False, text
    shown = b'<html><body><h1>X</h1><span class="price">199,00 $</span></body></html>'
    assert extract("https://s.ex/p/x", shown, HEADERS).record["product"]["price_visible"] is True


def test_a_page_without_image_markup_counts_its_content_images() -> None:
    # no markup names the product's images: the images the page shows stand for them, the
    # logo in the header and the icons in the footer not
    page = b"""<html><body><header><img src="/logo.png" alt="Acme"></header>
    <nav><img src="/menu.svg" alt="Menu"></nav><h1>Stove</h1>
    <img src="/img/stove.jpg" alt="" width="900"><span class="price">$49</span>
    <footer><img src="/pay.png" alt="Cards"></footer></body></html>"""
    product = extract("https://s.ex/p/stove", page, HEADERS).record["product"]
    assert (product["images"], product["image_max_width"], product["images_without_alt"]) == (
        1,
        900,
        1,
    )
