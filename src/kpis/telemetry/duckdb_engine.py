"""The roll-up's relations (`events`, `numbered_events`) as DuckDB views over the log files, in this process."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpis.telemetry.files import file_kind, file_list
from kpis.telemetry.sql import reader_sql, typed_sql

__all__ = ["DuckDBEngine"]


class DuckDBEngine:
    """The rollup on DuckDB (a store's connection, or an in-memory one for `rollup`)."""

    name = "duckdb"

    def __init__(self, con) -> None:
        self.con = con

    def columns(self, paths: list[Path]) -> set[str]:
        query = f"DESCRIBE SELECT * FROM {reader_sql(paths)}"
        return {row[0].lower() for row in self.con.execute(query).fetchall()}

    def define(self, paths: list[Path], has_cost: bool) -> None:
        """`events` over these files (a temporary view: nothing is written to the store)."""
        self.con.execute("CREATE OR REPLACE TEMP VIEW events AS "
                         + typed_sql(reader_sql(paths), file_kind(paths), has_cost))

    def define_numbered(self, paths: list[Path], has_cost: bool) -> None:
        """Each row with its file and number in it. Parquet: the reader's exact file_row_number. CSV
        has none: rows are numbered in scan order, which only one thread keeps (with several,
        row_number() without ORDER BY followed the order threads finished in: a report could name
        row 38 for a value first seen on row 7), so queries on this view run single-threaded."""
        if file_kind(paths) == "parquet":
            raw = (f"(SELECT *, file_row_number + 1 AS n FROM read_parquet({file_list(paths)}, "
                   "union_by_name = true, filename = true, file_row_number = true))")
        else:
            raw = f"(SELECT *, row_number() OVER (PARTITION BY filename) AS n FROM {reader_sql(paths, True)})"
        self._in_order = file_kind(paths) == "csv"
        self.con.execute("CREATE OR REPLACE TEMP VIEW numbered_events AS "
                         + typed_sql(raw, file_kind(paths), has_cost, numbered=True))

    def frame(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def rows(self, sql: str) -> list[tuple]:
        """Rows of a query (the error path's reports on numbered_events: in file order, see above)."""
        if not getattr(self, "_in_order", False) or "numbered_events" not in sql:
            return self.con.execute(sql).fetchall()
        threads = self.con.execute("SELECT current_setting('threads')").fetchone()[0]
        self.con.execute("SET threads = 1")
        try:
            return self.con.execute(sql).fetchall()
        finally:
            self.con.execute(f"SET threads = {int(threads)}")

    def file_rows(self, paths: list[Path]) -> dict[str, int]:
        """Rows per file: from Parquet metadata (no scan); CSV files are counted."""
        if file_kind(paths) == "parquet":
            rows = self.con.execute(
                f"SELECT file_name, num_rows FROM parquet_file_metadata({file_list(paths)})").fetchall()
        else:
            rows = self.con.execute(
                f"SELECT filename, count(*) FROM read_csv({file_list(paths)}, header = true, all_varchar = true, "
                "filename = true) GROUP BY filename").fetchall()
        return {str(Path(name).resolve()): int(count) for name, count in rows}
