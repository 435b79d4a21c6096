"""The weekly HTML report and the CI outputs; both render only from recorded results.

Python API::

    from reports.weekly import write_report, build_report, render_html
    path = write_report("searchops.duckdb", "weekly.html")      # or a Workspace object
    report = build_report(workspace, weeks=8)                   # the data behind the page
    report.sections["findings"].new                             # top new findings per rule
    html = render_html(report)

* ``reports.weekly``: ``write_report(workspace, out, *, settings=None, weeks=None) -> Path``
  writes one self-contained HTML file (inline CSS and SVG, no script, a strict
  Content-Security-Policy); ``build_report`` returns a :class:`~reports.weekly.WeeklyReport`
  (sections, executive summary, charts).
* ``reports.sections``: one ``load_*`` function per section (health, findings, vitals, sem,
  bids, coverage), each a pure function of workspace tables returning the section's data or
  :class:`~reports.sections.Missing` with the reason.
* ``reports.summary.summarize``: the executive summary's sentences from the sections, each a
  ``Line`` naming the section whose numbers it repeats.
* ``reports.revenue``: lag-adjusted weekly paid search revenue and its range.
* ``reports.drivers``: why revenue changed: the week's change by cause (demand, bids, value
  per click, out of stock, landing pages, paused) and by campaign, adding up exactly.
* ``reports.svg``: ``line_chart``, ``xy_chart``, ``bar_chart``, ``sparkline`` -> SVG markup
  with every label escaped.

The CI outputs of ``searchops audit`` (JUnit XML, GitHub annotations, Markdown) belong to
the audit stage: ``audits.ci``, picked through the ``audits.outputs`` registry.

Tables read: ``runs``, ``health_scores``, ``findings``, ``vitals_pages``, ``vitals_templates``,
``sem_keyword_daily``, ``sem_shopping_daily``, ``sem_conversion_lag``, ``sem_keywords``, ``sem_products``, ``sem_campaigns``,
``bid_recommendations``, ``bid_frontier``,
``coverage_opportunities``, ``coverage_waste``. Settings: ``[report]`` in default.toml.
"""
