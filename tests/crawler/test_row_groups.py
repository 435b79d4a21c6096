"""seo_crawler.memory.row_groups: a Parquet file read a row group at a time, whole and in order.

The reader finalization's image sample and start-URL check use on pages.parquet (it replaced
``iter_batches``, whose buffers grew with the file: see seo_crawler.memory).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from seo_crawler.memory import row_groups


def test_row_groups_give_every_row_once_in_order_with_the_asked_columns(tmp_path: Path) -> None:
    path = tmp_path / "pages.parquet"
    table = pa.table(
        {
            "url": [f"https://shop.example/p/{i}" for i in range(2_500)],
            "status": [200 if i % 7 else 404 for i in range(2_500)],
            "body": ["x" * 50] * 2_500,
        }
    )
    pq.write_table(table, path, row_group_size=1_000)
    parts = list(row_groups(path, ["url", "status"]))
    assert [t.num_rows for t in parts] == [1_000, 1_000, 500]
    assert all(t.column_names == ["url", "status"] for t in parts)
    assert pa.concat_tables(parts).equals(table.select(["url", "status"]))
