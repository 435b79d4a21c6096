"""robots.txt rules: over ``robots.parquet``, one row per origin's robots.txt as the crawler read it."""
