from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.media._files import IMAGES


class ImageBroken(Rule):
    """A sampled image answers an error (4xx or 5xx): the page shows a broken image.

    Why: Google Images indexes only images it can fetch, and a shopper sees an empty frame
    where the product should be. The sample covers the first images of a few pages of each
    template: a broken one there is usually broken on every page of the template.
    Anti-pattern: product photos moved to a new CDN path while the templates still name the
    old one.
    Fix: serve the image (or point the page at its new URL); check the template's other pages.
    Source: Google Search Central, image SEO best practices
    https://developers.google.com/search/docs/appearance/google-images
    """

    id = "SEO-MEDIA-008"
    slug = "image-broken"
    family = "media"
    severity = "error"
    scope = "site"
    needs = ("images",)
    fields = ("images.page", "images.src", "images.status", "images.fetch_state")

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("html_pages")  # its loopback_copies
        return f"""
            SELECT page AS url, 'An image of the page answers ' || status AS message,
                   src AS evidence, src AS related_url, src AS key
            FROM {IMAGES} WHERE fetch_state = 'fetched' AND status >= 400
        """
