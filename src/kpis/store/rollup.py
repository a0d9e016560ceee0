"""The period roll-up, derived from the observations: what the pages read instead of scanning raw rows."""

from __future__ import annotations

from typing import Any

import duckdb

__all__ = ["ROLLUP_STAMP", "ROLLUP_TABLES", "RollupMixin"]


ROLLUP_STAMP = "rollup_stamp"  # settings key: the observations_stamp() period_rollup was built from


_ROLLUP_INSERT = (
    "INSERT INTO period_rollup (kpi_id, period, region, has_department, v_sum, n, v_max, v_min, last_loaded) "
    "SELECT o.kpi_id, o.period, o.region, o.department IS NOT NULL, "
    "sum(TRY_CAST(o.value AS DECIMAL(38, 10))), count(o.value), max(o.value), min(o.value), max(o.loaded_at) "
    "FROM observations AS o {join} "
    "GROUP BY o.kpi_id, o.period, o.region, o.department IS NOT NULL"
)
# ordered by department: a department's rows sit together, so a read of one skips the others' row groups
_DEPARTMENT_INSERT = (
    "INSERT INTO department_rollup (kpi_id, period, department, has_region, v_sum, n, v_max, v_min, last_loaded) "
    "SELECT o.kpi_id, o.period, o.department, o.region IS NOT NULL, "
    "sum(TRY_CAST(o.value AS DECIMAL(38, 10))), count(o.value), max(o.value), min(o.value), max(o.loaded_at) "
    "FROM observations AS o {join} WHERE o.department IS NOT NULL "
    "GROUP BY o.kpi_id, o.period, o.department, o.region IS NOT NULL "
    "ORDER BY o.department, o.kpi_id, o.period"
)
_ROLLUPS = {"period_rollup": _ROLLUP_INSERT, "department_rollup": _DEPARTMENT_INSERT}  # table -> its build
ROLLUP_TABLES = tuple(_ROLLUPS)  # derived from the observations: rebuilt, never backed up


class RollupMixin:
    """The period roll-ups of a Session (sql/migrations/011 and 015): sums, counts, extremes and last load per
    (KPI, month-end period, region, has-department) and per (KPI, period, department, has-region), derived
    from the observations and stamped with the observations' state, so reads use them only when current."""

    con: Any

    def ensure_rollup(self) -> None:
        """Build period_rollup in full if it does not match the observations (a new or upgraded store,
        or observations changed by SQL outside this program)."""
        if not self.rollup_ready():
            self.refresh_rollup()


    def observations_stamp(self) -> str:
        """Changes whenever the observations change. DuckDB: their count and highest id (read from
        the table's statistics, under a millisecond at 10 M rows; ids only grow, so an insert, a
        delete or an upsert always moves one of them). PostgreSQL: a counter that a statement
        trigger on the table bumps (kpis.store.postgres)."""
        if isinstance(self.con, duckdb.DuckDBPyConnection):
            count, highest = self.con.execute("SELECT count(*), max(obs_id) FROM observations").fetchall()[0]
            return f"{count}:{highest}"
        from kpis.store import postgres as pg

        return f"v{pg.observations_version(self.con)}"

    def analyze_temp(self, table: str) -> None:
        """PostgreSQL plans a join with a new temporary table as if it were large unless told its size: a
        one-row write into 10 M observations then scanned them all (~8 s). DuckDB needs nothing."""
        if not isinstance(self.con, duckdb.DuckDBPyConnection):
            self.con.execute(f"ANALYZE {table}")

    def rollup_ready(self) -> bool:
        """The roll-ups were built from the observations as they are now (so reads may use them)."""
        return self.remember(("rollup_ready",), lambda: self.get_setting(ROLLUP_STAMP) == self.observations_stamp())

    def refresh_rollup(self, touched: str | None = None, params: list[Any] | None = None) -> None:
        """Rebuild the roll-ups for the (kpi_id, period) pairs that the SELECT `touched` lists (from
        this library; values bound as `params`), or entirely (None), and stamp it. Call it in the
        transaction that changed the observations, with `touched` only if rollup_ready() was true
        before the change (else a partial rebuild would stamp rows it did not rebuild)."""
        with self.transaction():
            if touched is None:
                for table, insert in _ROLLUPS.items():
                    self.con.execute(f"DELETE FROM {table}")
                    self.con.execute(insert.format(join=""))
            else:
                self.con.execute("CREATE TEMP TABLE rollup_pairs AS SELECT DISTINCT kpi_id, period "
                                 f"FROM ({touched}) AS t", params or [])
                self.analyze_temp("rollup_pairs")
                try:
                    for table, insert in _ROLLUPS.items():
                        self.con.execute(f"DELETE FROM {table} AS r USING rollup_pairs AS t "
                                         "WHERE r.kpi_id = t.kpi_id AND r.period = t.period")
                        self.con.execute(insert.format(
                            join="JOIN rollup_pairs AS t ON o.kpi_id = t.kpi_id AND o.period = t.period"))
                finally:
                    self.con.execute("DROP TABLE IF EXISTS rollup_pairs")
            self.set_setting(ROLLUP_STAMP, self.observations_stamp())
