"""The pieces of extraction, each a pure function of a parsed page (an lxml tree).

:func:`seo_crawler.extract.extract` decodes and parses a response once and calls them:
``head`` (title, meta tags, canonicals, hreflang), ``links`` (URL resolution, anchors and
their page regions, images, insecure subresources), ``structured_data`` (JSON-LD,
microdata, RDFa, visible prices) and ``page_text`` (headings, visible words, fingerprints).
"""
