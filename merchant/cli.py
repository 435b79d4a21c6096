"""``searchops merchant``: Merchant Center feeds (the catalog Shopping ads and free listings show)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from searchops.console import safe_text, stderr
from searchops.errors import SearchopsError


@click.group()
def merchant() -> None:
    """Merchant Center product data: the feed Shopping ads and free listings are built from.

    \b
    Examples:
      searchops merchant import products_en.txt --language en
      searchops merchant import products_fr.xml --source shop-fr
    """


@merchant.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--source", help="Feed name for the items (default: the file name without extension)."
)
@click.option(
    "--language",
    help="Content language of the items, e.g. en or fr (default: what an XML feed declares, "
    "or each item's content_language).",
)
@click.option(
    "--allow-duplicates",
    is_flag=True,
    help="Keep the first of items sharing an id instead of refusing the file.",
)
@click.pass_obj
def import_(
    obj: Any, files: tuple[Path, ...], source: str | None, language: str | None,
    allow_duplicates: bool,
) -> None:  # fmt: skip
    """Import primary feeds as Merchant Center accepts them.

    Tab-separated text (a header row of attribute names: id, title, description, link,
    image_link, price, availability, brand, gtin, mpn ...; UTF-8 or UTF-16) or XML (RSS 2.0
    or Atom with the g: namespace). Prices read as Merchant Center writes them ("12.99 CAD",
    "12,99 CAD"). Each file replaces the items of its --source and language: the feed is a
    snapshot of the catalog. A file is all or nothing: one that is not a feed, has malformed
    or forbidden XML (DTDs, entities) or repeats an id changes nothing. Items whose price or
    availability Merchant Center would reject are kept with the problem named (issues column).

    \b
    Examples:
      searchops merchant import products_en.txt --language en
      searchops merchant import products.xml products_fr.xml
    """
    from merchant.feed import FeedError
    from merchant.imports import import_feed

    with obj.open_workspace() as ws:
        for path in files:
            try:
                done = import_feed(
                    ws, path, source=source, language=language, allow_duplicates=allow_duplicates
                )
            except FeedError as exc:
                raise SearchopsError(f"{exc}; nothing was imported from it") from None
            issues = ", ".join(f"{kind} {n:,}" for kind, n in done.issues.most_common())
            stderr.print(
                f"{safe_text(path)}: {done.items:,} items -> {TABLE_NAME} (source "
                f"{safe_text(done.source)}, language {done.language or 'not stated'})"
                + (f"; {done.items_with_issues:,} with issues: {issues}" if issues else "")
            )


TABLE_NAME = "merchant_items"
