"""Pure extraction on saved HTML: what each column records."""

from __future__ import annotations

import json
from typing import Any

import lxml.html
from lxml import etree

from seo_crawler.extract import extract, header_facts, parse_link_header
from seo_crawler.facts.head import (
    Alternates,
    head_meta,
    header_alternates,
    html_alternates,
    nofollow_page,
)
from seo_crawler.facts.links import (
    Anchor,
    Resolver,
    anchors,
    images,
    insecure_resources,
    link_rows,
    non_link_anchors,
)
from seo_crawler.facts.page_text import document_lang, fingerprints, headings, visible_words
from seo_crawler.facts.structured_data import structured_data, visible_prices
from seo_crawler.simhash import hamming, simhash

URL = "https://shop.example.ca/en-ca/p/blue-shirt-123"

PAGE = b"""<!doctype html><html lang="en-CA"><head>
<meta charset="utf-8"><title>  Blue   shirt </title><title>Second</title>
<meta name="description" content="A blue shirt"><meta name="robots" content="NOINDEX, Follow">
<meta name="viewport" content="width=device-width">
<link rel="canonical" href="/en-ca/p/blue-shirt-123?ref=x#top">
<link rel="alternate" hreflang="fr-ca" href="/fr-ca/p/chemise-bleue-123">
<link rel="stylesheet" href="http://cdn.example.com/a.css">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"Product","name":"Blue shirt"},{"@type":"BreadcrumbList"}]}</script>
<script type="application/ld+json">{"@type": "Offer", price: 10}</script>
<script src="/app.js"></script>
</head><body>
<header><a href="/en-ca/">Home</a></header>
<nav><a href="/en-ca/c/shirts">Shirts</a></nav>
<div role="navigation"><a href="/en-ca/c/pants">Pants</a></div>
<h1>Blue shirt</h1><h2>Details</h2>
<div itemscope itemtype="https://schema.org/Offer"><span itemprop="price" content="19.99">$19.99</span></div>
<img src="/img/1.jpg" width="300" height="200" loading="lazy"><img src="/img/2.jpg" alt="">
<img src="http://insecure.example.com/x.png" alt="x">
<p>Some visible words here.<script>var hidden = "not counted";</script></p>
<a href="https://other.example.com/" rel="nofollow sponsored">Partner</a>
<a href="javascript:void(0)">js</a><a href="#reviews">reviews</a>
<footer><a href="/en-ca/about">About</a></footer>
</body></html>"""


def test_head_facts() -> None:
    facts = extract(
        URL, PAGE, {"Content-Type": "text/html; charset=utf-8", "X-Robots-Tag": ["noarchive"]}
    )
    r = facts.record
    assert r["title"] == "Blue shirt" and r["title_count"] == 2
    assert r["meta_description"] == "A blue shirt" and r["meta_description_count"] == 1
    assert r["meta_robots"] == "noindex, follow"
    assert r["x_robots_tag"] == "noarchive"
    assert r["canonical"] == "https://shop.example.ca/en-ca/p/blue-shirt-123?ref=x"
    assert r["canonicals"] == ["/en-ca/p/blue-shirt-123?ref=x#top"] and r["canonical_sources"] == [
        "html"
    ]
    # a relative hreflang href is recorded as written (Google ignores it: SEO-HREFLANG-009);
    # its link row, which the crawl follows, is resolved
    assert r["hreflang"] == [
        {"lang": "fr-ca", "href": "/fr-ca/p/chemise-bleue-123", "source": "html"}
    ]
    assert {
        "target": "https://shop.example.ca/fr-ca/p/chemise-bleue-123",
        "kind": "hreflang",
    }.items() <= next(link for link in facts.links if link["kind"] == "hreflang").items()
    assert r["lang"] == "en-CA" and r["viewport"] == "width=device-width"
    assert r["encoding"] == "utf-8" and r["encoding_declared"] == "utf-8"


