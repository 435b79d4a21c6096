"""The audit rules, one module per rule, grouped by family: ``audits/rules/<family>/``.

How to add a rule
=================

1. Pick the family package (``meta``, ``indexability``, ``links``, ``hreflang``,
   ``structured_data``, ``content``, ``sitemaps``, ``vitals``, ``robots``, ``rendering``,
   ``ai_search``, ``products``, ``media``) and the next free
   number: IDs are ``SEO-<CODE>-NNN`` with the family's code from
   :data:`audits.rule.FAMILIES` (``structured_data`` -> ``SCHEMA``, ``indexability``
   -> ``INDEX``, ``sitemaps`` -> ``SITEMAP``, ``rendering`` -> ``RENDER``, ``ai_search``
   -> ``AI``, ``products`` -> ``PRODUCT``, others upper-cased). An ID is never
   reused: when a rule is deleted, add its ID to :data:`audits.rule.RETIRED_IDS`.
2. Create ``audits/rules/<family>/<slug_with_underscores>.py`` with exactly one
   subclass of :class:`audits.rule.Rule` (or of a helper base in
   :mod:`audits.rules._base`) setting ``id``, ``slug`` (naming the failing state,
   e.g. ``title-missing``), ``family``, ``severity`` (error/warning/notice), ``scope``
   (page or site), ``needs`` (artifacts: pages, links, sitemaps, sitemap_urls,
   robots, vitals, images, baseline), ``fields`` (columns it reads, ``"title"`` or
   ``"vitals.lcp_ms"``) and ``options`` (names of its thresholds). Its docstring has
   a one-line summary and the sections ``Why:``, ``Anti-pattern:``, ``Fix:`` and
   ``Source:`` (with a link). All of this is checked when the module is imported.
3. Implement ``check(self, ctx)``: return SQL text (or a DuckDB relation, an Arrow
   table, a DataFrame) over the whole run with the columns ``url, message,
   evidence`` and optionally ``related_url`` (the other URL of a pair) and ``key``
   (what tells apart several findings of the rule on one URL; stable, no counts).
   Never loop over pages in Python: a million pages must stay one vectorized pass.
   ``ctx`` (:class:`audits.context.RuleContext`) has ``run``, ``baseline``,
   ``settings``, ``con`` (DuckDB, with views ``pages``, ``links``, ``sitemaps``,
   ``sitemap_urls``, ``robots``, ``vitals``, ``baseline_*``) and ``ensure(...)`` for shared
   derived tables (``html_pages``, ``page_facts``, ``hreflang_edges``, ``sd_nodes``).
   Read thresholds with ``self.opt("name")``. A rule that needs intermediate steps may
   create temporary tables named ``_scratch_*`` first; they are dropped after the rule.
4. Put each threshold under ``[audit.rules."SEO-XXX-NNN"]`` in
   ``config/default.toml`` with a comment citing its source.
5. Add ``tests/audits/cases/SEO-XXX-NNN.yaml`` with at least one passing and one
   failing case (records are filled with clean defaults; see
   ``tests/audits/test_rule_cases.py``).

Nothing else needs to change: the registry finds the module, ``searchops rules``
lists it, and the case runner tests it.
"""
