"""The artifact schema of a run folder: every column of every Parquet file, documented.

This is a contract (DESIGN.md, "Contracts"): the audits, the report, the
benchmarks and users' notebooks read these columns. Change a column only on
purpose, bump ``searchops.run_folder.SCHEMA_VERSION`` and say so in the changelog.

Files of a run folder::

    crawl.json          manifest (start URLs, settings, versions, schema version, stats, timings)
    pages.parquet       one row per URL the crawler met in scope (fetched, blocked or failed)
    links.parquet       one row per link-like reference (a, canonical, hreflang, redirect, img)
    sitemaps.parquet    one row per sitemap file fetched
    sitemap_urls.parquet one row per <url> entry of every sitemap
    robots.parquet      one row per origin's robots.txt the crawler read (since schema version 7)

Big crawls may write part files instead (``pages/part-00000.parquet`` ...);
read them with :func:`searchops.run_folder.parquet_path`, DuckDB or pyarrow.dataset.
"""

from __future__ import annotations

import pyarrow as pa

HOP = pa.struct([("url", pa.string()), ("status", pa.int32())])
HREFLANG = pa.struct([("lang", pa.string()), ("href", pa.string()), ("source", pa.string())])
IMAGE = pa.struct(
    [
        ("src", pa.string()),
        ("alt", pa.string()),  # null = no alt attribute; "" = empty alt (decorative)
        ("width", pa.string()),
        ("height", pa.string()),
        ("loading", pa.string()),
    ]
)

# What a shopper can judge a product by (seo_crawler.facts.product_page), recorded for every
# HTML page with Product markup or a visible price (a product template's page without
# markup shows its price, and is a product page too); the audit
# SEO-PRODUCT-001 compares product pages with their category's distribution.
PRODUCT = pa.struct(
    [
        # the BreadcrumbList path ("Gear > Tents"), the page's own crumb left out; null when
        # the page has no breadcrumb markup (audits then use the URL's parent path)
        ("category", pa.string()),
        (
            "description_chars",
            pa.int32(),
        ),  # longest visible description text (itemprop/class/id description)
        (
            "images",
            pa.int32(),
        ),  # distinct product images: Product markup image + <img itemprop=image>
        (
            "image_max_width",
            pa.int32(),
        ),  # widest declared width (img width or ImageObject width), null if none
        ("images_without_alt", pa.int32()),  # product images shown in an <img> with no or empty alt
        (
            "first_image_lazy",
            pa.bool_(),
        ),  # the first product <img> has loading=lazy (likely the LCP)
        (
            "rating",
            pa.bool_(),
        ),  # aggregateRating with a ratingValue, or a visible itemprop=ratingValue
        ("reviews", pa.int32()),  # reviewCount/ratingCount, or the number of Review items
        (
            "specifications",
            pa.int32(),
        ),  # additionalProperty values, or rows of a spec/feature table or list
        ("price_visible", pa.bool_()),  # a price shown on the page (visible_prices)
        ("availability_visible", pa.bool_()),  # an availability/stock element with text
        ("brand", pa.bool_()),
        ("gtin", pa.bool_()),  # gtin, gtin8/12/13/14 or isbn in the Product markup
        ("mpn", pa.bool_()),
        ("variants", pa.int32()),  # hasVariant items of a ProductGroup
        ("video", pa.bool_()),  # VideoObject markup, a <video>, or a YouTube/Vimeo embed
    ]
)

NON_LINK_ANCHOR = pa.struct(
    [
        ("href", pa.string()),  # as written (stripped), null when the <a> has none
        ("text", pa.string()),  # anchor text (links.anchor_source rules), null if none
        ("onclick", pa.bool_()),  # has an onclick attribute
        ("role", pa.string()),
        ("name", pa.string()),
        ("id", pa.string()),
        ("aria_current", pa.string()),
        (
            "href_attributes",
            pa.bool_(),
        ),  # target, download, ping, rel, hreflang, type or referrerpolicy
    ]
)