def test_structured_data_with_errors_recorded_not_raised() -> None:
    r = extract(URL, PAGE).record
    items = json.loads(r["structured_data"])
    assert [(i["syntax"], i["type"]) for i in items] == [
        ("json-ld", "Product"),
        ("json-ld", "BreadcrumbList"),
        ("microdata", "https://schema.org/Offer"),
    ]
    assert r["jsonld_blocks"] == 2
    assert (
        len(r["structured_data_errors"]) == 1 and "json-ld block" in r["structured_data_errors"][0]
    )
    assert r["visible_prices"] == ["19.99"]


def test_rdfa_only_when_page_carries_rdfa() -> None:
    rdfa = b"""<html><head><meta property="og:title" content="x"></head><body vocab="https://schema.org/">
    <div typeof="Product"><span property="name">Lamp</span></div></body></html>"""
    items = json.loads(extract(URL, rdfa).record["structured_data"])
    assert any(i["syntax"] == "rdfa" for i in items)
    og_only = (
        b"<html><head><meta property='og:title' content='x'></head><body><p>hi</p></body></html>"
    )
    assert json.loads(extract(URL, og_only).record["structured_data"]) == []


def test_body_images_links_and_regions() -> None:
    facts = extract(URL, PAGE)
    r = facts.record
    assert r["h1"] == ["Blue shirt"] and r["h2"] == ["Details"]
    images = r["images"]
    assert images[0] == {
        "src": "https://shop.example.ca/img/1.jpg",
        "alt": None,
        "width": "300",
        "height": "200",
        "loading": "lazy",
    }
    assert images[1]["alt"] == ""  # empty alt (decorative) is not missing alt
    assert set(r["insecure_resources"]) == {
        "http://cdn.example.com/a.css",
        "http://insecure.example.com/x.png",
    }
    anchors = {link["target"]: link for link in facts.links if link["kind"] == "a"}
    assert anchors["https://shop.example.ca/en-ca/"]["region"] == "header"
    assert anchors["https://shop.example.ca/en-ca/c/shirts"]["region"] == "nav"
    assert anchors["https://shop.example.ca/en-ca/c/pants"]["region"] == "nav"
    assert anchors["https://shop.example.ca/en-ca/about"]["region"] == "footer"
    partner = anchors["https://other.example.com/"]
    assert partner["nofollow"] and not partner["internal"] and partner["anchor"] == "Partner"
    assert URL not in anchors  # in-page "#reviews" is not a link to crawl
    assert not any(t.startswith("javascript") for t in anchors)
    assert r["links_internal"] == 4 and r["links_external"] == 1
    kinds = {link["kind"] for link in facts.links}
    assert kinds == {"a", "canonical", "hreflang", "img"}


def test_visible_text_excludes_scripts_and_hashes() -> None:
    r = extract(URL, PAGE).record
    # Home Shirts Pants Blue shirt Details $19.99 Some visible words here. Partner js reviews About
    assert r["word_count"] == 15
    same = extract(URL, PAGE.replace(b"Second", b"Other title")).record
    assert same["content_hash"] == r["content_hash"]  # body text unchanged
    other = extract(
        URL, PAGE.replace(b"Some visible words here.", b"Different words entirely now.")
    ).record
    assert other["content_hash"] != r["content_hash"]


def test_header_link_canonical_and_hreflang() -> None:
    headers = {
        "Link": '<https://shop.example.ca/a>; rel="canonical", <https://shop.example.ca/fr/a>; rel=alternate; hreflang=fr-ca'
    }
    r = extract(URL, b"<html><body><p>x</p></body></html>", headers).record
    assert r["canonicals"] == ["https://shop.example.ca/a"] and r["canonical_sources"] == ["header"]
    assert r["hreflang"] == [
        {"lang": "fr-ca", "href": "https://shop.example.ca/fr/a", "source": "header"}
    ]
    assert parse_link_header(['<x>; rel="next"'])[0] == {"url": "x", "rel": "next"}


