from __future__ import annotations

from audits.rules._base import HtmlPageRule

_MISSING = "list_filter(coalesce(images, []), lambda i: i.alt IS NULL)"


class ImageMissingAlt(HtmlPageRule):
    """Images on the page have no alt attribute.

    Why: alt text is how search engines understand images (Google Images traffic)
    and how screen readers describe them (WCAG 1.1.1). Decorative images should have
    alt="" -- an empty alt is fine, a missing one is not.
    Anti-pattern: product hero images rendered without alt by a gallery component.
    Fix: describe the image in alt (product name and what the photo shows).
    Source: https://developers.google.com/search/docs/appearance/google-images#use-descriptive-alt-text
    """

    id = "SEO-CONTENT-004"
    slug = "image-missing-alt"
    family = "content"
    severity = "warning"
    fields = ("images",)
    condition = f"len({_MISSING}) > 0"
    message = f"len({_MISSING}) || ' image(s) have no alt attribute'"
    evidence = f"array_to_string(list_transform({_MISSING}, lambda i: i.src)[1:3], ' ')"
