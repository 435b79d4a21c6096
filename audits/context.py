"""What a rule sees: the run, the baseline, the settings and a DuckDB connection.

Views over the run folder's Parquet files (read lazily, with projection
pushdown, so a rule that reads two columns of a million pages reads two columns):

``pages``, ``links``, ``sitemaps``, ``sitemap_urls``, ``robots``, ``vitals``, ``images`` (the
sampled image files; when present),
and with a baseline ``baseline_pages``, ``baseline_links``, ... ``baseline_vitals``.

Shared derived tables, built once on first use by :meth:`RuleContext.ensure`:

``html_pages``   the HTML documents that answered 200, one row per document,
                 ``url`` being the URL that served it (the redirect target);
                 every column of ``pages``
``page_facts``   one row per URL met (requested or redirect target): ``url,
                 final_url, status, fetch_state, redirected, noindex, canonical,
                 canonicalized, blocked, is_html, in_sitemap, depth, lang, url_key, url_id``
                 (``hash(url_key)``); rules join link, canonical and hreflang targets on it
                 (on ``url_key``, or ``url_id`` for hreflang_edges' ``href_id``)
``hreflang_documents`` ``url, hreflang`` of every document hreflang can annotate: the
                 ``html_pages`` and the other files that answered 200 (PDFs...), whose
                 alternates come from the HTTP Link header and sitemaps
``hreflang_edges`` one row per hreflang annotation (with an href) of a ``hreflang_documents`` row,
                 without URL strings: ``doc_id`` (``hash(url)``), ``page_id, href_id``
                 (``hash(url_key(...))`` of the document's URL and of the href, resolved),
                 ``href_hash`` (``hash(href)``), ``lang``, ``code`` (trimmed, lowercased,
                 '_' kept), ``source``, ``written_absolute`` / ``href_absolute`` (the href
                 as recorded / resolved is an absolute http(s) URL). Joins and groups on
                 the 64-bit hashes are integer ones; a rule reads the strings of the few
                 documents it reports with :func:`hreflang_strings` (and one that must be
                 exact re-tests them there)
``text_widths``  ``url, title_em, description_em``: rendered widths (Arial) in em;
                 times the font size in px gives pixels (:mod:`audits.textwidth`)
``sd_nodes``     one row per typed structured-data node of an ``html_pages`` row:
                 ``url, item, path, prop, syntax (json-ld | microdata | rdfa), type,
                 node (JSON, for Offer, AggregateOffer, AggregateRating, ListItem,
                 MerchantReturnPolicy, (Unit)PriceSpecification, MemberProgram(Tier)
                 only, and variesBy/productGroupID of a ProductGroup; a microdata
                 item's properties), props (property names,
                 schema.org IRIs shortened)``. RDFa items are recorded nested and shaped
                 like JSON-LD (:func:`seo_crawler.facts.structured_data.compact_rdfa`),
                 so rules read their values as they read JSON-LD's.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from audits.textwidth import em_widths
from searchops.errors import SearchopsError, database_reason
from searchops.run_folder import parquet_path

if TYPE_CHECKING:
    from searchops.settings import Settings

RUN_ARTIFACTS = ("pages", "links", "sitemaps", "sitemap_urls", "robots", "vitals", "images")

NOINDEX_SQL = (
    "(regexp_matches(coalesce({t}meta_robots, ''), '(^|[^a-z])(noindex|none)([^a-z]|$)') "
    "OR x_robots_noindex({t}x_robots_tag))"
)
HTML_SQL = (
    "(coalesce({t}content_type, '') LIKE 'text/html%' OR {t}content_type LIKE 'application/xhtml%')"
)


# One server answers to every loopback name: a site served on 127.0.0.1:PORT whose
# pages name http://localhost:PORT/ (or [::1]) is one site, and its self-references
# and return links must match. Real host names are compared as written.
URL_KEY_MACRO = r"""
CREATE OR REPLACE MACRO url_key(u) AS
    regexp_replace(u, '^(https?://)(localhost|127\.0\.0\.1|\[::1\])([:/]|$)', '\1127.0.0.1\3')