# fmt: off
PAGES = pa.schema([
    # --- fetch
    ("url", pa.string()),               # the URL requested (normalized: fragment dropped)
    ("final_url", pa.string()),         # after redirects; == url when none
    ("status", pa.int32()),             # HTTP status of the final response; null if never fetched
    # fetched | blocked_robots | blocked_unsafe (link-local/metadata address, never requested) |
    # trap (not fetched; see `trap`) | redirect_loop | redirect_out_of_scope (chain leaves the
    # crawl scope; final_url is the outside target, not fetched) | too_large (over the
    # download cap, or inflating past it: a compression bomb) | error (timeout, DNS,
    # connection, render failure, a page extraction could not process; see `error`)
    ("fetch_state", pa.string()),
    ("redirect_chain", pa.list_(HOP)),  # each hop: the URL requested and the status it answered (3xx)
    ("redirect_loop", pa.bool_()),      # the chain came back to a URL already in it
    ("content_type", pa.string()),      # Content-Type header (lowercased media type)
    ("encoding", pa.string()),          # encoding used to decode the body
    ("encoding_declared", pa.string()), # charset declared by header or <meta>, null if none
    ("depth", pa.int32()),              # clicks from a start URL (sitemap-only URLs: 1, reached from the sitemap)
    ("response_ms", pa.float64()),      # download latency of the final response
    ("bytes", pa.int64()),              # body size as received (decompressed)
    # the body is not whole: over the download cap (too_large), ended before its Content-Length,
    # or HTML cut before </body></html> (a Content-Length shorter than the page); see `error`
    ("truncated", pa.bool_()),
    ("rendered", pa.bool_()),           # the DOM was rendered by Chromium
    # why it was rendered (always | page-needs-js | template-needs-js | sample: --render-sample),
    # null if not. Every rendered page was fetched raw first (its raw_* columns).
    ("render_reason", pa.string()),
    # the raw HTML looked JavaScript-built (scripts, no <h1>, no JSON-LD or few words), whether
    # or not it was then rendered (--render auto without Chromium records it and renders
    # nothing); null when the raw HTML was not judged (not HTML, status >= 400, rendered up
    # front). Since schema version 2.
    ("needs_render", pa.bool_()),
    # requests the rendering browser did not send for this page (seo_crawler.browser), at most
    # 20: "<reason>: <METHOD> <url>", reason out-of-scope | unsafe-address | scheme |
    # cross-origin-<method>; null when none or not rendered. Since schema version 9.
    ("browser_blocked", pa.list_(pa.string())),
    ("fetched_at", pa.timestamp("ms", tz="UTC")),
    ("discovered_from", pa.string()),   # start | link | sitemap | canonical | hreflang | redirect
    ("referrer", pa.string()),          # first page that led here
    # --- head
    ("title", pa.string()),             # first <title> text, whitespace-collapsed; null if none
    ("title_count", pa.int32()),        # number of <title> elements
    ("meta_description", pa.string()),  # first meta description content
    ("meta_description_count", pa.int32()),
    ("meta_robots", pa.string()),       # all <meta name=robots|googlebot> contents joined by ", " (lowercased)
    ("x_robots_tag", pa.string()),      # X-Robots-Tag header values joined by ", " (lowercased)
    ("canonical", pa.string()),         # first rel=canonical href, resolved absolute
    ("canonicals", pa.list_(pa.string())),  # every rel=canonical href as written (HTML then Link header)
    ("canonical_sources", pa.list_(pa.string())),  # html | header | body (outside <head>: ignored), aligned with canonicals
    # alternates from html <link> (source html, or body outside <head>: ignored), http Link
    # header (also of files that are not HTML, e.g. PDFs) and sitemap; lang as written (not
    # trimmed), href null when the annotation has none (since schema version 3)
    ("hreflang", pa.list_(HREFLANG)),
    ("lang", pa.string()),              # <html lang>
    ("viewport", pa.string()),          # meta viewport content
    # --- body
    ("h1", pa.list_(pa.string())),      # text of every <h1>
    ("h2", pa.list_(pa.string())),
    ("structured_data", pa.string()),   # JSON array of items: {"syntax": json-ld|microdata|rdfa, "type", "data"}
    ("structured_data_errors", pa.list_(pa.string())),  # parse errors, e.g. invalid JSON-LD
    ("jsonld_blocks", pa.int32()),      # number of <script type=application/ld+json> blocks
    # JSON-LD blocks read although a string holds a raw control character (newline, tab),
    # which JSON forbids: "json-ld block N: raw U+000A inside a string at line L column C".
    # Since schema version 4.
    ("jsonld_control_chars", pa.list_(pa.string())),
    ("visible_prices", pa.list_(pa.string())),  # price texts as shown on the page (itemprop/class price)
    # --- commerce facts (seo_crawler.facts.commerce), since schema version 3
    ("product_markup", pa.bool_()),     # one Product / ProductGroup item is the page's subject (not a listing's many)
    ("price_shown", pa.bool_()),        # an Offer price in the structured data, or a visible price
    ("availability_shown", pa.bool_()), # an Offer availability, or an itemprop/class availability element
    ("description_shown", pa.bool_()),  # a Product description, or an itemprop/class description element with text
    ("data_nosnippet", pa.list_(pa.string())),  # what data-nosnippet elements hide: price | availability | description | other
    ("images", pa.list_(IMAGE)),
    # what a shopper can judge the product by (PRODUCT above); null when not HTML, or when
    # the page has neither Product/ProductGroup markup nor a visible price. Since schema
    # version 10.
    ("product", PRODUCT),
    ("insecure_resources", pa.list_(pa.string())),  # http:// subresources on an https page
    ("word_count", pa.int32()),         # words of visible body text
    ("content_hash", pa.string()),      # sha1 of normalized visible text (exact duplicates)
    ("simhash", pa.int64()),            # 64-bit simhash of text shingles (near duplicates)
    # <a> elements a crawler cannot follow to a URL (first 50): no href, a javascript: or
    # file: href, an href no URL parser accepts, or an in-page "#" href with an onclick;
    # with the attributes that make an <a> a placeholder (role, name, id, aria-current,
    # and whether it has target/rel/... which need an href). Since schema version 5.
    ("non_link_anchors", pa.list_(NON_LINK_ANCHOR)),
    ("links_internal", pa.int32()),
    ("links_external", pa.int32()),
    # --- the raw HTML of a rendered page (as fetched, before JavaScript ran); null on pages not
    # rendered, whose other columns are the raw HTML. Since schema version 3.
    ("raw_title", pa.string()),
    ("raw_meta_description", pa.string()),
    ("raw_meta_robots", pa.string()),
    ("raw_canonical", pa.string()),
    ("raw_h1", pa.list_(pa.string())),
    ("raw_links", pa.list_(pa.string())),  # targets of the raw HTML's <a href> links (first 1,000)
    ("raw_product_markup", pa.bool_()),
    ("raw_price_shown", pa.bool_()),
    ("raw_availability_shown", pa.bool_()),
    ("raw_description_shown", pa.bool_()),
    ("raw_word_count", pa.int32()),
    # --- discovery
    ("in_sitemap", pa.bool_()),         # listed in at least one sitemap
    ("sitemaps", pa.list_(pa.string())),  # the sitemaps listing it
    ("trap", pa.string()),              # trap reason (repeating-segments | param-explosion | ...), null if none
    ("error", pa.string()),             # fetch/parse error, null if none
])

