from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule
from audits.rules.structured_data._sql import listed


class VideoMarkupNoFileUrl(Rule):
    """A VideoObject gives neither contentUrl nor embedUrl: Google cannot fetch the video.

    Why: Google indexes a video (and shows key moments, previews) only when it can fetch the
    video file or its player; contentUrl (the file) or embedUrl (the player) is how the
    markup tells it where they are. Google's video SEO guide asks for one of them, contentUrl
    preferred.
    Anti-pattern: a VideoObject with name, thumbnail and date but only the page's own URL.
    Fix: add contentUrl (the .mp4/.webm file Googlebot may fetch) or embedUrl (the player URL).
    Source: Google Search Central, video SEO best practices, "make sure Google can fetch your
    video" https://developers.google.com/search/docs/appearance/video#ensure-video-fetchable
    and video structured data https://developers.google.com/search/docs/appearance/structured-data/video
    """

    id = "SEO-MEDIA-005"
    slug = "video-markup-no-file-url"
    family = "media"
    severity = "warning"
    fields = ("structured_data",)

    def check(self, ctx: RuleContext) -> str:
        ctx.ensure("sd_nodes")
        return f"""
            SELECT url, 'The VideoObject gives neither contentUrl nor embedUrl' AS message,
                   '' AS evidence, path AS key
            FROM sd_nodes
            WHERE type = 'VideoObject' AND NOT {listed("contentUrl")} AND NOT {listed("embedUrl")}
        """