"""

# X-Robots-Tag directives may name a user agent ("bingbot: noindex"), which then applies
# to the directives after it; only those for every crawler or for googlebot count.
# (meta_robots holds only <meta name=robots|googlebot>, so it needs no such parsing.)
# Source: https://developers.google.com/search/docs/crawling-indexing/robots-meta-tag#xrobotstag
ROBOTS_MACROS = r"""
CREATE OR REPLACE MACRO x_robots_agent(t) AS CASE
    WHEN regexp_matches(trim(t), '^[a-z0-9_-]+\s*:')
     AND NOT regexp_matches(trim(t), '^(max-snippet|max-image-preview|max-video-preview|unavailable_after)\s*:')
    THEN trim(split_part(trim(t), ':', 1)) END;
CREATE OR REPLACE MACRO x_robots_noindex(v) AS coalesce(list_bool_or(list_transform(
    string_split(lower(coalesce(v, '')), ','),
    lambda t, i: list_contains(['noindex', 'none'],
            CASE WHEN x_robots_agent(t) IS NULL THEN trim(t)
                 ELSE trim(substr(trim(t), strpos(trim(t), ':') + 1)) END)
        AND coalesce(list_last(list_filter(
                list_transform(list_slice(string_split(lower(coalesce(v, '')), ','), 1, i),
                               lambda s: x_robots_agent(s)),
                lambda a: a IS NOT NULL)), 'googlebot') = 'googlebot'
)), false);
"""


def noindex_sql(alias: str = "") -> str:
    """SQL: the page's meta robots or X-Robots-Tag says noindex (or none)."""
    return NOINDEX_SQL.format(t=f"{alias}." if alias else "")


def _source(path: Path) -> str:
    target = path if path.suffix == ".parquet" else path / "**" / "*.parquet"
    return f"read_parquet('{_quote(str(target))}', union_by_name = true)"