LINKS = pa.schema([
    ("source", pa.string()),            # page the reference is on (its final URL)
    ("target", pa.string()),            # absolute URL (fragment dropped)
    ("kind", pa.string()),              # a | canonical | hreflang | redirect | img
    ("anchor", pa.string()),            # anchor text (a, see anchor_source), hreflang code (hreflang)
    ("nofollow", pa.bool_()),           # rel contains nofollow (or the page's meta robots nofollow)
    ("region", pa.string()),            # nav | header | footer | body
    ("internal", pa.bool_()),           # target host in the crawl scope
    # kind a: where the anchor text came from: text (visible text) | img-alt (the alt of
    # its images) | aria-label | title | img-no-alt (images without alt: anchor null) |
    # none (nothing: anchor null); null for other kinds. Since schema version 5.
    ("anchor_source", pa.string()),
])

SITEMAPS = pa.schema([
    ("sitemap", pa.string()),           # URL of the sitemap file
    ("parent", pa.string()),            # index that listed it, null for roots
    ("kind", pa.string()),              # index | urlset | invalid
    ("status", pa.int32()),
    ("url_count", pa.int64()),          # <url> or <sitemap> entries
    ("bytes_uncompressed", pa.int64()),
    ("error", pa.string()),
    # namespace of the root element (sitemaps.org: http://www.sitemaps.org/schemas/sitemap/0.9),
    # null when it has none; since schema version 6
    ("namespace", pa.string()),
    # how the file departs from the protocol's structure, as the parser met it (first 100,
    # then "... and N more"): "line 12: <url> without <loc>", "<loc> holds markup",
    # "<sitemap> in a <urlset>", "not well-formed XML: ..."; since schema version 6
    ("structure_issues", pa.list_(pa.string())),
])

# One video:video of a video sitemap entry (Google's video sitemap extension); null fields absent.
SITEMAP_VIDEO = pa.struct(
    [
        ("thumbnail_loc", pa.string()),
        ("title", pa.string()),
        ("description", pa.string()),
        ("content_loc", pa.string()),
        ("player_loc", pa.string()),
    ]
)

