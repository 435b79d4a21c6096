"""Product-page rules: what a shopper can judge a product by (the ``product`` column of
pages, :mod:`seo_crawler.facts.product_page`), each page judged against its own category."""