def _view(con: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
    """A view over one artifact; a damaged file is a one-line error naming it."""
    try:
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {_source(path)}")
    except duckdb.Error as exc:
        raise SearchopsError(
            f"{path}: damaged Parquet file ({database_reason(exc)}); crawl again or restore "
            "the run folder from a copy"
        ) from None


def _quote(text: str) -> str:
    return text.replace("'", "''")


def present_artifacts(run: Path) -> set[str]:
    found = set()
    for name in RUN_ARTIFACTS:
        path = parquet_path(run, name)
        if path.is_file() or (path.is_dir() and any(path.rglob("*.parquet"))):
            found.add(name)
    return found


@dataclass
class RuleContext:
    run: Path
    baseline: Path | None
    settings: Settings
    con: duckdb.DuckDBPyConnection
    artifacts: set[str] = field(default_factory=set)  # "pages", ..., "baseline"
    _built: set[str] = field(default_factory=set)
    _columns: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def open(
        cls,
        run: Path,
        settings: Settings,
        *,
        con: duckdb.DuckDBPyConnection,
        baseline: Path | None = None,
    ) -> RuleContext:
        artifacts = present_artifacts(run)
        con.execute(URL_KEY_MACRO)
        con.execute(ROBOTS_MACROS)
        for name in artifacts:
            _view(con, name, parquet_path(run, name))
        if baseline is not None:
            artifacts.add("baseline")
            for name in present_artifacts(baseline):
                _view(con, f"baseline_{name}", parquet_path(baseline, name))
        return cls(
            run=Path(run), baseline=baseline, settings=settings, con=con, artifacts=artifacts
        )

    def columns(self, view: str) -> set[str]:
        """Column names of a view or table (cached for the run's views, which never change)."""
        if view in self._columns:
            return self._columns[view]
        names = {row[0] for row in self.con.execute(f"DESCRIBE {view}").fetchall()}
        if view in RUN_ARTIFACTS:
            self._columns[view] = names
        return names

    def ensure(self, *names: str) -> None:
        """Build the shared derived tables a rule uses (once per audit)."""
        for name in names:
            if name in self._built:
                continue
            for dep in _DEPENDS.get(name, ()):
                self.ensure(dep)
            _BUILDERS[name](self)
            self._built.add(name)


@contextmanager
def connect(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB bounded by ``[audit] threads / memory_limit`` that spills to a
    private temp directory (removed afterwards) rather than fail when a site outgrows the
    memory limit."""
    spill = tempfile.mkdtemp(prefix="searchops-audit-")
    con = duckdb.connect(
        config={
            "threads": settings.audit.threads,
            "memory_limit": settings.audit.memory_limit,
            "temp_directory": spill,
        }
    )
    try:
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def _build_html_pages(ctx: RuleContext) -> None:
    # The document a redirect led to is judged once, under the URL that served it; a
    # redirect target the crawler never requested by itself has no row of its own, so
    # one of the redirecting rows (few: a small table) stands for it.
    ctx.con.execute(
        """
        CREATE OR REPLACE TEMP TABLE redirect_documents AS
        SELECT min(url) AS url FROM pages
        WHERE final_url IS DISTINCT FROM url AND final_url IS NOT NULL
          AND final_url NOT IN (SELECT url FROM pages)
        GROUP BY final_url
        """
    )
    # A local site crawled as 127.0.0.1 whose pages name localhost (hreflang, canonical)
    # is fetched under both names; one document is judged once (under its first-met
    # name), or every page would be its own duplicate. Only loopback URLs are looked at.
    ctx.con.execute(
        r"""
        CREATE OR REPLACE TEMP TABLE loopback_copies AS
        SELECT url FROM pages
        WHERE regexp_matches(url, '^https?://(localhost|127\.0\.0\.1|\[::1\])([:/]|$)')
          AND url = final_url AND status = 200 AND fetch_state = 'fetched'
        QUALIFY row_number() OVER (PARTITION BY url_key(url) ORDER BY depth NULLS LAST, url) > 1
        """
    )
    ctx.con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW html_pages AS
        SELECT * REPLACE (final_url AS url) FROM pages
        WHERE status = 200 AND fetch_state = 'fetched' AND {HTML_SQL.format(t="")}
          AND (url = final_url OR url IN (SELECT url FROM redirect_documents))
          AND url NOT IN (SELECT url FROM loopback_copies)
        """
    )


def _build_page_facts(ctx: RuleContext) -> None:
    # Two statements, not one query using its pages CTE three times: DuckDB held that CTE
    # (every row's URL strings) in memory and anti-joined every final URL against every
    # URL string; the build took 2.5x the CPU per million rows at 3,000,000 pages as at
    # 1,000,000. The redirect targets are looked up among the few redirected rows only.
    ctx.con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE page_facts AS
        SELECT *, hash(url_key) AS url_id FROM (
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
        """
    )
    # a redirect target the crawler never requested by itself: one row (from one of the
    # rows redirected to it), under its own URL
    ctx.con.execute(
        """
        INSERT INTO page_facts
        SELECT *, hash(url_key) AS url_id FROM (
            SELECT DISTINCT ON (final_url) final_url AS url, final_url, status, fetch_state, false AS redirected,
                   noindex, canonical, canonicalized, blocked, is_html, in_sitemap, depth, lang,
                   url_key(final_url) AS url_key
            FROM (SELECT * FROM page_facts WHERE redirected AND final_url IS NOT NULL) r
            WHERE NOT EXISTS (SELECT 1 FROM page_facts p WHERE p.url = r.final_url)
        )
        """
    )


def _hreflang_documents(pages: str) -> str:
    """SQL: ``url, hreflang`` of the documents hreflang can annotate among the rows of
    ``pages`` (the view, or a few of its rows): the ``html_pages`` rows, and the other
    files that answered 200."""
    return f"""
        SELECT final_url AS url, hreflang FROM {pages}
        WHERE status = 200 AND fetch_state = 'fetched' AND {HTML_SQL.format(t="")}
          AND (url = final_url OR url IN (SELECT url FROM redirect_documents))
          AND url NOT IN (SELECT url FROM loopback_copies)
        UNION ALL
        SELECT url, hreflang FROM {pages}
        WHERE status = 200 AND fetch_state = 'fetched' AND NOT {HTML_SQL.format(t="")}
          AND url = final_url AND url NOT IN (SELECT url FROM loopback_copies)
    """


def _build_hreflang_documents(ctx: RuleContext) -> None:
    ctx.con.execute(
        f"CREATE OR REPLACE TEMP VIEW hreflang_documents AS {_hreflang_documents('pages')}"
    )


# The annotations (with an href) of the documents in {documents}, with their strings:
# ``url, lang, code (trimmed, lowercased, '_' kept), href (absolute), written (the href
# as recorded), source`` and the hashes ``doc_id, page_id, href_id, href_hash``.
_EDGES = r"""
    SELECT url, lang, code, href, written, source,
           hash(url) AS doc_id, hash(url_key(url)) AS page_id, hash(url_key(href)) AS href_id,
           hash(href) AS href_hash
    FROM (
        SELECT url, h.lang AS lang, lower(trim(h.lang)) AS code, h.source AS source,
               h.href AS written,
               -- the crawler keeps an href not written absolute as written (for
               -- SEO-HREFLANG-009); resolved here against the page URL (a <base>
               -- element and "../" are not applied: the annotation is broken anyway)
               CASE WHEN regexp_matches(h.href, '^[A-Za-z][A-Za-z0-9+.-]*://') THEN h.href
                    WHEN starts_with(h.href, '//') THEN split_part(url, ':', 1) || ':' || h.href
                    WHEN starts_with(h.href, '/') THEN regexp_extract(url, '^[^:]+://[^/]+') || h.href
                    ELSE regexp_replace(url, '[^/]*$', '') || h.href
               END AS href
        FROM (SELECT url, unnest(hreflang) AS h FROM {documents} WHERE len(hreflang) > 0)
        WHERE h.source <> 'body'  -- outside <head>: Google ignores it (SEO-HREFLANG-015)
          AND h.href IS NOT NULL  -- no href: SEO-HREFLANG-016
    )
"""

ABSOLUTE_URL = "'^https?://[^/]+'"


def _build_hreflang_edges(ctx: RuleContext) -> None:
    # Three annotations a page (a bilingual catalog): 30,000,000 rows at 10,000,000
    # pages. The table holds no URL string: 64-bit hashes (integer joins and groups, 8
    # bytes each) and the short codes. With the URL, href and href-as-written strings it
    # was ~240 bytes a row, spilled past the audit's memory limit from 1,000,000 pages
    # on, and every rule reading it read the spill back (rules grew 20-46x from 1,000,000
    # to 10,000,000 pages). A rule finds its rows on the hashes, then reads the strings
    # of those documents only (:func:`hreflang_strings`).
    edges = _EDGES.replace("{documents}", "hreflang_documents")
    ctx.con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE hreflang_edges AS
        SELECT doc_id, page_id, href_id, href_hash, lang, code, source,
               regexp_matches(written, {ABSOLUTE_URL}) AS written_absolute,
               regexp_matches(href, {ABSOLUTE_URL}) AS href_absolute
        FROM ({edges})
        """
    )


def hreflang_strings(ctx: RuleContext, documents: str) -> str:
    """SQL: the ``hreflang_edges`` rows of the documents whose ``doc_id`` the query
    ``documents`` returns, with their strings (``url, lang, code, href, written, source``
    and the ids), derived again from those documents' hreflang lists.

    The ids, then those documents' rows of ``pages``, are kept in ``_scratch_`` tables
    (the engine drops them after the rule): a rule that found nothing reads nothing, and
    which rows are documents is decided on the few rows found (deciding it on every row
    of ``pages`` again was two thirds of reading the strings back)."""
    table = f"_scratch_documents_{next(_DOCUMENT_SETS)}"
    ctx.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT DISTINCT doc_id FROM ({documents})"
    )
    found = ctx.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    # a document's URL is its row's final_url (a redirect target judged under it); with
    # no document, no row is read (DuckDB may build the semi join's table over pages)
    ctx.con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table}_rows AS
        SELECT url, final_url, status, fetch_state, content_type, hreflang
        FROM pages p SEMI JOIN {table} f ON f.doc_id = hash(p.final_url)
        {"" if found else "LIMIT 0"}
        """
    )
    chosen = f"({_hreflang_documents(table + '_rows')})"
    return f"({_EDGES.replace('{documents}', chosen)})"


_DOCUMENT_SETS = itertools.count()


# The typed nodes among a level's values ({level}: the level's table; filled in with
# str.replace, not str.format, as the SQL holds literal braces).
_SD_TYPED = r"""
    SELECT url, item, path, prop,
           coalesce(syntax, CASE WHEN microdata THEN 'microdata' ELSE 'json-ld' END) AS syntax,
           regexp_replace(raw_type, '^https?://schema\.org/', '') AS type,
           -- values are kept only where rules read them: a Product's JSON repeats its
           -- offers and ratings, and a million of them would not fit the memory limit
           CASE WHEN regexp_replace(raw_type, '^https?://schema\.org/', '')
                     IN ('Offer', 'AggregateOffer', 'AggregateRating', 'ListItem',
                         'MerchantReturnPolicy', 'UnitPriceSpecification', 'PriceSpecification',
                         'MemberProgram', 'MemberProgramTier')
                THEN CASE WHEN microdata THEN m['properties'] ELSE v END
                -- a ProductGroup's JSON holds all its variants: only what rules read is kept
                WHEN regexp_replace(raw_type, '^https?://schema\.org/', '') = 'ProductGroup'
                THEN CASE WHEN microdata THEN m['properties'] ELSE
                     json_object('variesBy', m['variesBy'], 'productGroupID', m['productGroupID']) END
           END AS node,
           list_transform(
               list_filter(CASE WHEN microdata THEN json_keys(m['properties']) ELSE map_keys(m) END,
                           lambda k: NOT starts_with(k, '@')),
               lambda k: CASE WHEN contains(k, '://') THEN regexp_replace(k, '^https?://schema\.org/', '') ELSE k END
           ) AS props
    FROM (
        SELECT url, item, syntax, path, prop, v, m,
               m['@type'] IS NULL AND json_type(m['properties']) = 'OBJECT' AS microdata,
               CASE WHEN json_type(m['@type']) = 'ARRAY' THEN m['@type']->>0
                    WHEN m['@type'] IS NOT NULL THEN m['@type']->>'$'
                    WHEN json_type(m['properties']) = 'OBJECT' THEN m['type']->>'$'
               END AS raw_type
        FROM (SELECT *, from_json(v, '"MAP(VARCHAR, JSON)"') AS m FROM {level} WHERE starts_with(v, '{'))
    )
    WHERE raw_type IS NOT NULL
