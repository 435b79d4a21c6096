"""What a shopper can judge a product by on its page: the ``product`` column of a page record.

Google's product page guidance asks for what a customer needs to decide (a description,
several large images, reviews, specifications, price, availability, brand and identifiers,
variants, video), shown on the page and described by Product / ProductGroup markup. These
are facts, not judgements: the audit (``SEO-PRODUCT-001``) compares each page with its
category's own distribution. Recorded for every HTML page with Product markup or a visible
price (a product template's page without markup shows its price, and is a product page too);
one XPath over the class/id/itemprop attributes and one walk of the structured-data items,
nothing kept beyond a few numbers a page.

Sources: developers.google.com/search/docs/appearance/structured-data/product (product
snippets and merchant listings), developers.google.com/search/docs/specialty/ecommerce/
share-your-product-data-with-google and .../write-high-quality-reviews (what a product
page shows), developers.google.com/search/docs/appearance/google-images (images).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from seo_crawler.facts.page_text import node_text

_PRODUCT_TYPES = ("Product", "ProductGroup", "IndividualProduct", "ProductModel")
_GTINS = ("gtin", "gtin8", "gtin12", "gtin13", "gtin14", "isbn")
_MAX_IMAGES = 50  # product images compared per page: bounds work on pathological galleries
# One pass over the class, id and itemprop attributes, filtered in Python: a page has a few
# dozen, and string predicates in the XPath (one XPath per part) cost ten times as much on a
# catalog page (extraction runs on every page). Visible description: itemprop=description
# or a class/id naming a description (themes); availability: itemprop or a class naming
# availability/stock; specification tables and lists: a class or id naming specifications,
# features or attributes.
_WORDS = ("description", "availability", "stock", "spec", "feature", "attribute", "caracteristique")
_ATTRIBUTES = etree.XPath("//@class | //@id | //@itemprop")
_VIDEO_HOSTS = ("youtube.com/embed", "youtube-nocookie.com", "player.vimeo.com")
_SPEC_TAGS = frozenset({"table", "dl", "ul", "ol", "div", "section"})


@dataclass
class _Parts:
    descriptions: list[Any] = field(default_factory=list)
    availability: list[Any] = field(default_factory=list)
    specifications: list[Any] = field(default_factory=list)
    image_elements: list[Any] = field(default_factory=list)
    rating: bool = False


def _parts(doc: Any) -> _Parts:
    found = _Parts()
    for attribute in _ATTRIBUTES(doc):
        value = str(attribute)
        if attribute.attrname != "itemprop" and not any(w in value for w in _WORDS):
            continue
        element = attribute.getparent()
        tag = element.tag if isinstance(element.tag, str) else ""
        if attribute.attrname == "itemprop":
            if value == "description" and tag != "meta":
                found.descriptions.append(element)
            elif value == "availability" and tag not in ("meta", "link"):
                found.availability.append(element)
            elif value == "ratingValue":
                found.rating = True
            elif value == "image" and tag == "img":
                found.image_elements.append(element)
            continue
        if "description" in value and tag != "meta":
            found.descriptions.append(element)
        named_stock = "availability" in value or "stock" in value
        if attribute.attrname == "class" and named_stock and tag not in ("meta", "link"):
            found.availability.append(element)
        if tag in _SPEC_TAGS and any(w in value for w in _WORDS[3:]):
            found.specifications.append(element)
    return found


_CHROME = frozenset({"header", "nav", "footer", "aside"})


def _content_images(doc: Any) -> Iterator[Any]:
    """``<img>`` elements outside the page's header, navigation, footer and sidebars."""
    for img in doc.iter("img"):
        if not any(a.tag in _CHROME for a in img.iterancestors() if isinstance(a.tag, str)):
            yield img


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type", node.get("type"))
    values = value if isinstance(value, list) else [value]
    return {str(v).rsplit("/", 1)[-1] for v in values if v}


def _props(node: dict[str, Any]) -> dict[str, Any]:
    """JSON-LD keeps properties on the node; microdata (extruct's layout) under properties."""
    props = node.get("properties")
    return props if isinstance(props, dict) else node


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value in (None, "") else [value]


def _int(value: Any) -> int | None:
    try:
        return int(float(str(value).replace(",", "").strip()))
    except (TypeError, ValueError):
        return None


def _image_url(value: Any) -> tuple[str | None, int | None]:
    if isinstance(value, dict):
        props = _props(value)
        url = props.get("url", props.get("contentUrl"))
        return (url.strip() if isinstance(url, str) else None), _int(props.get("width"))
    return (value.strip() if isinstance(value, str) and value.strip() else None), None


def _breadcrumb(nodes: list[dict[str, Any]], page_url: str, product_names: set[str]) -> str | None:
    """The category path a BreadcrumbList gives: item names in position order, the page's
    own crumb (the last one, when it names this page, no URL, or the product) left out."""
    for node in nodes:
        if "BreadcrumbList" not in _types(node):
            continue
        crumbs: list[tuple[int, str, Any]] = []
        for index, element in enumerate(_as_list(_props(node).get("itemListElement"))):
            if not isinstance(element, dict):
                continue
            props = _props(element)
            item = props.get("item")
            name = props.get("name")
            if name is None and isinstance(item, dict):
                name = _props(item).get("name")
            target = (
                _props(item).get("@id", _props(item).get("url")) if isinstance(item, dict) else item
            )
            position = _int(props.get("position"))
            crumbs.append(
                (position if position is not None else index, str(name or "").strip(), target)
            )
        crumbs.sort(key=lambda c: c[0])
        last_name, last_url = crumbs[-1][1:] if crumbs else ("", None)
        if len(crumbs) > 1 and (
            last_url in (None, "", page_url) or last_name.casefold() in product_names
        ):
            crumbs = crumbs[:-1]  # the page's own crumb: Google lets the last item go without a URL
        names = [name for _, name, _ in crumbs if name]
        if names:
            return " > ".join(names)[:200]
    return None


