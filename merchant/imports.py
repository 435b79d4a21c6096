"""A primary feed into the workspace's ``merchant_items`` table, all or nothing.

A feed is a snapshot of the catalog: importing it replaces the items the same ``source``
and ``language`` held before (a later feed never mixes with an older one), inside one
transaction, after the whole file has been read and checked: a file that fails halfway
changes nothing. Items stream through a temporary Parquet file in chunks, so a
million-item feed never sits in memory as Python objects.

``merchant_items`` (one row per item): source, language, offer_id, title, description, link,
image_link, additional_images (count), availability (in_stock | out_of_stock | preorder |
backorder, or NULL when unreadable), price / price_currency, sale_price /
sale_price_currency, sale_price_effective_date, brand, gtin, mpn, identifier_exists,
condition, item_group_id, product_type, google_product_category, custom_label_0..4,
feed_label, other_attributes (count of attributes searchops does not keep), issues (what
Merchant Center would reject, ``; ``-separated), file, imported_at.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from merchant.feed import PRICE_FIELDS, TEXT_FIELDS, FeedError, feed_language, read_feed

if TYPE_CHECKING:
    from searchops.workspace import Workspace

TABLE = "merchant_items"
CHUNK = 50_000

SCHEMA = pa.schema(
    [("source", pa.string()), ("language", pa.string()), ("offer_id", pa.string())]
    + [(name, pa.string()) for name in TEXT_FIELDS if name not in ("id", "content_language")]
    + [(f, pa.float64()) for f in PRICE_FIELDS]
    + [(f"{f}_currency", pa.string()) for f in PRICE_FIELDS]
    + [
        ("additional_images", pa.int32()),
        ("other_attributes", pa.int32()),
        ("issues", pa.string()),
        ("file", pa.string()),
        ("imported_at", pa.timestamp("us")),
    ]
)


@dataclass
class FeedImport:
    """What one import did: the counts a user is told."""

    source: str
    language: str | None
    items: int = 0
    issues: Counter[str] = field(default_factory=Counter)
    items_with_issues: int = 0


def _issue_kind(issue: str) -> str:
    """'price '12.99 XYZ' unreadable' -> 'price unreadable' (counts group by kind)."""
    words = issue.split(" ")
    return f"{words[0]} {words[-1]}" if len(words) > 2 else issue


def import_feed(
    workspace: Workspace,
    path: Path,
    *,
    source: str | None = None,
    language: str | None = None,
    allow_duplicates: bool = False,
) -> FeedImport:
    """Read ``path`` whole, then replace ``source``/``language``'s items in one transaction."""
    source = source or path.stem
    language = (language or feed_language(path) or "").lower() or None
    result = FeedImport(source=source, language=language)
    now = datetime.now(UTC).replace(tzinfo=None)
    seen: set[str] = set()

    def items() -> Iterator[dict[str, Any]]:
        for number, row in enumerate(read_feed(path), start=1):
            offer_id = row.pop("id")
            if offer_id in seen:
                if not allow_duplicates:
                    raise FeedError(
                        f"{path.name}: item {number} repeats id {offer_id!r} (Merchant "
                        "Center rejects duplicate ids; --allow-duplicates keeps the first)"
                    )
                continue
            if offer_id:
                seen.add(offer_id)
            row_language = (row.pop("content_language") or "").lower() or language
            row.update(source=source, language=row_language, offer_id=offer_id)
            row.update(file=path.name, imported_at=now)
            if row["issues"]:
                result.items_with_issues += 1
                result.issues.update(_issue_kind(i) for i in row["issues"].split("; "))
            result.items += 1
            yield row

    with staged_items(items()) as staged:
        if not result.items:
            raise FeedError(f"{path.name}: no items (is it a Merchant Center feed?)")
        with workspace.transaction():
            replace_items(
                workspace, staged, "source = ? AND language IS NOT DISTINCT FROM ?",
                [source, language],
            )  # fmt: skip
    return result


@contextmanager
def staged_items(rows: Iterable[dict[str, Any]]) -> Iterator[Path]:
    """``rows`` (``SCHEMA``) in a temporary Parquet file, written a chunk at a time so a
    million items never sit in memory as Python objects; yields the file's path."""
    with tempfile.TemporaryDirectory(prefix="searchops-merchant-") as tmp:
        staged = Path(tmp) / "items.parquet"
        with pq.ParquetWriter(staged, SCHEMA) as writer:
            chunk: list[dict[str, Any]] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) >= CHUNK:
                    writer.write_table(pa.Table.from_pylist(chunk, schema=SCHEMA))
                    chunk = []
            if chunk:
                writer.write_table(pa.Table.from_pylist(chunk, schema=SCHEMA))
        yield staged


def replace_items(workspace: Workspace, staged: Path, where: str, params: list[Any]) -> None:
    """Replace the ``merchant_items`` rows ``where`` selects by the staged file's rows (the
    caller holds the transaction)."""
    sql_path = str(staged).replace("'", "''")
    con = workspace.con
    if not workspace.has_table(TABLE):
        con.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM read_parquet('{sql_path}') LIMIT 0")
    con.execute(f"DELETE FROM {TABLE} WHERE {where}", params)
    con.execute(f"INSERT INTO {TABLE} BY NAME SELECT * FROM read_parquet('{sql_path}')")