"""

# The objects and arrays directly inside a level's values, with their JSONPath and the
# property they hang from (an array element keeps its array's property).
_SD_CHILDREN = r"""
    SELECT url, item, syntax,
           path || CASE WHEN c.element THEN '[' || c.i || ']'
                        WHEN regexp_matches(c.name, '^[A-Za-z_][A-Za-z0-9_]*$') THEN '.' || c.name
                        ELSE '."' || c.name || '"' END AS path,
           CASE WHEN c.element THEN prop ELSE c.name END AS prop, c.value AS v
    FROM (
        SELECT url, item, syntax, path, prop, unnest(
            CASE WHEN starts_with(v, '{') THEN list_transform(
                    map_entries(from_json(v, '"MAP(VARCHAR, JSON)"')),
                    lambda e: {'name': e.key, 'i': -1, 'element': false, 'value': e.value})
                ELSE list_transform(
                    from_json(v, '["JSON"]'),
                    lambda x, i: {'name': '', 'i': i - 1, 'element': true, 'value': x})
            END) AS c
        FROM {level}
        -- a value holding no '{' or '[' after its own opening one has no object or array
        -- inside: not parsing those (most leaves: Offer, Brand, image lists) saves a pass
        WHERE contains(v[2:], '{') OR contains(v[2:], '[')
    )
    WHERE left(c.value, 1) IN ('{', '[')
