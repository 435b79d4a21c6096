"""Rendering rules: what the raw HTML says against the DOM after JavaScript ran.

They judge pages the crawl rendered (``--render auto|always``, ``--render-sample N``),
whose rows keep the raw HTML's facts in the ``raw_*`` columns.
"""