def product_facts(
    doc: Any,
    items: list[dict[str, Any]],
    page_images: list[dict[str, Any]],
    visible_prices: list[str],
    page_url: str,
    resolve: Callable[[str], str],
) -> dict[str, Any]:
    """The ``product`` column: what a shopper can judge the page's product by.

    ``page_images`` is the page's ``images`` column (its ``<img>`` elements, resolved), read
    to size and describe the product images the markup names."""
    nodes = list(_nodes([item.get("data") for item in items]))
    products = [n for n in nodes if _types(n) & set(_PRODUCT_TYPES)]
    image_urls: dict[str, int | None] = {}
    brand = gtin = mpn = rating = False
    reviews = specifications = variants = 0
    names: set[str] = set()
    for node in products:
        props = _props(node)
        names.update(str(n).strip().casefold() for n in _as_list(props.get("name")))
        for value in _as_list(props.get("image")):
            url, width = _image_url(value)
            if url and len(image_urls) < _MAX_IMAGES:
                url = _resolved(resolve, url)
                image_urls[url] = max(filter(None, (image_urls.get(url), width)), default=None)
        brand = brand or bool(_as_list(props.get("brand")))
        gtin = gtin or any(_as_list(props.get(key)) for key in _GTINS)
        mpn = mpn or bool(_as_list(props.get("mpn")))
        specifications += len(_as_list(props.get("additionalProperty")))
        variants += len(_as_list(props.get("hasVariant")))
        for aggregate in _as_list(props.get("aggregateRating")):
            if isinstance(aggregate, dict):
                agg = _props(aggregate)
                rating = rating or agg.get("ratingValue") not in (None, "")
                counts = (_int(agg.get("reviewCount")), _int(agg.get("ratingCount")))
                reviews = max(reviews, *(c or 0 for c in counts))
        reviews = max(reviews, len(_as_list(props.get("review"))))
    parts = _parts(doc)
    for img in parts.image_elements:
        src = img.get("src") or img.get("data-src")
        if src and not src.startswith("data:") and len(image_urls) < _MAX_IMAGES:
            image_urls.setdefault(_resolved(resolve, src), None)
    if not image_urls:
        # No markup names the product's images: the content images stand for them (a page
        # without markup still shows its product; logos and icons sit in header/nav/footer)
        for img in _content_images(doc):
            src = img.get("src") or img.get("data-src")
            if src and not src.startswith("data:") and len(image_urls) < _MAX_IMAGES:
                image_urls.setdefault(_resolved(resolve, src), None)
    shown = {image["src"]: image for image in page_images if image.get("src") in image_urls}
    widths = [d for url, w in image_urls.items() if (d := _declared(shown.get(url), w))]
    first = next((i for i in page_images if i.get("src") in image_urls), None)
    spec_rows = max(  # nested matches (a div.specs around a table.spec-table) count once
        (
            len(element.findall(".//tr"))
            + len(element.findall(".//dt"))
            + len(element.findall("li"))
            for element in parts.specifications
        ),
        default=0,
    )
    return {
        "category": _breadcrumb(nodes, page_url, names),
        "description_chars": max((len(node_text(n)) for n in parts.descriptions), default=0),
        "images": len(image_urls),
        "image_max_width": max(widths, default=None),
        "images_without_alt": sum(1 for i in shown.values() if not (i.get("alt") or "").strip()),
        "first_image_lazy": bool(first and (first.get("loading") or "").lower() == "lazy"),
        "rating": rating or parts.rating,
        "reviews": reviews,
        "specifications": max(specifications, spec_rows),
        # "Price on request" / "Call for price" in the price element is no price to judge by
        "price_visible": any(any(c.isdigit() for c in text) for text in visible_prices),
        "availability_visible": any(node_text(n) for n in parts.availability),
        "brand": brand,
        "gtin": gtin,
        "mpn": mpn,
        "variants": variants,
        "video": any("VideoObject" in _types(n) for n in nodes) or _video_element(doc),
    }


def _video_element(doc: Any) -> bool:
    """A <video>, or a YouTube / Vimeo player embedded in an <iframe>."""
    for element in doc.iter("video", "iframe"):
        if element.tag == "video" or any(h in (element.get("src") or "") for h in _VIDEO_HOSTS):
            return True
    return False


def _resolved(resolve: Callable[[str], str], url: str) -> str:
    try:
        return resolve(url)
    except ValueError:
        return url


def _declared(image: dict[str, Any] | None, markup_width: int | None) -> int | None:
    """The width an ``<img width>`` declares (CSS pixels), else the markup's ImageObject width."""
    declared = _int(image.get("width")) if image else None
    return declared or markup_width
