from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.structured_data._sql import listed

REQUIRED = ("name", "thumbnailUrl", "uploadDate")


def _missing(props: tuple[str, ...]) -> str:
    """SQL: the names among ``props`` the node lacks, space-separated."""
    return (
        "trim("
        + " || ".join(f"CASE WHEN NOT {listed(p)} THEN '{p} ' ELSE '' END" for p in props)
        + ")"
    )


class VideoMarkupRequiredMissing(Rule):
    """A VideoObject lacks a property Google requires (name, thumbnailUrl, uploadDate).

    Why: Google shows video results, the video tab and key moments from VideoObject markup
    only when it has name, thumbnailUrl and uploadDate; without one of them the video is not
    eligible for video rich results.
    Anti-pattern: {"@type": "VideoObject", "name": "Pitching the tent", "contentUrl": ...}
    with no thumbnail and no upload date.
    Fix: add the missing properties (thumbnailUrl: a crawlable image of at least 60x30 px;
    uploadDate: ISO 8601 with a time zone).
    Source: Google Search Central, video structured data, required properties
    https://developers.google.com/search/docs/appearance/structured-data/video#video-object
    """

    id = "SEO-MEDIA-004"
    slug = "video-markup-required-missing"
    family = "media"
    severity = "error"
    fields = ("structured_data",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        missing = _missing(REQUIRED)
        return f"""
            SELECT url, 'The VideoObject lacks ' || {missing} AS message,
                   {missing} AS evidence, path AS key
            FROM sd_nodes WHERE type = 'VideoObject' AND {missing} <> ''
        """