# One row per image file sampled after the crawl (seo_crawler.image_sample: per URL template,
# the first pages' first images, one ranged GET each, within scope and robots.txt). Since
# schema version 10; absent when nothing was sampled.
IMAGE_FILES = pa.schema([
    ("page", pa.string()),              # the (first sampled) page showing it
    ("template", pa.string()),          # that page's URL template (seo_crawler.urls.template_of)
    ("src", pa.string()),               # the image URL (resolved <img src>)
    ("declared_width", pa.int32()),     # <img width> / height as integers, null when absent or not a number
    ("declared_height", pa.int32()),
    # fetched | out_of_scope (host not crawled) | blocked_robots | blocked_unsafe (link-local or
    # metadata address) | not_sampled (see error) | error (timeout, connection; see error)
    ("fetch_state", pa.string()),
    ("status", pa.int32()),             # HTTP status (206 for a ranged answer); redirects not followed
    ("content_type", pa.string()),      # media type of the answer, lowercased
    ("format", pa.string()),            # what the file's header says: JPEG | PNG | WEBP | GIF | AVIF | SVG | BMP | ... ; null if unreadable
    ("bytes", pa.int64()),              # the whole file's size (Content-Range total, Content-Length, or all bytes read)
    ("width", pa.int32()),              # served (intrinsic) size from the file's header
    ("height", pa.int32()),
    ("error", pa.string()),
])

ISSUE = pa.struct([("line", pa.int32()), ("message", pa.string()), ("text", pa.string())])

# One row per origin (scheme://host:port) whose robots.txt the crawler read to obey it
# (seo_crawler.robots_middleware; Google's handling of each status in its docstring).
ROBOTS = pa.schema([
    ("robots_url", pa.string()),        # origin + /robots.txt
    ("origin", pa.string()),            # scheme://host[:port] the rules apply to
    ("final_url", pa.string()),         # after redirects (at most 5 followed), null if none answered
    ("status", pa.int32()),             # HTTP status of the final answer; null when none came
    # rules (2xx: the file's rules apply) | allow_all (4xx but 429: no robots.txt; more than
    # 5 redirects) | disallow_all (429, 5xx, timeout, network error, redirect out of scope:
    # nothing of the origin is fetched, as Google stops crawling the site)
    ("outcome", pa.string()),
    ("reason", pa.string()),            # one line: why this outcome
    ("error", pa.string()),             # the fetch error when no answer came (timeout, DNS...)
    ("redirect_chain", pa.list_(HOP)),  # each redirect hop of the robots.txt request
    ("bytes", pa.int64()),              # body bytes read (at most max_bytes), null if no answer
    ("size", pa.int64()),               # the whole file's size as far as known (Content-Length or bytes received)
    ("truncated", pa.bool_()),          # longer than max_bytes: only the first max_bytes were read
    ("max_bytes", pa.int64()),          # the read limit applied ([crawl] robots_max_bytes; Google: 500 KiB)
    ("groups", pa.int32()),             # user-agent groups
    ("rules", pa.int32()),              # allow/disallow lines inside groups
    ("sitemaps", pa.list_(pa.string())),  # Sitemap: values as written
    ("issues", pa.list_(ISSUE)),        # lines crawlers misread or ignore (Lighthouse robots-txt checks)
    ("body", pa.string()),              # the text read (UTF-8, at most max_bytes), null if none
    ("fetched_at", pa.timestamp("ms", tz="UTC")),
])

SITEMAP_URLS = pa.schema([
    ("sitemap", pa.string()),
    ("loc", pa.string()),
    ("lastmod", pa.string()),           # as written; rules validate W3C datetime
    # xhtml:link rel=alternate entries (source = sitemap); lang or href null when the entry
    # has none (since schema version 6; such entries are not merged into pages.hreflang)
    ("alternates", pa.list_(HREFLANG)),
    ("changefreq", pa.string()),        # as written, null if absent; since schema version 6
    ("priority", pa.string()),          # as written, null if absent; since schema version 6
    # the <loc> held an element or entity reference: loc is its whole text (it used to be
    # cut at the markup, often to the site root); since schema version 6
    ("loc_markup", pa.bool_()),
    # Google's image and video sitemap extensions (image:image, video:video), since schema
    # version 10: the image:loc of each image:image (null when it has none) and the video
    # fields of each video:video, the first 20 of each; the counts are of all of them.
    ("images", pa.list_(pa.string())),
    ("image_count", pa.int32()),
    ("videos", pa.list_(SITEMAP_VIDEO)),
    ("video_count", pa.int32()),
])
# fmt: on
