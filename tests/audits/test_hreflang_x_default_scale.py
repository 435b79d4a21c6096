"""SEO-HREFLANG-014 finds candidates over URL-key hashes, then tests them on the strings
(for memory at millions of pages): it must find exactly what the one-pass string query
finds, on a site with every shape the rule judges (reciprocal and one-way pairs,
self/other/several x-defaults, loopback aliases, pages without x-default)."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb

from audits.context import RuleContext, connect
from audits.registry import get_rule
from audits.synthetic import write_run
from searchops.settings import resolve_settings
from tests.audits.test_hreflang_hash_keys import OLD_EDGES

# The rule's former single-pass query, over the former edges table (URL strings): the
# reference.
ONE_PASS = """
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
"""


def _site(seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    origins = ["http://127.0.0.1:8000", "http://localhost:8000"]
    pages: list[dict[str, object]] = []
    for cluster in range(60):
        langs = rng.sample(["en-CA", "fr-CA", "de", "es"], rng.randint(1, 4))
        urls = {lang: f"http://127.0.0.1:8000/{cluster}/{lang}" for lang in langs}
        shared = rng.choice([*urls.values(), "http://127.0.0.1:8000/"])
        for lang, url in urls.items():
            annotations = []
            for other, href in urls.items():
                if rng.random() < 0.9:  # some alternates one-way
                    annotations.append(
                        {
                            "lang": other,
                            "href": href.replace(origins[0], rng.choice(origins)),
                            "source": "html",
                        }
                    )
            roll = rng.random()
            if roll < 0.6:
                annotations.append({"lang": "x-default", "href": shared, "source": "html"})
            elif roll < 0.75:  # names itself
                annotations.append({"lang": "X-Default", "href": url, "source": "html"})
            elif roll < 0.85:  # names two: the smallest counts
                annotations += [
                    {"lang": "x-default", "href": url, "source": "html"},
                    {"lang": "x-default", "href": shared, "source": "html"},
                ]
            pages.append({"url": url, "lang": lang, "hreflang": annotations})
    return pages


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return sorted(
        con.execute(f"SELECT url, message, evidence, related_url FROM ({sql})").fetchall()
    )


def test_two_pass_x_default_check_equals_the_one_pass_query(tmp_path: Path) -> None:
    settings = resolve_settings(None)
    rule = get_rule("SEO-HREFLANG-014")({})
    found = 0
    for seed in range(4):
        run = write_run(tmp_path / str(seed), pages=_site(seed), links=[])
        with connect(settings) as con:
            ctx = RuleContext.open(run, settings, con=con)
            two_pass = _rows(con, str(rule.check(ctx)))
            con.execute(OLD_EDGES)
            assert two_pass == _rows(con, ONE_PASS)
            found += len(two_pass)
    assert found > 20  # the sites have inconsistent pairs to find
