"""The DuckDB store: the only module that imports duckdb. Connect, migrate, query, write."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from kpis.catalog import Catalog
from kpis.errors import ConflictError, KpiError, SchemaVersionError, StoreBusyError

__all__ = ["SCHEMA_VERSION", "Session", "Store", "utc_now"]

SQL_DIR = Path(__file__).with_name("sql")
MIGRATIONS = tuple(sorted((SQL_DIR / "migrations").glob("*.sql")))
SCHEMA_VERSION = len(MIGRATIONS)

_OBSERVATION_KEY = (
    "o.kpi_id = i.kpi_id AND o.period = i.period "
    "AND o.region IS NOT DISTINCT FROM i.region AND o.department IS NOT DISTINCT FROM i.department"
)
_TARGET_KEY = (
    "t.kpi_id = i.kpi_id AND t.year = i.year AND t.quarter = i.quarter "
    "AND t.region IS NOT DISTINCT FROM i.region AND t.department IS NOT DISTINCT FROM i.department"
)


def utc_now() -> datetime:
    """Naive UTC timestamp, the form every stored time takes."""
    return datetime.now(UTC).replace(tzinfo=None)


@cache
def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


def _busy_message(path: Path, exc: duckdb.Error) -> str:
    pid = re.search(r"PID (\d+)", str(exc))
    holder = f" (process {pid[1]})" if pid else ""
    return (
        f"The database {path} is in use by another program{holder}. "
        "Try again in a moment, or stop that program first."
    )


class Store:
    """A DuckDB file. Open a short-lived `session()` per unit of work so that other
    processes (the CLI next to the app) can get the file between them."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def _connect(self) -> duckdb.DuckDBPyConnection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.05
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                if not _is_lock_error(exc):
                    raise KpiError(f"Cannot open {self.path}: {exc}") from None
                if time.monotonic() >= deadline:
                    raise StoreBusyError(_busy_message(self.path, exc)) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except duckdb.Error as exc:
                raise KpiError(f"Cannot open {self.path}: {exc}") from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A migrated connection, closed on exit. duckdb errors surface as KpiError."""
        con = self._connect()
        try:
            session = Session(con)
            session.migrate()
            yield session
        except duckdb.TransactionException as exc:
            raise ConflictError(f"Another write changed the same records at the same time: {exc}") from None
        except duckdb.Error as exc:
            raise KpiError(f"Database error in {self.path}: {exc}") from None
        finally:
            con.close()

    def data_version(self) -> float:
        """Changes whenever the file or its WAL is written (modification time); 0 if absent."""
        stamps = []
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                stamps.append(path.stat().st_mtime_ns)
            except FileNotFoundError:
                stamps.append(0)
        return float(max(stamps))


class Session:
    """One open connection: named queries (sql/*.sql) and transactional writes."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    # -- schema -----------------------------------------------------------------------------
    def schema_version(self) -> int:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).fetchone()[0]
        if not exists:
            return 0
        return int(self.con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0])

    def migrate(self) -> None:
        """Bring the file to SCHEMA_VERSION; refuse a file written by a newer program."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"This database uses schema version {current}, but this program only knows up to "
                f"version {SCHEMA_VERSION}. Upgrade the program, or open a different file."
            )
        for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
            with self.transaction():
                self.con.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version "
                    "(version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)"
                )
                self.con.execute(script.read_text(encoding="utf-8"))
                self.con.execute("INSERT INTO schema_version VALUES (?, ?)", [number, utc_now()])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements inside commit together or not at all."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- reads ------------------------------------------------------------------------------
    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """Run sql/<name>.sql with `$param` placeholders bound from keyword arguments."""
        return self.con.execute(_sql(name), params).df()

    def rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run sql/<name>.sql and return plain dicts (cheaper than a DataFrame for small results)."""
        cursor = self.con.execute(_sql(name), params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        row = self.con.execute(sql, params or []).fetchone()
        return None if row is None else row[0]

    def is_empty(self) -> bool:
        return not self.scalar("SELECT count(*) FROM kpis") and not self.scalar("SELECT count(*) FROM observations")

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM settings WHERE key = ?", [key])
        return default if value is None else value

    # -- writes -----------------------------------------------------------------------------
    def set_setting(self, key: str, value: str) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO settings VALUES (?, ?, ?)", [key, value, utc_now()]
        )

    def sync_catalog(self, catalog: Catalog) -> None:
        """Make the kpis table equal to the catalog (the SQL aggregation rules read it)."""
        rows = [
            (k.id, k.family, k.unit, k.direction, k.over_time, k.across_scope, k.error_budget,
             k.model_dump_json(), utc_now())
            for k in catalog
        ]
        stored = self.con.execute("SELECT kpi_id, definition FROM kpis ORDER BY kpi_id").fetchall()
        if stored == sorted((row[0], row[7]) for row in rows):
            return  # unchanged: do not touch the file
        with self.transaction():
            self.con.execute("DELETE FROM kpis")
            self.con.executemany("INSERT INTO kpis VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def upsert_observations(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace observations by (kpi_id, period, region, department), auditing each
        change; unchanged rows are skipped. Returns how many rows were written."""
        incoming = rows[["kpi_id", "period", "region", "department", "value", "source"]]
        now = utc_now()
        with self.transaction():
            self.con.register("incoming_obs", incoming)
            try:
                self.con.execute(
                    f"""
                    CREATE TEMP TABLE changed_obs AS
                    SELECT i.*, o.value AS old_value, o.source AS old_source
                    FROM incoming_obs AS i
                    LEFT JOIN observations AS o ON {_OBSERVATION_KEY}
                    WHERE o.value IS DISTINCT FROM i.value OR o.source IS DISTINCT FROM i.source
                    """
                )
                count = self.scalar("SELECT count(*) FROM changed_obs")
                self.con.execute(f"DELETE FROM observations AS o USING changed_obs AS i WHERE {_OBSERVATION_KEY}")
                self.con.execute(
                    """INSERT INTO observations (kpi_id, period, region, department, value, source, loaded_at)
                       SELECT kpi_id, period, region, department, value, source, $now FROM changed_obs""",
                    {"now": now},
                )
                self.con.execute(
                    """INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, kpi_id,
                                              old_value, new_value, reason)
                       SELECT $now, $actor, $channel,
                              CASE WHEN old_value IS NULL THEN 'create' ELSE 'update' END,
                              'observation',
                              concat_ws(' / ', kpi_id, period::VARCHAR, coalesce(region, '*'),
                                        coalesce(department, '*')),
                              kpi_id,
                              CASE WHEN old_value IS NULL THEN NULL
                                   ELSE json_object('value', old_value, 'source', old_source) END,
                              json_object('value', value, 'source', source),
                              NULL
                       FROM changed_obs""",
                    {"now": now, "actor": actor, "channel": channel},
                )
            finally:
                self.con.execute("DROP TABLE IF EXISTS changed_obs")
                self.con.unregister("incoming_obs")
        return int(count)

    def append_targets(self, rows: pd.DataFrame, *, actor: str, channel: str,
                       at: datetime | None = None) -> int:
        """Append a new version for each target that differs from the one in force; the previous
        value, who, when and why are kept. Returns how many versions were added."""
        incoming = rows[["kpi_id", "year", "quarter", "region", "department", "target", "reason"]]
        now = at or utc_now()
        with self.transaction():
            self.con.register("incoming_targets", incoming)
            try:
                self.con.execute(
                    f"""
                    CREATE TEMP TABLE changed_targets AS
                    WITH current AS (
                        SELECT * FROM target_versions
                        QUALIFY row_number() OVER (
                            PARTITION BY kpi_id, year, quarter, region, department
                            ORDER BY changed_at DESC, version_id DESC) = 1
                    )
                    SELECT i.*, t.target AS previous
                    FROM incoming_targets AS i
                    LEFT JOIN current AS t ON {_TARGET_KEY}
                    WHERE t.version_id IS NULL OR t.target IS DISTINCT FROM i.target
                    """
                )
                count = self.scalar("SELECT count(*) FROM changed_targets")
                self.con.execute(
                    """INSERT INTO target_versions (kpi_id, year, quarter, region, department, target,
                                                    previous, changed_by, changed_at, reason)
                       SELECT kpi_id, year, quarter, region, department, target, previous,
                              $actor, $now, reason
                       FROM changed_targets""",
                    {"now": now, "actor": actor},
                )
                self.con.execute(
                    """INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, kpi_id,
                                              old_value, new_value, reason)
                       SELECT $now, $actor, $channel,
                              CASE WHEN previous IS NULL THEN 'create' ELSE 'update' END,
                              'target',
                              concat_ws(' / ', kpi_id, year::VARCHAR || '-Q' || quarter::VARCHAR,
                                        coalesce(region, '*'), coalesce(department, '*')),
                              kpi_id,
                              CASE WHEN previous IS NULL THEN NULL ELSE json_object('target', previous) END,
                              json_object('target', target),
                              reason
                       FROM changed_targets""",
                    {"now": now, "actor": actor, "channel": channel},
                )
            finally:
                self.con.execute("DROP TABLE IF EXISTS changed_targets")
                self.con.unregister("incoming_targets")
        return int(count)

    def record_audit(self, *, actor: str, channel: str, action: str, entity: str, entity_key: str,
                     reason: str | None = None) -> None:
        self.con.execute(
            """INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, reason)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [utc_now(), actor, channel, action, entity, entity_key, reason],
        )