def test_legacy_and_missing_encodings() -> None:
    body = "<html><head><meta charset='windows-1252'><title>Café</title></head><body>é</body></html>".encode(
        "cp1252"
    )
    r = extract(URL, body, {"Content-Type": "text/html"}).record
    assert r["title"] == "Café" and r["encoding"] == "cp1252" and r["encoding_declared"] == "cp1252"
    undeclared = "<html><head><title>Crème</title></head><body>x</body></html>".encode("latin-1")
    r = extract(URL, undeclared, {}).record
    assert (
        r["encoding_declared"] is None and r["title"] is not None
    )  # decoded somehow, never raises


def test_empty_and_garbage_bodies_do_not_raise() -> None:
    assert extract(URL, b"").record["title"] is None
    assert extract(URL, b"\x00\xff\xfe garbage <<<").record["word_count"] >= 0


def test_simhash_near_duplicates_are_close() -> None:
    words = ("the quick brown fox jumps over the lazy dog near the river bank " * 20).split()
    near = list(words)
    near[50] = "cat"
    other = ("completely unrelated catalogue text about garden furniture and lamps " * 20).split()
    assert hamming(simhash(words), simhash(near)) <= 3
    assert hamming(simhash(words), simhash(other)) > 10
    assert simhash(words) == simhash(list(words))  # stable (no per-process hash seed)


# --- the pieces (seo_crawler.facts), each on its own small tree


def tree(html: str) -> Any:
    return lxml.html.document_fromstring(html)


def test_resolver_uses_first_base_and_skips_urljoin_only_when_safe() -> None:
    doc = tree("<html><head><base href='/shop/'><base href='/other/'></head><body></body></html>")
    resolve = Resolver.for_page("https://a.example/x/y", doc)
    assert resolve.base == "https://a.example/shop/" and resolve.origin == "https://a.example"
    assert resolve("p?q=1#frag") == "https://a.example/shop/p?q=1"
    assert resolve(" /root ") == "https://a.example/root"
    assert resolve("//cdn.example/i.png") == "https://cdn.example/i.png"  # protocol-relative
    assert resolve("HTTP://A.EXAMPLE:80/Case") == "http://a.example/Case"
    plain = Resolver.for_page("http://b.example:8080/p", tree("<p>x</p>"))
    assert plain.origin == "http://b.example:8080" and plain("q") == "http://b.example:8080/q"


def test_head_meta_ignores_svg_titles_and_joins_robots() -> None:
    doc = tree(
        "<html><head><meta name='ROBOTS' content=' NoIndex '><meta name='googlebot' content='nofollow'>"
        "<meta name='viewport' content='a'><meta name='viewport' content='b'><meta content='no name'>"
        "<meta name='description' content='  two   words '></head>"
        "<body><svg><title>icon</title></svg></body></html>"
    )
    head = head_meta(doc)
    assert head["title"] is None and head["title_count"] == 0
    assert head["meta_robots"] == "noindex, nofollow" and head["viewport"] == "a"
    assert head["meta_description"] == "two words"
    assert nofollow_page(head["meta_robots"]) and nofollow_page("none")
    assert not nofollow_page("noindex") and not nofollow_page(None)


def test_alternates_from_html_then_header() -> None:
    doc = tree(
        "<html><head><link rel='Canonical' href=' /c '><link rel='alternate' hreflang=' fr ' href='/fr'>"
        "<link rel='alternate' href='/feed'><link rel='canonical'>"
        "<link rel='alternate' hreflang='es'></head></html>"
    )
    resolve = Resolver.for_page("https://a.example/p", doc)
    html = html_alternates(doc, resolve)
    header = header_alternates(
        "https://a.example/p",
        parse_link_header(['</c2>; rel="canonical", <de>; rel="alternate"; hreflang="de"']),
    )
    both = (html + header).columns(resolve)
    assert both["canonical"] == "https://a.example/c"
    assert both["canonicals"] == ["/c", "/c2"] and both["canonical_sources"] == ["html", "header"]
    # recorded as written when relative (SEO-HREFLANG-009 judges that); resolved for links;
    # the code as written (SEO-HREFLANG-017 judges ' fr '), no href kept as null (-016)
    assert both["hreflang"] == [
        {"lang": " fr ", "href": "/fr", "source": "html"},
        {"lang": "es", "href": None, "source": "html"},
        {"lang": "de", "href": "de", "source": "header"},
    ]
    assert [alt["href"] for alt in (html + header).hreflang] == [
        "https://a.example/fr",
        None,
        "https://a.example/de",
    ]
    assert Alternates().columns(resolve)["canonical"] is None


