from __future__ import annotations

from audits.rules._base import HtmlPageRule

# Described images (alt not empty), distinct sources, of one page.
_DESCRIBED = (
    "list_distinct(list_transform(list_filter(coalesce(images, []), "
    "lambda i: trim(coalesce(i.alt, '')) <> '' AND i.src IS NOT NULL), "
    "lambda i: lower(trim(i.alt)) || chr(1) || i.src))"
)
_ALTS = f"list_transform({_DESCRIBED}, lambda x: split_part(x, chr(1), 1))"
_REPEATED = (
    f"list_distinct(list_filter({_ALTS}, lambda a: len(list_filter({_ALTS}, lambda b: b = a)) > 1))"
)


class ImageAltDuplicated(HtmlPageRule):
    """Different images on one page carry the same alt text.

    Why: alt text tells Google and screen-reader users what each image shows; a gallery of
    six photos all described "Trail Tent 2" says the same thing six times and nothing about
    the side view, the vestibule or the packed size that set each photo apart.
    Anti-pattern: a template writing the product name into every gallery image's alt.
    Fix: describe what each image shows, in the product's context ("Trail Tent 2, vestibule
    open"); a purely decorative image gets alt="".
    Source: Google Search Central, image SEO best practices, alt text
    https://developers.google.com/search/docs/appearance/google-images#use-descriptive-alt-text
    """

    id = "SEO-MEDIA-002"
    slug = "image-alt-duplicated"
    family = "media"
    severity = "notice"
    fields = ("images",)
    condition = f"len({_REPEATED}) > 0"
    message = f"'Different images share the alt text \"' || {_REPEATED}[1] || '\"'"
    evidence = f"array_to_string({_REPEATED}[1:3], ' | ')"
    key = f"{_REPEATED}[1]"
