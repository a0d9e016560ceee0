"""The period roll-up (period_rollup): kept equal to the observations by every write, read only when
its stamp matches, and giving the very digits the observations themselves give."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kpis.backup.copying import copy_store
from kpis.backup.files import backup_store, restore_store
from kpis.periods import quarter_end, quarter_start
from kpis.reference.names import add_reference, rename
from kpis.roles import Actor
from kpis.scorecard import Scope, quarter_values, region_grids
from kpis.store import Session, Store

ADMIN = Actor("admin@example.com", "admin")
REGIONS = ("Mexico", "USA", "Brazil", "Colombia")
DEPARTMENTS = ("Finance", "Operations", "Risk")
KPIS = ("new_users", "departments_using_pct", "api_latency_p95_ms", "availability_pct", "models_in_production",
        "cost_per_prediction_usd", "transactions_per_day")  # sum/last/max/mean over time; sum/mean/max across


def _values(session: Session, rolled: bool, region: str | None = None, kpi: str | None = None,
            department: str | None = None) -> list[tuple]:
    """sql/quarter_values.sql over 2025-2026, read from the roll-ups or from the observations."""
    from kpis.store.session import named_sql as _sql

    return session.con.execute(_sql("quarter_values"), {
        "start": quarter_start(2025, 1), "end": quarter_end(2026, 4), "region": region, "department": department,
        "kpi": kpi, "rolled": rolled}).fetchall()


def _by_region(session: Session, rolled: bool) -> list[tuple]:
    from kpis.store.session import named_sql as _sql

    return session.con.execute(_sql("quarter_values_by_region"), {
        "start": quarter_start(2025, 1), "end": quarter_end(2026, 4), "rolled": rolled}).fetchall()


def _first_positive(session: Session, rolled: bool, kpi: str, region: str | None, end,
                    department: str | None = None) -> tuple:
    from kpis.store.session import named_sql as _sql

    return session.con.execute(_sql("first_positive_period"), {
        "kpi_id": kpi, "end": end, "region": region, "department": department, "rolled": rolled}).fetchall()[0]


def _rollup_rows(session: Session) -> list[tuple]:
    return sorted(session.con.execute(
        "SELECT kpi_id, period, region, has_department, v_sum::DOUBLE, n, v_max, v_min FROM period_rollup").fetchall(),
        key=repr)


def _department_rows(session: Session) -> list[tuple]:
    return sorted(session.con.execute(
        "SELECT kpi_id, period, department, has_region, v_sum::DOUBLE, n, v_max, v_min FROM department_rollup"
    ).fetchall(), key=repr)


def _fresh_department_rollup(session: Session) -> list[tuple]:
    return sorted(session.con.execute(
        "SELECT kpi_id, period, department, region IS NOT NULL, sum(TRY_CAST(value AS DECIMAL(38, 10)))::DOUBLE, "
        "count(value), max(value), min(value) FROM observations WHERE department IS NOT NULL "
        "GROUP BY kpi_id, period, department, region IS NOT NULL").fetchall(), key=repr)


def _fresh_rollup(session: Session) -> list[tuple]:
    """What a full rebuild gives, computed on the side (the stored roll-up is not touched)."""
    return sorted(session.con.execute(
        "SELECT kpi_id, period, region, department IS NOT NULL, sum(TRY_CAST(value AS DECIMAL(38, 10)))::DOUBLE, "
        "count(value), max(value), min(value) FROM observations "
        "GROUP BY kpi_id, period, region, department IS NOT NULL").fetchall(), key=repr)


def assert_rollup_current(store: Store) -> None:
    """The stamp matches, the stored rows equal a fresh build, and every scope reads the same digits
    from the roll-up as from the observations."""
    with store.session() as session:
        assert session.rollup_ready()
        assert _rollup_rows(session) == _fresh_rollup(session)
        assert _department_rows(session) == _fresh_department_rollup(session)
        for region in (None, *REGIONS):
            assert _values(session, True, region) == _values(session, False, region)
        for department in DEPARTMENTS:  # a department across all regions: department_rollup
            assert _values(session, True, department=department) == _values(session, False, department=department)
            assert _values(session, True, "USA", department=department) == _values(
                session, False, "USA", department=department)
        assert _values(session, True, kpi="models_in_production") == _values(session, False, kpi="models_in_production")
        assert _by_region(session, True) == _by_region(session, False)
        for kpi in KPIS:  # the readiness gate's "months live": the first period above zero, to a cut-off
            for region in (None, *REGIONS):
                for end in (quarter_end(2025, 1), quarter_end(2025, 4), quarter_end(2026, 2)):
                    assert _first_positive(session, True, kpi, region, end) == _first_positive(
                        session, False, kpi, region, end), (kpi, region, end)
            for department in DEPARTMENTS:
                assert _first_positive(session, True, kpi, None, quarter_end(2025, 4), department) == _first_positive(
                    session, False, kpi, None, quarter_end(2025, 4), department), (kpi, department)


def _random_rows(seed: int, count: int) -> pd.DataFrame:
    """Observations at every scope level (organisation, region, department, both), with duplicates
    across levels in one period, awkward decimals and zeros."""
    rng = random.Random(seed)
    rows = {}
    for _ in range(count):
        region = rng.choice((None, *REGIONS))
        department = rng.choice((None, None, "Finance", "Operations", "Risk"))
        period = pd.Timestamp(rng.choice(("2025-01-31", "2025-02-28", "2025-06-15", "2025-12-31", "2026-03-31",
                                          "2026-05-31", "2026-06-30"))).date()
        value = rng.choice((0.0, 0.1, 0.2, 1e-10, 99.95, 123456.789, rng.uniform(0, 1000), float(rng.randint(0, 50))))
        rows[(rng.choice(KPIS), period, region, department)] = value
    return pd.DataFrame([(k, p, r, d, v, "test") for (k, p, r, d), v in rows.items()],
                        columns=["kpi_id", "period", "region", "department", "value", "source"])


@pytest.fixture
def filled(demo_store: Store) -> Store:
    from kpis.reference.names import add_names, load_names

    with demo_store.session() as session:
        known = load_names(session)
        add_names(session, {"department": tuple(d for d in DEPARTMENTS
                                                if d not in known.departments)}, actor="tester", channel="test")
        session.upsert_observations(_random_rows(7, 400), actor="tester", channel="test")
    return demo_store


def test_rollup_reads_give_the_observations_digits_on_random_data_at_every_scope(filled: Store):
    assert_rollup_current(filled)


def test_rollup_is_small_next_to_the_observations(filled: Store):
    with filled.session() as session:
        rolled, observed = (session.scalar(f"SELECT count(*) FROM {t}") for t in ("period_rollup", "observations"))
        assert rolled < observed


def test_rollup_follows_an_upsert_that_changes_values(filled: Store):
    changed = _random_rows(7, 400).assign(value=lambda f: f["value"] * 3 + 1)
    with filled.session() as session:
        session.upsert_observations(changed.head(50), actor="tester", channel="test")
    assert_rollup_current(filled)


def test_a_write_that_changes_nothing_leaves_the_rollup_current(filled: Store):
    """Re-importing the same rows, or deleting none, still runs statements on the table (on
    PostgreSQL they fire its trigger): the roll-up must stay current, not fall back to scans."""
    with filled.session() as session:
        assert session.upsert_observations(_random_rows(7, 400), actor="tester", channel="test") == 0
        assert session.rollup_ready()
        assert session.delete_observations("region = ?", ["Atlantis"], actor="tester", channel="test",
                                           reason="test") == 0
        assert session.rollup_ready()
    assert_rollup_current(filled)


def test_rollup_follows_deletes(filled: Store):
    with filled.session() as session:
        removed = session.delete_observations("region = ? AND kpi_id = ?", ["Mexico", "new_users"], actor="tester",
                                              channel="test", reason="test")
    assert removed > 0
    assert_rollup_current(filled)


def test_rollup_follows_a_region_rename_and_a_merge(filled: Store):
    rename(filled, ADMIN, "region", "Brazil", "Brasil")
    with filled.session() as session:
        assert session.scalar("SELECT count(*) FROM period_rollup WHERE region = 'Brazil'") == 0
    add_reference(filled, ADMIN, "region", "Chile")
    rename(filled, ADMIN, "region", "Chile", "Colombia")  # a merge (Chile has no rows: no conflicts)
    assert_rollup_current(filled)


def test_a_department_rename_leaves_the_rollup_as_it_was(filled: Store):
    with filled.session() as session:
        before = _rollup_rows(session)
    rename(filled, ADMIN, "department", "Finance", "Finanzas")
    with filled.session() as session:
        assert _rollup_rows(session) == before
    assert_rollup_current(filled)


def test_observations_changed_outside_the_program_are_read_from_the_table_until_init(filled: Store, engine: str):
    with filled.session() as session:
        with session.transaction():
            session.con.execute("INSERT INTO observations (kpi_id, period, region, value, loaded_at) "
                                "VALUES ('new_users', DATE '2026-06-30', 'USA', 1000000, now())")
        assert not session.rollup_ready()  # the stamp no longer matches: reads fall back to the observations
        assert _values(session, False, "USA") != _values(session, True, "USA")
    with filled.session() as session:  # a write through the library rebuilds it in full (not only its pairs)
        session.upsert_observations(_random_rows(8, 5), actor="tester", channel="test")
    assert_rollup_current(filled)


def test_init_rebuilds_the_rollup_after_an_update_by_sql(filled: Store, tmp_path: Path):
    with filled.session() as session, session.transaction():
        session.con.execute("UPDATE observations SET value = value + 1 WHERE kpi_id = 'new_users'")
    result = subprocess.run([sys.executable, "-m", "kpis", "--db", str(filled.target), "init"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_rollup_current(filled)


def test_an_imported_file_keeps_the_rollup(filled: Store, tmp_path: Path):
    path = tmp_path / "obs.csv"
    path.write_text("kpi_id,period,value,region,department\nnew_users,2026-06,17,Mexico,\n"
                    "new_users,2026-06,3,Mexico,Risk\napi_latency_p95_ms,2026-05,88,USA,\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kpis", "--db", str(filled.target), "import", "observations",
                             str(path), "--create-missing"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_rollup_current(filled)


def test_an_upgraded_store_gets_its_rollup_built(filled: Store, engine: str):
    with filled.session() as session, session.transaction():
        session.con.execute("DELETE FROM period_rollup")
        session.con.execute("DELETE FROM settings WHERE key = 'rollup_stamp'")
        session.con.execute("DELETE FROM schema_version WHERE version >= 11")  # back to schema 10
        session.con.execute("DROP TABLE period_rollup")
        session.con.execute("ALTER TABLE programs DROP COLUMN name_es")
        session.con.execute("DROP TABLE send_locks")
        session.con.execute("DROP TABLE api_requests")
        session.con.execute("DROP TABLE api_tokens")
        session.con.execute("DROP TABLE department_rollup")
    if engine == "postgres":
        from kpis.store import duckdb_files

        duckdb_files.PG_READY.clear()
    assert_rollup_current(filled)  # the next session migrates to version 11 and builds it


def test_an_upgrade_to_schema_15_builds_the_department_rollup(filled: Store, engine: str):
    """A store at schema 14 has a current period roll-up and its stamp: the migration that adds
    department_rollup removes the stamp, so the first session builds both before anything reads them."""
    with filled.session() as session, session.transaction():
        session.con.execute("DELETE FROM schema_version WHERE version >= 15")
        session.con.execute("DROP TABLE department_rollup")
        assert session.rollup_ready()
    if engine == "postgres":
        from kpis.store import duckdb_files

        duckdb_files.PG_READY.clear()
    assert_rollup_current(filled)
    with filled.session() as session:
        assert session.scalar("SELECT count(*) FROM department_rollup") > 0


@pytest.mark.duckdb_only
def test_copies_and_restored_backups_have_a_current_rollup(filled: Store, tmp_path: Path):
    copied = Store(tmp_path / "copy.duckdb")
    copy_store(filled, copied)
    assert_rollup_current(copied)
    backup_store(filled, tmp_path / "backup")
    restored = Store(tmp_path / "restored.duckdb")
    restore_store(restored, tmp_path / "backup")
    assert_rollup_current(restored)


def test_pages_grids_read_the_same_whichever_way(filled: Store, catalog):
    with filled.session() as session:
        rolled = quarter_values(session, (2025, 1), (2026, 4), Scope())
        grids = region_grids(session, catalog, (2026, 1), (2026, 2), list(REGIONS))
        session.con.execute("UPDATE settings SET value = 'stale' WHERE key = 'rollup_stamp'")
        assert not session.rollup_ready()
        assert quarter_values(session, (2025, 1), (2026, 4), Scope()) == rolled
        assert region_grids(session, catalog, (2026, 1), (2026, 2), list(REGIONS)) == grids
