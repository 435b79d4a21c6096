"""SQL shared by the rules over the sampled image files (``images.parquet``)."""

from __future__ import annotations

# Fetched images that answered with their bytes (200, or 206 for the ranged request).
SERVED = "fetch_state = 'fetched' AND status IN (200, 206)"
# The size an image was declared and served at, as evidence: "src declared WxH, served WxH".
SIZES = (
    "src || ' declared ' || coalesce(CAST(declared_width AS VARCHAR), '?') || 'x' "
    "|| coalesce(CAST(declared_height AS VARCHAR), '?') || ', served ' "
    "|| coalesce(CAST(width AS VARCHAR), '?') || 'x' || coalesce(CAST(height AS VARCHAR), '?')"
)
# The sampled images of the pages judged: a page fetched again under the other loopback
# name (a local site whose pages name localhost) is judged once, under its first name.
IMAGES = "(SELECT * FROM images WHERE page NOT IN (SELECT url FROM loopback_copies)) AS images"
