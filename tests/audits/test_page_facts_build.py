"""page_facts is built in two statements (the rows of pages, then the redirect targets
never requested by themselves, looked up among the redirected rows): it must hold
exactly the rows the former one-query build (a pages CTE used three times) held, on a
site with redirects to uncrawled and to crawled targets, chains, loopback aliases,
noindex by meta and by X-Robots-Tag, canonicals elsewhere, robots-blocked and failed
fetches, non-HTML files."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from audits.context import HTML_SQL, RuleContext, connect, noindex_sql
from audits.synthetic import write_run
from searchops.settings import resolve_settings

# The former build, as it was: the reference.
OLD = f"""
    CREATE OR REPLACE TEMP TABLE _old_page_facts AS
    WITH base AS (
        SELECT url, final_url, status, fetch_state,
               (final_url IS DISTINCT FROM url OR len(coalesce(redirect_chain, [])) > 0) AS redirected,
               {noindex_sql()} AS noindex,
               canonical,
               (canonical IS NOT NULL AND url_key(canonical) <> url_key(final_url)) AS canonicalized,
               fetch_state = 'blocked_robots' AS blocked,
               {HTML_SQL.format(t="")} AS is_html,
               coalesce(in_sitemap, false) AS in_sitemap, depth, lang, url_key(url) AS url_key
        FROM pages
    )
    SELECT *, hash(url_key) AS url_id FROM (
        SELECT * FROM base
        UNION ALL
        SELECT DISTINCT ON (final_url) final_url, final_url, status, fetch_state, false, noindex,
               canonical, canonicalized, blocked, is_html, in_sitemap, depth, lang,
               url_key(final_url)
        FROM base
        WHERE redirected AND final_url IS NOT NULL
          AND final_url NOT IN (SELECT url FROM base)
    )
"""


def _pages(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    pages: list[dict[str, Any]] = []
    for i in range(300):
        host = rng.choice(["http://127.0.0.1:8000", "http://localhost:8000", "https://s.ex"])
        url = f"{host}/p/{i}"
        record: dict[str, Any] = {
            "url": url,
            "depth": rng.randint(0, 5),
            "in_sitemap": rng.random() < 0.5,
        }
        roll = rng.random()
        if roll < 0.15:  # redirected to a page nobody requested (one row each)
            target = f"{host}/moved/{i}"
            record.update(
                final_url=target, redirect_chain=[{"url": url, "status": 301, "location": target}]
            )
        elif roll < 0.25 and i > 0:  # redirected to a page crawled itself
            target = pages[rng.randrange(len(pages))]["url"]
            record.update(
                final_url=target, redirect_chain=[{"url": url, "status": 302, "location": target}]
            )
        elif roll < 0.3:
            record.update(meta_robots="noindex, follow")
        elif roll < 0.35:
            record.update(x_robots_tag="bingbot: noindex, googlebot: none")
        elif roll < 0.45:
            record.update(canonical=f"{host}/p/{rng.randrange(300)}")
        elif roll < 0.5:
            record.update(status=None, fetch_state="blocked_robots")
        elif roll < 0.55:
            record.update(status=503, fetch_state="error")
        elif roll < 0.6:
            record.update(content_type="application/pdf")
        pages.append(record)
    return pages


def test_page_facts_equal_the_former_one_query_build(tmp_path: Path) -> None:
    settings = resolve_settings(None)
    run = write_run(tmp_path / "run", pages=_pages(3), links=[])
    with connect(settings) as con:
        ctx = RuleContext.open(run, settings, con=con)
        ctx.ensure("page_facts")
        con.execute(OLD)
        new = con.execute("SELECT * FROM page_facts").fetchall()
        old = con.execute("SELECT * FROM _old_page_facts").fetchall()
        columns = [row[0] for row in con.execute("DESCRIBE page_facts").fetchall()]
        assert columns == [row[0] for row in con.execute("DESCRIBE _old_page_facts").fetchall()]
    assert sorted(new, key=repr) == sorted(old, key=repr)
    # the site has redirect targets of their own rows, and noindex and canonicalized pages
    assert sum(1 for row in new if row[0] == row[1] and "/moved/" in row[0]) > 20
    assert any(row[5] for row in new) and any(row[7] for row in new)
