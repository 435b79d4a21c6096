from __future__ import annotations

from typing import ClassVar

from audits.context import RuleContext
from audits.rule import Rule


class ImageSitemapEntryInvalid(Rule):
    """An image sitemap entry has no usable image:loc, or one <url> lists too many images.

    Why: Google discovers images from image:image entries by their image:loc, which must be
    the image's absolute URL; an entry without it is ignored, and Google reads at most 1,000
    image:image tags per <url> (the rest are dropped).
    Anti-pattern: <image:image><image:caption>...</image:caption></image:image> with no
    image:loc; a relative "/img/tent.jpg"; a gallery sitemap with 1,500 images on one <url>.
    Fix: give each image:image an absolute image:loc; list at most 1,000 images per page.
    Source: Google Search Central, image sitemaps
    https://developers.google.com/search/docs/crawling-indexing/sitemaps/image-sitemaps
    """

    id = "SEO-MEDIA-007"
    slug = "image-sitemap-entry-invalid"
    family = "media"
    severity = "warning"
    scope = "site"
    needs = ("sitemap_urls",)
    fields = ("sitemap_urls.images", "sitemap_urls.image_count", "sitemap_urls.loc")
    options: ClassVar[tuple[str, ...]] = ("max_images_per_url",)

    def check(self, ctx: RuleContext) -> str:
        limit = int(self.opt("max_images_per_url"))
        bad = (
            "list_filter(coalesce(images, []), lambda i: i IS NULL "
            "OR NOT regexp_matches(lower(trim(i)), '^https?://[^/]+'))"
        )
        return f"""
            SELECT loc AS url,
                   CASE WHEN image_count > {limit}
                        THEN image_count || ' image:image entries for one <url> in ' || sitemap
                             || ' (Google reads {limit})'
                        ELSE len({bad}) || ' image:image entries without an absolute image:loc in '
                             || sitemap END AS message,
                   CASE WHEN image_count > {limit} THEN CAST(image_count AS VARCHAR)
                        ELSE array_to_string(list_transform({bad}, lambda i: coalesce(i, '(none)'))[1:3], ' ')
                   END AS evidence,
                   sitemap AS related_url
            FROM sitemap_urls
            WHERE coalesce(image_count, 0) > {limit} OR len({bad}) > 0
        """
