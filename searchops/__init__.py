"""searchops: SEO/SEM audit and bid-optimization toolkit for large catalog sites.

This package is the glue every stage shares: settings, the DuckDB workspace,
run folders, console output and the click CLI. It is the only package that
knows all the others (see DESIGN.md, "Layout").
"""

__version__ = "0.1.0"
