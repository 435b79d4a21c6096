from __future__ import annotations

from audits.rules._base import HtmlPageRule

# An alt that is a file name (IMG_1234.jpg, DSC00012, product-photo_2.png) or a bare number.
_FILENAME = r"'^\s*([\w\-. ]+\.(jpe?g|png|gif|webp|avif|svg|bmp|tiff?|heic)|(img|dsc|dscn|dcim|pxl|photo|image)[_\- ]?\d+|\d+)\s*$'"
_NAMES = f"list_filter(coalesce(images, []), lambda i: regexp_matches(lower(coalesce(i.alt, '')), {_FILENAME}))"


class ImageAltIsFilename(HtmlPageRule):
    """An image's alt text is a file name or a camera number, not a description.

    Why: Google reads alt text to understand what an image shows (with computer vision and
    the page's text); "IMG_4021.jpg" tells it nothing, and screen readers read it aloud.
    Anti-pattern: a CMS that fills alt with the uploaded file's name: alt="DSC00231.JPG".
    Fix: describe the image in a few words in context ("Trail Tent 2, side view, fly open").
    Source: Google Search Central, image SEO best practices, alt text
    https://developers.google.com/search/docs/appearance/google-images#use-descriptive-alt-text
    """

    id = "SEO-MEDIA-001"
    slug = "image-alt-is-filename"
    family = "media"
    severity = "warning"
    fields = ("images",)
    condition = f"len({_NAMES}) > 0"
    message = f"len({_NAMES}) || ' image(s) have a file name or camera number as alt text'"
    evidence = f"array_to_string(list_transform({_NAMES}, lambda i: i.alt)[1:3], ' | ')"