def test_anchor_text_and_where_it_comes_from() -> None:
    doc = tree(
        "<html lang='fr'><body><a href='/a'> Tente  2P </a><a href='/b'><img src='c.svg' alt='Panier'></a>"
        "<a href='/c' aria-label='Rechercher'><svg></svg></a><a href='/d' title='Aide'></a>"
        "<a href='/e'><img src='x.png'></a><a href='/f'></a></body></html>"
    )
    resolve = Resolver.for_page("https://a.example/", doc)
    assert [(a.text, a.text_source) for a in anchors(doc, resolve)] == [
        ("Tente 2P", "text"),
        ("Panier", "img-alt"),
        ("Rechercher", "aria-label"),
        ("Aide", "title"),
        (None, "img-no-alt"),
        (None, "none"),
    ]


def test_anchors_a_crawler_cannot_follow_are_recorded_with_their_attributes() -> None:
    doc = tree(
        "<html><body><a onclick=\"goto('/p')\">Tente</a><a href='javascript:void(0)'>x</a>"
        "<a href=' #' onclick='go()'>Sale</a><a href='#reviews'>Reviews</a><a href=''>Self</a>"
        "<a href='mailto:a@b.c'>Mail</a><a name='top' id='t' role='button' aria-current='page'></a>"
        "<a href='file:///c:/x.pdf' target='_blank'>PDF</a><a href='http://[::1/x'>v6</a>"
        "<a href='/ok'>ok</a></body></html>"
    )
    found = non_link_anchors(doc, Resolver.for_page("https://a.example/", doc))
    assert [(a["href"], a["text"], a["onclick"]) for a in found] == [
        (None, "Tente", True),
        ("javascript:void(0)", "x", False),
        ("#", "Sale", True),
        (None, None, False),
        ("file:///c:/x.pdf", "PDF", False),
        ("http://[::1/x", "v6", False),
    ]
    placeholder = found[3]
    assert (placeholder["name"], placeholder["id"], placeholder["role"]) == ("top", "t", "button")
    assert placeholder["aria_current"] == "page" and not placeholder["href_attributes"]
    assert found[4]["href_attributes"]


def test_a_document_that_is_not_html_keeps_its_link_header() -> None:
    """A PDF can carry hreflang and canonical only in its Link header: both recorded, with
    their link rows (an alternate without URL has no row)."""
    columns, rows = header_facts(
        "https://a.example/en/guide.pdf",
        {
            "Link": '</fr/guide.pdf>; rel="alternate"; hreflang="fr", <https://a.example/en/guide.pdf>; rel="canonical"'
        },
    )
    assert columns["hreflang"] == [{"lang": "fr", "href": "/fr/guide.pdf", "source": "header"}]
    assert columns["canonical"] == "https://a.example/en/guide.pdf"
    assert [(r["kind"], r["target"]) for r in rows] == [
        ("canonical", "https://a.example/en/guide.pdf"),
        ("hreflang", "https://a.example/fr/guide.pdf"),
    ]
    assert header_facts("https://a.example/x.pdf", {}) == ({}, [])


