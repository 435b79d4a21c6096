"""The hreflang rules join and group annotations on 64-bit hashes of the URL keys, in a
table without URL strings, and read the strings of the documents they report only (for
memory and time at millions of pages): each must find exactly what its former query
over a table of the URL strings finds, on random sites with every shape the rules judge (one-way
and reciprocal pairs, loopback aliases, relative and protocol-relative hrefs, HTML and
sitemap sources that disagree, targets missing, 404, redirected, noindex or
canonicalized, self-references missing, x-defaults missing or several)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import duckdb

from audits.context import RuleContext, connect
from audits.registry import get_rule
from audits.synthetic import write_run
from searchops.settings import resolve_settings

# The former hreflang_edges table: five URL strings a row.
OLD_EDGES = """
CREATE OR REPLACE TEMP TABLE _old_edges AS
SELECT url, lang, code, href, source, written, url_key(url) AS page_key,
       url_key(href) AS href_key
FROM (
    SELECT url, h.lang AS lang, lower(trim(h.lang)) AS code, h.source AS source,
           h.href AS written,
           CASE WHEN regexp_matches(h.href, '^[A-Za-z][A-Za-z0-9+.-]*://') THEN h.href
                WHEN starts_with(h.href, '//') THEN split_part(url, ':', 1) || ':' || h.href
                WHEN starts_with(h.href, '/') THEN regexp_extract(url, '^[^:]+://[^/]+') || h.href
                ELSE regexp_replace(url, '[^/]*$', '') || h.href
           END AS href
    FROM (SELECT url, unnest(hreflang) AS h FROM hreflang_documents WHERE len(hreflang) > 0)
    WHERE h.source <> 'body' AND h.href IS NOT NULL
)
"""


def _target(condition: str, what: str) -> str:
    return f"""
        SELECT DISTINCT e.url, 'The hreflang="' || e.lang || '" alternate ' || {what} AS message,
               e.href || ' (' || coalesce(t.status::VARCHAR, t.fetch_state, '?') || ')' AS evidence,
               e.href AS related_url
        FROM _old_edges e JOIN page_facts t ON t.url_key = e.href_key
        WHERE e.href_key <> e.page_key AND {condition}
    """


def _codes(problem: str) -> str:
    return f"""
        SELECT DISTINCT e.url, 'Invalid hreflang code: ' || b.reason AS message,
               'hreflang="' || e.lang || '" href=' || e.href AS evidence, e.lang AS key
        FROM _old_edges e JOIN _bad_codes_{problem} b ON b.lang = e.lang
    """


# The rules' former queries over the strings: the reference.
OLD: dict[str, str] = {
    "SEO-HREFLANG-001": _codes("language"),
    "SEO-HREFLANG-002": _codes("region"),
    "SEO-HREFLANG-003": """
        SELECT url, 'The hreflang set does not list the page itself' AS message,
               string_agg(DISTINCT lang, ', ' ORDER BY lang) AS evidence
        FROM _old_edges
        WHERE url IN (SELECT url FROM _old_edges GROUP BY url HAVING NOT bool_or(href_key = page_key))
        GROUP BY url
    """,
    "SEO-HREFLANG-004": """
        WITH pairs AS (
            SELECT DISTINCT url, page_key, href, href_key, lang FROM _old_edges
            WHERE href_key <> page_key
        ), back AS (SELECT DISTINCT page_key, href_key FROM _old_edges)
        SELECT p.url, 'The alternate ' || p.href || ' (' || p.lang || ') does not link back' AS message,
               'hreflang="' || p.lang || '"' AS evidence, p.href AS related_url
        FROM pairs p
        WHERE p.href_key IN (SELECT url_key(url) FROM hreflang_documents)
          AND NOT EXISTS (
              SELECT 1 FROM back b WHERE b.page_key = p.href_key AND b.href_key = p.page_key
          )
    """,
    "SEO-HREFLANG-005": _target(
        "(t.status >= 400 OR t.fetch_state IN ('error', 'blocked_robots'))",
        "'answers ' || coalesce(t.status::VARCHAR, t.fetch_state)",
    ),
    "SEO-HREFLANG-006": _target(
        "(t.redirected OR t.fetch_state = 'redirect_loop') AND coalesce(t.status, 0) < 400",
        "'redirects to ' || coalesce(t.final_url, '?')",
    ),
    "SEO-HREFLANG-007": _target(
        "t.noindex AND t.status = 200 AND NOT t.redirected", "'says noindex'"
    ),
    "SEO-HREFLANG-008": _target(
        "t.canonicalized AND t.status = 200 AND NOT t.redirected",
        "'canonicalizes to ' || t.canonical",
    ),
    "SEO-HREFLANG-009": """
        SELECT DISTINCT url, 'The hreflang="' || lang || '" href is not absolute: ' || coalesce(written, '(empty)') AS message,
               coalesce(written, '') AS evidence, lang || ' ' || coalesce(written, '') AS key
        FROM _old_edges
        WHERE NOT regexp_matches(coalesce(written, ''), '^https?://[^/]+')
    """,
    "SEO-HREFLANG-010": """
        SELECT url, 'The hreflang set has no x-default' AS message,
               string_agg(DISTINCT lang, ', ' ORDER BY lang) AS evidence
        FROM _old_edges
        WHERE url IN (
            SELECT url FROM _old_edges GROUP BY url
            HAVING min(code) <> max(code) AND NOT bool_or(code = 'x-default')
        )
        GROUP BY url
    """,
    "SEO-HREFLANG-011": """
        SELECT url,
               'hreflang="' || lang || '" names ' || urls || ' different URLs in the ' || source || ' annotations' AS message,
               hrefs AS evidence, code AS key
        FROM (
            SELECT url, code, source, min(lang) AS lang, count(DISTINCT href) AS urls,
                   string_agg(DISTINCT href, ' | ' ORDER BY href) AS hrefs
            FROM _old_edges GROUP BY url, code, source HAVING min(href) <> max(href)
        )
        QUALIFY row_number() OVER (PARTITION BY url, code ORDER BY source) = 1
    """,
    "SEO-HREFLANG-012": """
        WITH several AS (
            SELECT url FROM _old_edges GROUP BY url HAVING min(source) <> max(source)
        ), sets AS (
            SELECT url, source,
                   string_agg(DISTINCT replace(code, '_', '-') || '=' || href, ' ' ORDER BY replace(code, '_', '-') || '=' || href) AS annotations
            FROM _old_edges WHERE url IN (SELECT url FROM several) GROUP BY url, source
        )
        SELECT url, 'hreflang annotations differ between ' || string_agg(source, ', ' ORDER BY source) AS message,
               string_agg(source || ': ' || annotations, ' ; ' ORDER BY source) AS evidence, '' AS key
        FROM sets GROUP BY url HAVING count(DISTINCT annotations) > 1
    """,
    "SEO-HREFLANG-013": """
        SELECT DISTINCT e.url,
               'The hreflang="' || e.lang || '" alternate was not crawled: cannot verify its return link' AS message,
               e.href AS evidence, e.href AS related_url
        FROM _old_edges e
        WHERE e.href_key <> e.page_key AND regexp_matches(e.href, '^https?://[^/]+')
          AND e.href_key NOT IN (SELECT url_key FROM page_facts)
    """,
    "SEO-HREFLANG-014": """
        WITH x AS (
            SELECT page_key, min(href_key) AS target, min(href) AS href
            FROM _old_edges WHERE code = 'x-default' GROUP BY page_key
        ), pairs AS (
            SELECT DISTINCT e.url, e.page_key, e.href, e.href_key FROM _old_edges e
            WHERE e.href_key <> e.page_key AND e.code <> 'x-default'
              AND EXISTS (
                  SELECT 1 FROM _old_edges b
                  WHERE b.page_key = e.href_key AND b.href_key = e.page_key
              )
        )
        SELECT p.url,
               'x-default is ' || mine.href || ' here but ' || theirs.href || ' on the alternate ' || p.href AS message,
               'x-default=' || mine.href AS evidence, p.href AS related_url
        FROM pairs p
        JOIN x mine ON mine.page_key = p.page_key
        JOIN x theirs ON theirs.page_key = p.href_key
        WHERE mine.target <> theirs.target
    """,
    "SEO-META-019": """
        WITH self AS (
            SELECT e.url, p.lang, e.lang AS hreflang,
                   split_part(lower(replace(trim(p.lang), '_', '-')), '-', 1) AS page_language,
                   split_part(lower(replace(trim(p.lang), '_', '-')), '-', 2) AS page_region,
                   split_part(replace(e.code, '_', '-'), '-', 1) AS self_language,
                   split_part(replace(e.code, '_', '-'), '-', 2) AS self_region
            FROM _old_edges e JOIN html_pages p ON p.url = e.url
            WHERE e.href_key = e.page_key AND e.code <> 'x-default' AND trim(coalesce(p.lang, '')) <> ''
        )
        SELECT url,
               'lang="' || lang || '" contradicts the page''s own hreflang="' || hreflang || '"' AS message,
               lang || ' vs ' || hreflang AS evidence, hreflang AS key
        FROM self
        WHERE page_language <> self_language
           OR (page_region <> '' AND self_region <> '' AND page_region <> self_region)
    """,
}

ORIGINS = ["http://127.0.0.1:8000", "http://localhost:8000"]
LANGS = ["en-CA", "fr-CA", "de", "es", "fr_CA", "en-UK"]


def _href(rng: random.Random, url: str) -> str:
    """The URL as an annotation may write it: absolute on either loopback name, relative."""
    path = url.removeprefix(ORIGINS[0])
    roll = rng.random()
    if roll < 0.1:
        return path  # root-relative
    if roll < 0.15:
        return "//127.0.0.1:8000" + path  # protocol-relative
    if roll < 0.18:
        return path.rsplit("/", 1)[-1]  # document-relative
    return rng.choice(ORIGINS) + path


def _site(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    pages: list[dict[str, Any]] = []
    for cluster in range(50):
        langs = rng.sample(LANGS, rng.randint(1, 4))
        urls = {lang: f"{ORIGINS[0]}/{cluster}/{lang.lower()}" for lang in langs}
        if rng.random() < 0.2:  # an alternate that was never crawled
            urls["es-MX"] = f"{ORIGINS[0]}/{cluster}/uncrawled"
        shared = rng.choice([*urls.values(), f"{ORIGINS[0]}/"])
        for lang, url in urls.items():
            if url.endswith("uncrawled"):
                continue
            annotations = []
            for other, target in urls.items():
                if target == url and rng.random() < 0.1:
                    continue  # no self-reference
                if rng.random() < 0.9:  # some alternates one-way
                    source = "sitemap" if rng.random() < 0.1 else "html"
                    annotations.append(
                        {"lang": other, "href": _href(rng, target), "source": source}
                    )
                if rng.random() < 0.05:  # one code, two URLs
                    annotations.append({"lang": other, "href": target + "-b", "source": "html"})
            roll = rng.random()
            if roll < 0.55:
                annotations.append({"lang": "x-default", "href": shared, "source": "html"})
            elif roll < 0.7:
                annotations.append({"lang": "X-Default", "href": url, "source": "html"})
            elif roll < 0.8:
                annotations += [
                    {"lang": "x-default", "href": url, "source": "html"},
                    {"lang": "x-default", "href": shared, "source": "sitemap"},
                ]
            record: dict[str, Any] = {"url": url, "lang": rng.choice([lang, "en", "de-AT"]),
                                      "hreflang": annotations}  # fmt: skip
            state = rng.random()
            if state < 0.06:
                record.update(status=404)
            elif state < 0.12:
                record.update(meta_robots="noindex")
            elif state < 0.18:
                record.update(canonical=url + "-main", canonicals=[url + "-main"])
            elif state < 0.24:
                record.update(final_url=url + "-moved", redirect_chain=[
                    {"url": url, "status": 301, "location": url + "-moved"}])  # fmt: skip
            pages.append(record)
    return pages


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return sorted(
        con.execute(f"SELECT url, message, evidence, related_url FROM ({sql})").fetchall(),
        key=repr,
    )


def test_hreflang_rules_on_hashes_equal_their_string_queries(tmp_path: Path) -> None:
    settings = resolve_settings(None)
    found = dict.fromkeys(OLD, 0)
    for seed in range(3):
        run = write_run(tmp_path / str(seed), pages=_site(seed), links=[])
        with connect(settings) as con:
            ctx = RuleContext.open(run, settings, con=con)
            ctx.ensure("hreflang_edges", "page_facts", "html_pages")
            con.execute(OLD_EDGES)
            for rule_id, old in OLD.items():
                rule = get_rule(rule_id)({})
                sql = str(rule.check(ctx))
                if "related_url" not in sql:
                    sql = f"SELECT *, NULL AS related_url FROM ({sql})"
                    old = f"SELECT *, NULL AS related_url FROM ({old})"
                new_rows = _rows(con, sql)
                assert new_rows == _rows(con, old), rule_id
                found[rule_id] += len(new_rows)
    # every rule has findings to compare on these sites
    assert all(found.values()), found