"""


def _build_sd_nodes(ctx: RuleContext) -> None:
    # A breadth-first walk of every structured-data document, one nesting level per
    # query, with vectorized JSON -> MAP conversions. Each level is a plain query, which
    # DuckDB runs on all threads; a recursive CTE (the former walk) and json_tree run
    # single-threaded. Only the current level's objects and arrays are kept, and the
    # walk ends when a level has none, so there is no depth limit.
    # A typed node has "@type" (JSON-LD, RDFa) or "type" beside "properties" (extruct's
    # microdata items).
    con = ctx.con
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _sd_level AS
        SELECT url, item, it->>'syntax' AS syntax, '$[' || item || '].data' AS path,
               'data' AS prop, it->'data' AS v
        FROM (
            SELECT url, generate_subscripts(arr, 1) - 1 AS item, unnest(arr) AS it
            FROM (
                SELECT url, from_json(structured_data, '["JSON"]') AS arr FROM html_pages
                WHERE structured_data IS NOT NULL AND structured_data NOT IN ('', '[]')
                  AND json_valid(structured_data) AND json_type(structured_data) = 'ARRAY'
            )
        )
        WHERE left(it->'data', 1) IN ('{', '[')
        """
    )
    typed = _SD_TYPED.replace("{level}", "_sd_level")
    children = _SD_CHILDREN.replace("{level}", "_sd_level")
    con.execute(f"CREATE OR REPLACE TEMP TABLE sd_nodes AS {typed}")
    while con.execute("SELECT count(*) FROM _sd_level").fetchall()[0][0]:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _sd_next AS {children}")
        con.execute("DROP TABLE _sd_level")
        con.execute("ALTER TABLE _sd_next RENAME TO _sd_level")
        con.execute(f"INSERT INTO sd_nodes {typed}")
    con.execute("DROP TABLE _sd_level")


