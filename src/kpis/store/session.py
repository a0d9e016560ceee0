"""One open connection to a store: named queries (sql/*.sql), transactions, and the writes every path shares
(upserts with their audit entries, target versions, deletes, settings, preferences)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

from kpis.catalog import Catalog
from kpis.errors import KpiError, SchemaVersionError
from kpis.packs import full_catalog, load_growth_pack
from kpis.periods import utc_now
from kpis.store.migrations import MIGRATIONS, SCHEMA_VERSION, SQL_DIR, catalog_rows
from kpis.store.rollup import RollupMixin

if TYPE_CHECKING:  # pandas loads only where a DataFrame is made (a CLI report does not need it)
    import pandas as pd

__all__ = ["Session", "in_list"]

T = TypeVar("T")


def in_list(values: Any) -> str:
    """`(?, ?, ...)` for an IN over text values bound as parameters, `('')` for none (which matches
    no stored name, so `NOT IN` keeps every row); one form for DuckDB and PostgreSQL."""
    count = len(values)
    return "(" + ", ".join("?" * count) + ")" if count else "('')"




@cache
def named_sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


class Session(RollupMixin):
    """One open connection: named queries (sql/*.sql) and transactional writes."""

    # Reads kept for one version of the stored data, given by a caller that knows when the data changes
    # (the app keys it on Store.data_version()): remember() answers from it. None: every read runs.
    memo: dict[tuple, Any] | None = None

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._depth = 0

    def remember(self, key: tuple, compute: Callable[[], T]) -> T:
        """compute(), kept in `memo` under `key` when this session has one (for reads whose answer depends
        only on the stored data and `key`; the value is shared, so its readers never change it). Without a
        memo, or inside a transaction (which may have written), computed every time."""
        memo = self.memo
        if memo is None or self._depth:
            return compute()
        try:
            return memo[key]
        except KeyError:
            value = memo[key] = compute()
            return value

    # -- schema -----------------------------------------------------------------------------
    def schema_version(self) -> int:
        try:
            return int(self.con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0])
        except duckdb.CatalogException:  # a new, empty file
            return 0
        except Exception as exc:  # a new, empty PostgreSQL database
            if exc.__class__.__name__ == "UndefinedTable":
                return 0
            raise

    def _known_version(self) -> int:
        """The file's schema version; a file written by a newer program is refused."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"This database uses schema version {current}, but this program only knows up to "
                f"version {SCHEMA_VERSION}. Upgrade the program, or open a different file."
            )
        return current

    def check_version(self, path: Path | str) -> None:
        """For a read-only session: the file must be at SCHEMA_VERSION (an older one needs `init`)."""
        current = self._known_version()
        if current < SCHEMA_VERSION:
            raise KpiError.keyed("error.schema_older", path=path, current=current, latest=SCHEMA_VERSION)

    def use_catalog(self, catalog: Catalog) -> None:
        """In a read-only session, read with `catalog`'s aggregation rules: if they differ from the
        stored ones, a temporary `kpis` table (this connection only, in memory) takes their place."""
        wanted = catalog_rows(catalog)
        stored = dict(self.con.execute("SELECT kpi_id, definition FROM kpis").fetchall())
        if all(stored.get(row[0]) == row[7] for row in wanted):
            return
        self.con.execute("CREATE TEMP TABLE kpis AS SELECT * FROM main.kpis LIMIT 0")
        self.con.executemany("INSERT INTO temp.kpis VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             catalog_rows(full_catalog(catalog, load_growth_pack())))

    def migrate(self) -> None:
        """Bring the file to SCHEMA_VERSION; refuse a file written by a newer program."""
        current = self._known_version()
        for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
            with self.transaction():
                self.con.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version "
                    "(version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)"
                )
                self.con.execute(script.read_text(encoding="utf-8"))
                self.con.execute("INSERT INTO schema_version VALUES (?, ?)", [number, utc_now()])
        if current < SCHEMA_VERSION and isinstance(self.con, duckdb.DuckDBPyConnection):
            self.ensure_rollup()  # PostgreSQL: after its functions are installed (Store._pg_session)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements inside commit together or not at all. Nested uses join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
        self.con.execute("COMMIT")

    # -- reads ------------------------------------------------------------------------------
    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """Run sql/<name>.sql with `$param` placeholders bound from keyword arguments (`$rolled`, in
        the queries that can read period_rollup, is bound to rollup_ready() unless given)."""
        sql = named_sql(name)
        return self.con.execute(sql, self._with_rolled(sql, params)).df()

    def rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run sql/<name>.sql and return plain dicts (cheaper than a DataFrame for small results)."""
        sql = named_sql(name)
        cursor = self.con.execute(sql, self._with_rolled(sql, params))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def _with_rolled(self, sql: str, params: dict[str, Any]) -> dict[str, Any]:
        if "$rolled" in sql and "rolled" not in params:
            return {**params, "rolled": self.rollup_ready()}
        return params

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        rows = self.con.execute(sql, params or []).fetchall()  # fetched to the end: DuckDB 2 refuses a
        return rows[0][0] if rows else None                    # register() while a result is unfinished

    def table_counts(self) -> dict[str, int]:
        return {name: int(self.scalar(f'SELECT count(*) FROM "{name}"')) for name in self.table_names()}

    def table_names(self) -> list[str]:
        """The store's tables (not the PostgreSQL store's change counter), sorted."""
        return [r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' AND table_name <> 'kpis_data_version' ORDER BY 1").fetchall()]

    def stream_rows(self, sql: str, size: int) -> Iterator[list[tuple]]:
        """A query's rows in chunks of `size`, without holding the whole result in memory."""
        if isinstance(self.con, duckdb.DuckDBPyConnection):
            cursor = self.con.execute(sql)
            while rows := cursor.fetchmany(size):
                yield rows
            return
        yield from self.con.stream(sql, size)

    def insert_rows(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Bulk insert (a copy's chunk): Arrow into DuckDB, COPY into PostgreSQL."""
        if not isinstance(self.con, duckdb.DuckDBPyConnection):
            self.con.copy_rows(table, columns, rows)
            return
        import pyarrow as pa

        chunk = pa.table({c: pa.array([row[i] for row in rows]) for i, c in enumerate(columns)})
        quoted = ", ".join(f'"{c}"' for c in columns)
        self.con.register("copy_chunk", chunk)
        try:
            self.con.execute(f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM copy_chunk')
        finally:
            self.con.unregister("copy_chunk")

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        value = self.remember(("setting", key),
                              lambda: self.scalar("SELECT value FROM settings WHERE key = ?", [key]))
        return default if value is None else value

    # -- writes -----------------------------------------------------------------------------
    def _register(self, name: str, frame: pd.DataFrame, *, like: str) -> None:
        """A DataFrame as a relation `name` for the next statements (PostgreSQL: a temporary table
        typed like table `like`)."""
        if isinstance(self.con, duckdb.DuckDBPyConnection):
            self.con.register(name, frame)
        else:
            self.con.register(name, frame, like=like)

    def set_setting(self, key: str, value: str) -> None:
        self.con.execute(
            "INSERT INTO settings VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE "
            "SET value = excluded.value, updated_at = excluded.updated_at", [key, value, utc_now()]
        )

    def sync_catalog(self, catalog: Catalog) -> None:
        """Make the kpis table equal to the catalog (the SQL aggregation rules read it)."""
        rows = catalog_rows(catalog)
        stored = self.con.execute("SELECT kpi_id, definition FROM kpis ORDER BY kpi_id").fetchall()
        if stored == sorted((row[0], row[7]) for row in rows):
            return  # unchanged: do not touch the file
        with self.transaction():
            self.con.execute("DELETE FROM kpis")
            self.con.executemany("INSERT INTO kpis VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def upsert_keyed(self, table: str, keys: tuple[str, ...], values: tuple[str, ...], rows: pd.DataFrame, *,
                     entity: str, actor: str, channel: str, stamps: dict[str, str]) -> int:
        """Insert or replace rows of `table` by `keys`, auditing each change (old -> new values);
        rows equal to what is stored are skipped. `stamps` maps a column to 'now' or 'actor'.
        Table and column names come from this library, never from input. Returns rows written."""
        incoming = rows[list(keys + values)]
        # `=` where no incoming key is NULL (the same rows as IS NOT DISTINCT FROM, but PostgreSQL can use the
        # index on it: a one-row write into 10 M observations took ~10 s there with IS NOT DISTINCT FROM alone)
        match = " AND ".join(f"t.{k} = i.{k}" if incoming[k].notna().all() else f"t.{k} IS NOT DISTINCT FROM i.{k}"
                             for k in keys)
        differs = " OR ".join(f"t.{v} IS DISTINCT FROM i.{v}" for v in values)
        as_json = ", ".join(f"'{v}', {{p}}\"{v}\"" for v in values)  # quoted: `value` is a keyword to sqlglot
        stamp_values = {"now": "$now", "actor": "$actor"}
        columns = ", ".join(keys + values + tuple(stamps))
        selected = ", ".join(keys + values + tuple(stamp_values[v] for v in stamps.values()))
        params = {"now": utc_now(), "actor": actor, "channel": channel, "entity": entity}
        with self.transaction():
            rolled = table == "observations" and self.rollup_ready()
            self._register("incoming_rows", incoming, like=table)
            try:
                self.con.execute(
                    f"CREATE TEMP TABLE changed_rows AS SELECT i.*, t.{keys[0]} IS NOT NULL AS existed, "
                    f"json_object({as_json.format(p='t.')}) AS old_json "
                    f"FROM incoming_rows AS i LEFT JOIN {table} AS t ON {match} WHERE t.{keys[0]} IS NULL OR {differs}"
                )
                self.analyze_temp("changed_rows")
                count = self.scalar("SELECT count(*) FROM changed_rows")
                self.con.execute(f"DELETE FROM {table} AS t USING changed_rows AS i WHERE {match}")
                insert = f"INSERT INTO {table} ({columns}) SELECT {selected} FROM changed_rows"
                self.con.execute(insert, {k: v for k, v in params.items() if f"${k}" in insert})
                key_text = ", ".join(f"coalesce({k}::VARCHAR, '*')" for k in keys)
                self.con.execute(
                    f"""INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, kpi_id,
                                               old_value, new_value, reason)
                        SELECT $now, $actor, $channel, CASE WHEN existed THEN 'update' ELSE 'create' END, $entity,
                               concat_ws(' / ', {key_text}), {"kpi_id" if "kpi_id" in keys else "NULL"},
                               CASE WHEN existed THEN old_json END, json_object({as_json.format(p='')}), NULL
                        FROM changed_rows""",
                    params,
                )
                if table == "observations":  # even with no rows changed: PostgreSQL's trigger has fired
                    self.refresh_rollup("SELECT kpi_id, period FROM changed_rows" if rolled else None)
            finally:
                self.con.execute("DROP TABLE IF EXISTS changed_rows")
                self.con.unregister("incoming_rows")
        return int(count)

    def upsert_observations(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace observations by (kpi_id, period, region, department)."""
        return self.upsert_keyed("observations", ("kpi_id", "period", "region", "department"), ("value", "source"),
                                 rows, entity="observation", actor=actor, channel=channel,
                                 stamps={"loaded_at": "now"})

    def upsert_value_streams(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace value-stream amounts by (program, stream, year)."""
        return self.upsert_keyed("value_streams", ("program", "stream", "year"), ("amount", "currency", "growth_rate"),
                                 rows, entity="value_stream", actor=actor, channel=channel,
                                 stamps={"updated_by": "actor", "updated_at": "now"})

    def upsert_investments(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace investments by (program, year, category)."""
        return self.upsert_keyed("investments", ("program", "year", "category"), ("amount", "currency"),
                                 rows, entity="investment", actor=actor, channel=channel,
                                 stamps={"updated_by": "actor", "updated_at": "now"})

    def upsert_fx_rates(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace FX rates by (base, quote, day)."""
        return self.upsert_keyed("fx_rates", ("base", "quote", "day"), ("rate",), rows, entity="fx_rate",
                                 actor=actor, channel=channel, stamps={"updated_by": "actor", "updated_at": "now"})

    def upsert_scenarios(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace named value scenarios (who made them is kept)."""
        return self.upsert_keyed("value_scenarios", ("name",),
                                 ("growth_scale", "investment_scale", "growth_cap", "run_cost", "note"), rows,
                                 entity="value_scenario", actor=actor, channel=channel,
                                 stamps={"created_by": "actor", "created_at": "now"})

    def upsert_maturity(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace maturity scores by (unit, year, quarter, dimension)."""
        return self.upsert_keyed("maturity_assessments", ("unit", "year", "quarter", "dimension"),
                                 ("score", "target", "assessor", "evidence"), rows, entity="maturity",
                                 actor=actor, channel=channel, stamps={"updated_by": "actor", "updated_at": "now"})

    def upsert_ticks(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace checklist ticks by (unit, year, quarter, checklist, item)."""
        return self.upsert_keyed("checklist_ticks", ("unit", "year", "quarter", "checklist", "item"),
                                 ("done", "note"), rows, entity="checklist", actor=actor, channel=channel,
                                 stamps={"updated_by": "actor", "updated_at": "now"})

    def append_targets(self, rows: pd.DataFrame, *, actor: str, channel: str,
                       at: datetime | None = None) -> int:
        """Append a new version for each target that differs from the one in force; the previous
        value, who, when and why are kept. Returns how many versions were added."""
        incoming = rows[["kpi_id", "year", "quarter", "region", "department", "target", "reason"]]
        now = at or utc_now()
        with self.transaction():
            self._register("incoming_targets", incoming, like="target_versions")
            try:
                self.con.execute(named_sql("changed_targets"))
                count = self.scalar("SELECT count(*) FROM changed_targets")
                self.con.execute(named_sql("append_target_versions"), {"now": now, "actor": actor})
                self.con.execute(named_sql("audit_changed_targets"), {"now": now, "actor": actor, "channel": channel})
            finally:
                self.con.execute("DROP TABLE IF EXISTS changed_targets")
                self.con.unregister("incoming_targets")
        return int(count)

    def delete_observation(self, obs_id: int, *, actor: str, channel: str, reason: str | None) -> None:
        """Remove one observation; it is kept in deleted_observations and the audit log."""
        self.delete_observations("obs_id = ?", [obs_id], actor=actor, channel=channel, reason=reason)

    def delete_observations(self, where: str, params: list[Any], *, actor: str, channel: str,
                            reason: str | None) -> int:
        """Remove the observations matching `where` (SQL from this library, values bound as `params`);
        each is kept in deleted_observations and gets an audit row. Returns how many went."""
        now = utc_now()
        with self.transaction():
            rolled = self.rollup_ready()
            self.con.execute(f"CREATE TEMP TABLE deleted_pairs AS SELECT DISTINCT kpi_id, period FROM observations "
                             f"WHERE {where}", params)
            self.analyze_temp("deleted_pairs")
            self.con.execute(
                f"""INSERT INTO deleted_observations
                    SELECT obs_id, kpi_id, period, region, department, value, source, loaded_at, ?, ?, ?
                    FROM observations WHERE {where}""", [actor, now, reason, *params])
            count = self.con.execute(
                f"""INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, kpi_id,
                                           old_value, new_value, reason)
                    SELECT ?, ?, ?, 'delete', 'observation',
                           concat_ws(' / ', kpi_id, period::VARCHAR, coalesce(region, '*'), coalesce(department, '*')),
                           kpi_id, json_object('value', "value", 'source', source), NULL, ?
                    FROM observations WHERE {where}""", [now, actor, channel, reason, *params]).fetchone()[0]
            self.con.execute(f"DELETE FROM observations WHERE {where}", params)
            self.refresh_rollup("SELECT kpi_id, period FROM deleted_pairs" if rolled else None)  # even for none
            self.con.execute("DROP TABLE deleted_pairs")
        return int(count)

    def freeze_quarter(self, year: int, quarter: int, *, actor: str, channel: str, note: str | None) -> None:
        """Mark a quarter as the board-approved snapshot; later target changes are restatements."""
        now = utc_now()
        with self.transaction():
            self.con.execute("INSERT INTO frozen_quarters VALUES (?, ?, ?, ?, ?)", [year, quarter, actor, now, note])
            self.con.execute(
                """INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, new_value, reason)
                   VALUES (?, ?, ?, 'freeze', 'quarter', ?, json_object('frozen', true), ?)""",
                [now, actor, channel, f"{year}-Q{quarter}", note])

    def preference(self, actor: str, key: str) -> str | None:
        return self.scalar("SELECT value FROM user_preferences WHERE actor = ? AND key = ?", [actor, key])

    def set_preference(self, actor: str, key: str, value: str) -> None:
        self.con.execute("INSERT INTO user_preferences VALUES (?, ?, ?, ?) ON CONFLICT (actor, key) DO UPDATE "
                         "SET value = excluded.value, updated_at = excluded.updated_at", [actor, key, value, utc_now()])

    def record_audit(self, *, actor: str, channel: str, action: str, entity: str, entity_key: str,
                     reason: str | None = None) -> None:
        self.con.execute(
            """INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, reason)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [utc_now(), actor, channel, action, entity, entity_key, reason],
        )
