"""The schema: this program's migrations (sql/migrations/NNN_*.sql, applied in order and recorded in
schema_version), the id sequences, and a store's schema created at a given version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kpis.catalog import Catalog
from kpis.periods import utc_now

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SEQUENCES", "SQL_DIR", "create_schema"]


SQL_DIR = Path(__file__).with_name("sql")


MIGRATIONS = tuple(sorted((SQL_DIR / "migrations").glob("*.sql")))


SCHEMA_VERSION = len(MIGRATIONS)


def catalog_rows(catalog: Catalog) -> list[tuple]:
    """The kpis table's rows for a catalog (the SQL aggregation rules read them)."""
    now = utc_now()
    return [(k.id, k.family, k.unit, k.direction, k.over_time, k.across_scope, k.error_budget,
             k.model_dump_json(), now) for k in catalog]


HAS_SCHEMA_SQL = ("SELECT count(*) > 0 FROM information_schema.tables "
               "WHERE table_schema = current_schema() AND table_name = 'schema_version'")


def create_schema(con: Any, version: int, starts: dict[str, int]) -> None:
    """This program's migrations 1..`version` on an empty store (a DuckDB or kpis.store.postgres connection),
    each id sequence starting at `starts[name]` (after the highest id of the data about to be
    loaded, so new rows never collide)."""
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    for number, script in enumerate(MIGRATIONS[:version], start=1):
        sql = script.read_text(encoding="utf-8")
        for name, start in starts.items():
            sql = sql.replace(f"CREATE SEQUENCE {name};", f"CREATE SEQUENCE {name} START {int(start)};")
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?, ?)", [number, utc_now()])


# id sequence -> (table, column)
SEQUENCES = {"observation_ids": ("observations", "obs_id"),
                          "target_version_ids": ("target_versions", "version_id"),
                          "audit_ids": ("audit_log", "audit_id"), "checkin_ids": ("checkins", "checkin_id")}
