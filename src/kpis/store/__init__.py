"""The store: one embedded DuckDB file (the default) or a shared PostgreSQL database, behind one API.

- connection.py: `Store` (sessions to read and write, busy timeouts, PostgreSQL pools)
- session.py: `Session` (named queries, transactions, audited writes)
- rollup.py: the period roll-up derived from the observations
- migrations.py: the schema and its versions
- duckdb_files.py, postgres.py: what is particular to each engine
"""

from kpis.periods import utc_now
from kpis.store.connection import Store
from kpis.store.duckdb_files import (
    DUCKDB_CONFIG,
    building_file,
    io_error,
    keep_open,
    keep_open_seconds,
    scratch_connection,
    sql_literal,
)
from kpis.store.migrations import MIGRATIONS, SCHEMA_VERSION, SEQUENCES, create_schema
from kpis.store.rollup import ROLLUP_STAMP
from kpis.store.session import Session, in_list

__all__ = ["DUCKDB_CONFIG", "MIGRATIONS", "ROLLUP_STAMP", "SCHEMA_VERSION", "SEQUENCES", "Session", "Store",
           "building_file", "create_schema", "in_list", "io_error", "keep_open", "keep_open_seconds",
           "scratch_connection", "sql_literal", "utc_now"]
