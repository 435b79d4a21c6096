"""The bundled demo catalog site: a bilingual retailer with seeded SEO defects.

``catalog`` holds the product data (stable API), ``defects`` the seeded defects and their
manifest, ``app`` the aiohttp application that serves both.
"""
