from __future__ import annotations

from typing import ClassVar

from audits.context import RuleContext
from audits.rules._base import INDEXABLE, sql_text
from audits.rules.ai_search._pages import CommercePageRule

# What a shopper judges a product by: (name, value over the `product` struct `f`). A part
# whose value is NULL on a page is not judged there (an image's size or alt text when the
# page shows no product image). Variants are recorded, not judged: many products have none.
PARTS: tuple[tuple[str, str], ...] = (
    ("description", "f.description_chars"),
    ("images", "f.images"),
    ("image size", "f.image_max_width"),
    ("image alt text", "CASE WHEN f.images > 0 THEN 1.0 - f.images_without_alt / f.images END"),
    # Reviews are judged present or absent (a count shown with them): how many a product has
    # is its sales history, not something its page leaves out, and any spread of counts has
    # a bottom decile.
    ("reviews", "CAST(f.reviews > 0 AS INTEGER)"),
    ("specifications", "f.specifications"),
    ("visible price", "CAST(f.price_visible AS INTEGER)"),
    ("visible availability", "CAST(f.availability_visible AS INTEGER)"),
    ("brand", "CAST(f.brand AS INTEGER)"),
    ("GTIN or MPN", "CAST(f.gtin OR f.mpn AS INTEGER)"),
    ("video", "CAST(f.video AS INTEGER)"),
)
# The population a page of a category too small to have a distribution is judged in: every
# product page of the run (its own category's pages among them).
ALL_PRODUCTS = "(all product pages)"


def _number(column: str) -> str:
    """SQL: a number as text, without a trailing .0 (40, 0.67)."""
    return f"regexp_replace(CAST(round({column}, 2) AS VARCHAR), '\\.0$', '')"


class ProductPageIncomplete(CommercePageRule):
    """Products customers cannot judge: the page is in its category's bottom decile for a part.

    Why: shoppers decide on what the page shows: a description, several large images with
    alt text, reviews, specifications, the price, the availability, the brand and the
    product's identifiers, and a video where the category has them. Google asks product pages
    for the same (merchant listing and product snippet markup: image, description, brand,
    gtin/mpn, aggregateRating, review, offers; high quality reviews; large, described
    images), and a thin page in a category where the others are complete is the one that
    loses the sale and the rich result. Judged against the page's own category (from its
    BreadcrumbList markup, else its URL's parent path), not a fixed word count: a part is
    missing when the page is in the category's bottom ``bottom_share`` for it and below
    ``below_median_ratio`` of the category's median; categories with fewer than
    ``min_category_pages`` product pages are judged against every product page of the run.
    Variants are recorded, not judged.
    Anti-pattern: a product imported with a one-line description and one thumbnail among
    tents that have paragraphs, six photos and a specification table.
    Fix: complete the named parts from the product information system; the weakest pages of
    the most valuable products first (``searchops products --crawl RUN`` ranks them).
    Source: Google Search Central, product structured data (merchant listings, product
    snippets) https://developers.google.com/search/docs/appearance/structured-data/product
    and https://developers.google.com/search/docs/specialty/ecommerce/share-your-product-data-with-google
    and https://developers.google.com/search/docs/appearance/google-images
    """

    id = "SEO-PRODUCT-001"
    slug = "product-page-incomplete"
    family = "products"
    severity = "warning"
    scope = "site"
    fields = ("product", "url", "product_markup")
    options: ClassVar[tuple[str, ...]] = (
        "commerce_templates",
        "templates",
        "bottom_share",
        "below_median_ratio",
        "min_category_pages",
    )

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")
        parts = " UNION ALL ".join(
            f"SELECT url, category, own, population, {sql_text(name)} AS part, {i} AS part_order, "
            f"CAST({value} AS DOUBLE) AS value FROM q"
            for i, (name, value) in enumerate(PARTS)
        )
        parent = "regexp_replace(regexp_replace(url, '[?#].*$', ''), '/[^/]*$', '/')"
        least = int(self.opt("min_category_pages"))
        return f"""
            WITH p AS (
                SELECT url, product AS f,
                       coalesce(nullif(trim(product.category), ''), {parent}) AS category
                FROM html_pages
                WHERE product IS NOT NULL AND {self.commerce_page()} AND {INDEXABLE}
            ), sizes AS (SELECT category, count(*) AS n FROM p GROUP BY category),
            q AS (
                SELECT p.url, p.f, p.category, sizes.n >= {least} AS own,
                       CASE WHEN sizes.n >= {least} THEN p.category ELSE '{ALL_PRODUCTS}' END
                           AS population
                FROM p JOIN sizes USING (category)
            ), v AS (SELECT * FROM ({parts}) WHERE value IS NOT NULL),
            ranked AS (
                -- a page of a large category against its category; every page also ranked
                -- among all product pages, for the pages of small categories
                SELECT *, cume_dist() OVER (PARTITION BY category, part ORDER BY value) AS share,
                       median(value) OVER (PARTITION BY category, part) AS category_median,
                       cume_dist() OVER (PARTITION BY part ORDER BY value) AS share_all,
                       median(value) OVER (PARTITION BY part) AS median_all,
                       count(*) OVER (PARTITION BY part) AS n_all
                FROM v
            ), chosen AS (
                SELECT url, population, part, part_order, value, share, category_median
                FROM ranked WHERE own
                UNION ALL
                SELECT url, population, part, part_order, value, share_all, median_all
                FROM ranked WHERE NOT own AND n_all >= {least}
            ), weak AS (
                SELECT * FROM chosen
                WHERE share <= {float(self.opt("bottom_share"))}
                  AND value < category_median * {float(self.opt("below_median_ratio"))}
            )
            SELECT url,
                   'Customers cannot judge this product: ' || string_agg(part, ', ' ORDER BY part_order)
                       || ' in the bottom ' || {round(float(self.opt("bottom_share")) * 100)}
                       || '% of ' || any_value(population) AS message,
                   string_agg(part || '=' || {_number("value")} || ' (median '
                       || {_number("category_median")} || ')', '; ' ORDER BY part_order) AS evidence
            FROM weak GROUP BY url
        """
