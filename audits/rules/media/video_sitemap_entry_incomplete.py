from __future__ import annotations

from audits.context import RuleContext
from audits.rule import Rule

REQUIRED = ("thumbnail_loc", "title", "description")


class VideoSitemapEntryIncomplete(Rule):
    """A video sitemap entry lacks a required tag (thumbnail_loc, title, description, and
    content_loc or player_loc).

    Why: Google reads a video:video entry only when it has its thumbnail, title and
    description and where to fetch the video (the file, content_loc, or its player,
    player_loc); an incomplete entry is ignored and the video may not be found.
    Anti-pattern: <video:video> with a title and a content_loc but no thumbnail_loc.
    Fix: give every video:video its video:thumbnail_loc, video:title, video:description and
    video:content_loc (or video:player_loc).
    Source: Google Search Central, video sitemaps, required tags
    https://developers.google.com/search/docs/crawling-indexing/sitemaps/video-sitemaps
    """

    id = "SEO-MEDIA-006"
    slug = "video-sitemap-entry-incomplete"
    family = "media"
    severity = "error"
    scope = "site"
    needs = ("sitemap_urls",)
    fields = ("sitemap_urls.videos", "sitemap_urls.loc", "sitemap_urls.sitemap")

    def check(self, ctx: RuleContext) -> str:
        checks = [
            f"CASE WHEN nullif(trim(v.{name}), '') IS NULL THEN '{name} ' ELSE '' END"
            for name in REQUIRED
        ]
        checks.append(
            "CASE WHEN nullif(trim(v.content_loc), '') IS NULL "
            "AND nullif(trim(v.player_loc), '') IS NULL THEN 'content_loc|player_loc ' ELSE '' END"
        )
        missing = "trim(" + " || ".join(checks) + ")"
        return f"""
            SELECT loc AS url,
                   'A video:video entry in ' || sitemap || ' lacks ' || replace({missing}, ' ', ', ')
                       AS message,
                   coalesce(v.title, v.content_loc, v.player_loc, '') AS evidence,
                   sitemap AS related_url, CAST(n AS VARCHAR) AS key
            FROM (
                SELECT loc, sitemap, unnest(videos) AS v, generate_subscripts(videos, 1) AS n
                FROM sitemap_urls WHERE len(coalesce(videos, [])) > 0
            )
            WHERE {missing} <> ''
        """