def test_a_raw_control_character_in_a_jsonld_string_is_read_and_reported() -> None:
    doc = tree(
        '<html><head><script type="application/ld+json">{"@type": "Product",\n'
        '"name": "Tent", "description": "Dry.\nTwo doors.\tGreen"}</script>'
        '<script type="application/ld+json">{"@type": "Thing", "name": "a\\nb"}</script>'
        "</head></html>"
    )
    data = structured_data(doc, "", "https://a.example/")
    assert [i["type"] for i in data.items] == ["Product", "Thing"]
    assert data.errors == []
    assert data.control_chars == ["json-ld block 0: raw U+000A inside a string at line 2 column 37"]
    assert data.columns()["jsonld_control_chars"] == data.control_chars


def test_structured_data_blocks_fail_alone_and_graphs_flatten() -> None:
    doc = tree(
        "<html><head><script type='application/ld+json'>{bad json</script>"
        '<script type="application/ld+json">[{"@graph": [{"@type": ["Product", "Thing"]}, 3]}, 4]</script>'
        "<script>var x;</script></head><body></body></html>"
    )
    data = structured_data(doc, "", "https://a.example/")
    assert [(i["syntax"], i["type"]) for i in data.items] == [("json-ld", "Product,Thing")]
    assert data.jsonld_blocks == 2 and data.scripts == 3
    assert len(data.errors) == 1 and data.errors[0].startswith("json-ld block 0: ")
    assert json.loads(data.columns()["structured_data"])[0]["data"]["@type"] == ["Product", "Thing"]


def test_visible_prices_innermost_and_capped() -> None:
    doc = tree(
        "<div class='price-box'><span class='price'>$ 1</span></div>"
        "<meta itemprop='price' content='2.50'>" + "<b class='price'>9</b>" * 30
    )
    prices = visible_prices(doc)
    assert prices[:2] == ["$ 1", "2.50"] and len(prices) == 20


def test_anchors_skip_non_links_and_know_their_region() -> None:
    doc = tree(
        "<div role='banner'><a href='/h'>H</a></div><footer><a href='/f' rel='NoFollow'>F</a></footer>"
        "<a href='mailto:x@y'>m</a><a href='  '>blank</a><a href='#top'>t</a><a href='ftp://x/'>f</a>"
        "<a href='http://[::1'>bad</a><a href='/t' title='Title only'></a><a href='/l' aria-label='Label'><img></a>"
    )
    found = anchors(doc, Resolver.for_page("https://a.example/", doc))
    assert [(a.target, a.text, a.nofollow, a.region) for a in found] == [
        ("https://a.example/h", "H", False, "header"),
        ("https://a.example/f", "F", True, "footer"),
        ("https://a.example/t", "Title only", False, "body"),
        ("https://a.example/l", "Label", False, "body"),
    ]


def test_images_resolve_lazy_src_and_keep_data_urls() -> None:
    doc = tree("<img data-src='/lazy.jpg' alt='a'><img src='data:image/png;base64,xx'><img>")
    found = images(doc, Resolver.for_page("https://a.example/p", doc))
    assert [i["src"] for i in found] == [
        "https://a.example/lazy.jpg",
        "data:image/png;base64,xx",
        None,
    ]
    many = tree("<img src='/i.jpg'>" * 600)
    assert len(images(many, Resolver.for_page("https://a.example/", many))) == 500


def test_insecure_resources_only_on_https_pages() -> None:
    doc = tree(
        "<html><head><link rel='stylesheet' href='http://x/a.css'><link rel='icon' href='http://x/i.ico'>"
        "<script src='http://x/a.js'></script></head><body><iframe src='https://x/ok'></iframe></body></html>"
    )
    assert insecure_resources(doc, "https://a.example/") == ["http://x/a.js", "http://x/a.css"]
    assert insecure_resources(doc, "http://a.example/") == []