def _text_width_batch(batch: pa.RecordBatch) -> pa.Table:
    return pa.table(
        {
            "url": batch.column(0),
            "title_em": em_widths(pc.utf8_trim_whitespace(batch.column(1))),
            "description_em": em_widths(pc.utf8_trim_whitespace(batch.column(2))),
        }
    )


_TEXT_WIDTHS = pa.schema(
    [("url", pa.string()), ("title_em", pa.float64()), ("description_em", pa.float64())]
)


def _build_text_widths(ctx: RuleContext) -> None:
    """``text_widths(url, title_em, description_em)``: search-result widths in em, per page."""
    con = ctx.con
    reader = con.sql("SELECT url, title, meta_description FROM html_pages").to_arrow_reader(50_000)
    # The widths go to a Parquet file batch by batch (the connection is busy streaming
    # the pages), which DuckDB then loads: ten million pages' widths are never in
    # Python memory at once.
    folder = Path(tempfile.mkdtemp(prefix="searchops-widths-"))
    try:
        with pq.ParquetWriter(folder / "widths.parquet", _TEXT_WIDTHS) as writer:
            # em_widths is numpy and Arrow compute, which release the GIL: batches are
            # measured on the audit's threads while DuckDB reads the next ones. One batch
            # per thread is in flight (em_widths' temporaries are ~20 bytes per
            # character), so memory stays bounded; parts keep the reader's order.
            threads = max(1, int(ctx.settings.audit.threads))
            pending: deque[Future[pa.Table]] = deque()
            with ThreadPoolExecutor(threads) as pool:
                for batch in reader:
                    pending.append(pool.submit(_text_width_batch, batch))
                    if len(pending) >= threads:
                        writer.write_table(pending.popleft().result().cast(_TEXT_WIDTHS))
                while pending:
                    writer.write_table(pending.popleft().result().cast(_TEXT_WIDTHS))
        reader.close()
        con.execute(
            "CREATE OR REPLACE TEMP TABLE text_widths AS SELECT * FROM "
            f"read_parquet('{_quote(str(folder / 'widths.parquet'))}')"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_BUILDERS: dict[str, Callable[[RuleContext], None]] = {
    "text_widths": _build_text_widths,
    "html_pages": _build_html_pages,
    "page_facts": _build_page_facts,
    "hreflang_documents": _build_hreflang_documents,
    "hreflang_edges": _build_hreflang_edges,
    "sd_nodes": _build_sd_nodes,
}
_DEPENDS: dict[str, tuple[str, ...]] = {
    "text_widths": ("html_pages",),
    "hreflang_documents": ("html_pages",),
    "hreflang_edges": ("hreflang_documents",),
    "sd_nodes": ("html_pages",),
}
