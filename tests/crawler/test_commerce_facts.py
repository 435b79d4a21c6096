"""Commerce facts of a page (seo_crawler.facts.commerce) through the extraction."""

from __future__ import annotations

from seo_crawler.extract import extract

JSONLD = """<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
 {"@type": "ProductGroup", "name": "Tent", "description": "Light tent",
  "hasVariant": [{"@type": "Product", "name": "Tent, red",
   "offers": {"@type": "Offer", "priceSpecification": {"price": 199}}}]}]}</script>"""


def _record(body: str, head: str = "") -> dict[str, object]:
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    return extract("https://s.ex/p/1", html.encode()).record


def test_offer_facts_come_from_nested_structured_data_and_microdata() -> None:
    record = _record("<h1>Tent</h1>", JSONLD)
    assert record["product_markup"] and record["description_shown"] and record["price_shown"]
    assert not record["availability_shown"]  # no availability anywhere
    micro = _record(
        '<div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Mat</span>'
        '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
        '<link itemprop="availability" href="https://schema.org/InStock"></div></div>'
    )
    assert micro["product_markup"] and micro["availability_shown"] and not micro["price_shown"]


def test_what_data_nosnippet_hides() -> None:
    record = _record(
        '<div data-nosnippet><span class="price">$5</span></div>'
        '<section data-nosnippet="true"><p itemprop="description">Soft</p></section>'
        "<p data-nosnippet>Legal text</p>"
    )
    assert record["data_nosnippet"] == ["price", "description", "other"]
    assert _record("<p>No hiding</p>")["data_nosnippet"] == []
    # an unparsable or empty body gives the same columns, all false
    empty = extract("https://s.ex/p/2", b"").record
    assert empty["data_nosnippet"] == [] and empty["price_shown"] is False
