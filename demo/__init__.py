"""The demo: a test bed and test doubles, never imported by the product packages.

* :mod:`demo.site`: the bundled bilingual demo catalog site with seeded SEO defects
  (``searchops demo-site``);
* :mod:`demo.ads_account`: a synthetic Google Ads account whose true response curves are
  known (``searchops sem demo``);
* :mod:`demo.ads_server`: a local Google Ads API (gRPC over TLS, the library's own message
  types) serving that account;
* :mod:`demo.truth`: the site's defect manifest as audit expectations (recall/precision);
* :mod:`demo.pipeline`: ``searchops demo``, the whole pipeline over two simulated weeks.

The commands reach the CLI through entry points (``searchops.plugins``), so
``searchops``, ``seo_crawler``, ``audits``, ``sem``, ``bidding`` and ``reports`` stay free of
any import of this package (``tests/test_layout.py`` checks it).
"""