def test_link_rows_order_and_nofollow_page() -> None:
    rows = link_rows(
        "https://a.example/p",
        canonical="https://a.example/c",
        hreflang=[{"lang": "fr", "href": "https://b.example/fr", "source": "html"}],
        page_images=[
            {"src": "https://a.example/i.jpg", "alt": "i"},
            {"src": "data:x", "alt": None},
        ],
        page_anchors=[Anchor("https://a.example/x", "X", False, "nav")],
        page_nofollow=True,
        hosts=frozenset({"a.example"}),
    )
    assert [(r["kind"], r["internal"], r["nofollow"]) for r in rows] == [
        ("canonical", True, False),
        ("hreflang", False, False),
        ("img", True, False),
        ("a", True, True),
    ]
    assert rows[3]["region"] == "nav" and rows[1]["anchor"] == "fr"


def test_text_pieces() -> None:
    doc = tree(
        "<html lang=' fr-CA '><body><h1> A <b>b</b> </h1><h2>c</h2><p>one<span>two</span></p>"
        "<script>hidden</script><style>.x{}</style><template>t</template><noscript>n</noscript>tail</body></html>"
    )
    assert headings(doc) == {"h1": ["A b"], "h2": ["c"]}
    assert document_lang(doc) == "fr-CA"
    words = visible_words(doc)
    assert words == ["A", "b", "c", "one", "two", "tail"]
    prints = fingerprints(words)
    assert (
        prints["word_count"] == 6
        and prints["content_hash"] == fingerprints([w.upper() for w in words])["content_hash"]
    )
    assert fingerprints([]) == {"word_count": 0, "content_hash": None, "simhash": None}
    assert visible_words(etree.fromstring("<html><head/></html>")) == []  # no <body>


def test_microdata_items_match_extruct_on_nested_and_mixed_markup() -> None:
    from extruct.w3cmicrodata import LxmlMicrodataExtractor

    from seo_crawler.facts.structured_data import microdata_items

    doc = tree(
        "<div itemscope itemtype='https://schema.org/Product'><span itemprop='name'> Lamp <!-- x --> one </span>"
        "<p itemprop='description'>Two <b>bold</b> words<script>no</script></p><i itemprop=''>e</i>"
        "<div itemprop='offers' itemscope itemtype='https://schema.org/Offer'><meta itemprop='price' content='9'>"
        "<b itemprop='priceCurrency'>CAD</b></div><span itemprop='sku brand'>\n x \t</span>"
        "<style itemprop='css'>.a{}</style><a itemprop='url' href='/p'>p</a></div>"
        "<ul><li itemscope itemtype='https://schema.org/Thing'><span itemprop='name'>T</span></li></ul>"
    )
    expected = LxmlMicrodataExtractor().extract_items(doc, "https://a.example/")
    assert microdata_items(doc, "https://a.example/") == expected
    assert (
        expected[0]["properties"]["offers"]["properties"]["price"] == "9"
    )  # nested item kept apart


def test_unparsable_urls_are_recorded_as_written_never_raised() -> None:
    page = (
        b"<html><head><link rel='canonical' href='http://h.example:PORT/c'>"
        b"<link rel='alternate' hreflang='fr' href='http://[::1/fr'></head><body>"
        b"<img src='http://h.example:PORT/i.png'><a href='http://h.example:PORT/a'>a</a></body></html>"
    )
    facts = extract(
        URL, page, {"Link": '<http://h.example:PORT/de>; rel="alternate"; hreflang="de"'}
    )
    r = facts.record
    assert r["canonical"] == "http://h.example:PORT/c"
    assert [alt["href"] for alt in r["hreflang"]] == ["http://[::1/fr", "http://h.example:PORT/de"]
    assert r["images"][0]["src"] == "http://h.example:PORT/i.png"
    assert not any(link["kind"] == "a" for link in facts.links)  # an anchor nobody can follow


def test_jsonld_wrapped_in_a_comment_gives_its_items() -> None:
    doc = tree(
        '<script type=\'application/ld+json\'><!--\n{"@type": "Product"}\n--></script>'
        '<script type=\'application/ld+json\'>[{}, {"@type": "Offer"}]</script>'
    )
    data = structured_data(doc, "", "https://a.example/")
    assert [i["type"] for i in data.items] == ["Product", "Offer"] and data.errors == []
