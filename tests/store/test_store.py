"""The store (a DuckDB file or PostgreSQL, `--engine`): migrations, version checks, locking,
transactions."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kpis.errors import SchemaVersionError, StoreBusyError
from kpis.store import MIGRATIONS, SCHEMA_VERSION, Store


def _raw(target: Path | str):
    """A bare connection to a store location, as another program (an older version) would open it."""
    if isinstance(target, str):
        from kpis.store import postgres as pg

        return pg.connect(target)
    return duckdb.connect(str(target))


def _version_one(target: Path | str) -> None:
    con = _raw(target)
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    con.execute(MIGRATIONS[0].read_text(encoding="utf-8"))
    con.execute("INSERT INTO schema_version VALUES (1, now())")
    con.execute("INSERT INTO observations (kpi_id, period, value, loaded_at) "
                "VALUES ('new_users', '2025-01-31', 7, now())")
    con.close()


def test_new_file_gets_latest_schema(new_db):
    with Store(new_db("new")).session() as session:
        assert session.schema_version() == SCHEMA_VERSION >= 2


def test_older_schema_is_upgraded_on_open_and_keeps_its_data(new_db):
    path = new_db("old")
    _version_one(path)
    with Store(path).session() as session:
        assert session.schema_version() == SCHEMA_VERSION
        assert session.scalar("SELECT value FROM observations") == 7
        assert session.get_setting("missing", "default") == "default"  # table from migration 2 exists


def test_newer_schema_is_refused_with_a_clear_message(new_db):
    path = new_db("future")
    with Store(path).session() as session:
        session.con.execute("INSERT INTO schema_version VALUES (?, now())", [SCHEMA_VERSION + 1])
    with pytest.raises(SchemaVersionError, match="only knows up to"), Store(path).session():
        pass


@pytest.mark.duckdb_only
def test_locked_file_gives_busy_error_after_retrying(tmp_path: Path):
    path = tmp_path / "locked.duckdb"
    with Store(path).session():  # create the file
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(path)!r})
            print("locked", flush=True)
            time.sleep(30)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(StoreBusyError, match="in use by another program") as info, \
                Store(path, busy_timeout=0.5).session():
            pass
        assert time.monotonic() - started >= 0.4  # it retried before giving up
        assert str(holder.pid) in str(info.value)
    finally:
        holder.kill()
        holder.wait()


def test_failed_write_rolls_back_everything(store: Store):
    frame = pd.DataFrame([("new_users", pd.Timestamp("2025-01-31").date(), None, None, 1.0, "t")],
                         columns=["kpi_id", "period", "region", "department", "value", "source"])
    with pytest.raises(RuntimeError), store.session() as session, session.transaction():
        session.con.execute("INSERT INTO settings VALUES ('k', 'v', now())")
        raise RuntimeError("boom")
    with store.session() as session:
        assert session.get_setting("k") is None
        session.upsert_observations(frame, actor="a", channel="test")
        assert session.scalar("SELECT count(*) FROM audit_log WHERE entity = 'observation'") == 1


def test_unchanged_rows_are_not_rewritten_or_audited(store: Store):
    frame = pd.DataFrame([("new_users", pd.Timestamp("2025-01-31").date(), "Mexico", None, 5.0, "t")],
                         columns=["kpi_id", "period", "region", "department", "value", "source"])
    with store.session() as session:
        assert session.upsert_observations(frame, actor="a", channel="test") == 1
        assert session.upsert_observations(frame, actor="a", channel="test") == 0
        assert session.scalar("SELECT count(*) FROM audit_log WHERE entity = 'observation'") == 1


@pytest.mark.duckdb_only
def test_app_shares_one_open_file_and_releases_it_when_idle(tmp_path: Path):
    """keep_open (the app): reads in a burst share one open and check of the file; once idle for the
    linger time the file is free, so another process opens it and writes."""
    from kpis.store import duckdb_files, keep_open

    path = tmp_path / "shared.duckdb"
    with Store(path).session():
        pass
    opened = []
    real_connect = Store._connect
    keep_open(0.3)
    try:
        Store._connect = lambda self: opened.append(1) or real_connect(self)  # count real opens
        for _ in range(5):
            with Store(path).session() as session:
                assert session.scalar("SELECT count(*) FROM observations") == 0
        assert len(opened) == 1
        time.sleep(0.6)  # idle past the linger time: released
        other = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
            import duckdb
            con = duckdb.connect({str(path)!r})
            con.execute("CREATE TABLE from_elsewhere AS SELECT 1 AS x")
            con.close()
        """)], capture_output=True, text=True, timeout=60)
        assert other.returncode == 0, other.stderr
        with Store(path).session() as session:  # reopened, and sees the other process's write
            assert session.scalar("SELECT count(*) FROM from_elsewhere") == 1
        assert len(opened) == 2
    finally:
        Store._connect = real_connect
        keep_open(0)
    assert all(shared.con is None for shared in duckdb_files._SHARED.values())


@pytest.mark.duckdb_only
def test_cli_write_waits_for_the_app_to_release_the_file(tmp_path: Path, catalog):
    """While this process (as the app) reads in a burst, a CLI import waits and then succeeds."""
    from kpis.setup import initialise
    from kpis.store import keep_open

    path = tmp_path / "busy.duckdb"
    initialise(Store(path), catalog)
    data = tmp_path / "obs.csv"
    data.write_text("kpi_id,period,value\nnew_users,2026-01,5\n", encoding="utf-8")
    keep_open(0.5)
    try:
        with Store(path).session():
            pass  # the file stays open for 0.5 s after this
        result = subprocess.run([sys.executable, "-m", "kpis", "--db", str(path), "import", "observations", str(data)],
                                capture_output=True, text=True, timeout=120)
    finally:
        keep_open(0)
    assert result.returncode == 0, result.stderr
    with Store(path).session() as session:
        assert session.scalar("SELECT count(*) FROM observations") == 1


def test_read_only_commands_never_write_the_file(new_db, catalog):
    from kpis.setup import initialise

    path = new_db("report")
    initialise(Store(path), catalog, demo=True)

    def state():  # a file: its bytes; PostgreSQL: the change counter every write bumps, and the row counts
        if isinstance(path, Path):
            return path.stat().st_mtime_ns, path.read_bytes()
        with Store(path).session() as session:
            return Store(path).data_version(), session.table_counts()

    before = state()
    quarter = ["--year", "2026", "--quarter", "1"]
    for command in (["scorecard", *quarter], ["value"], ["maturity", *quarter], ["readiness", *quarter]):
        result = subprocess.run([sys.executable, "-m", "kpis", "--db", str(path), *command], capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, (command, result.stderr)
    assert state() == before
    if isinstance(path, Path):
        assert not path.with_name(path.name + ".wal").exists()


def test_read_only_session_refuses_an_old_file_and_uses_a_changed_catalog_without_writing(new_db, catalog):
    from kpis.errors import KpiError

    old = new_db("old")
    _version_one(old)
    with pytest.raises(KpiError, match="python -m kpis init"), Store(old, read_only=True).session():
        pass
    path = new_db("current")
    with Store(path).session() as session:
        session.sync_catalog(catalog)
    changed = catalog.__class__(kpis=tuple(k.model_copy(update={"over_time": "max"}) if k.id == "new_users" else k
                                           for k in catalog))
    with Store(path, read_only=True, catalog=changed).session() as session:
        assert session.scalar("SELECT over_time FROM kpis WHERE kpi_id = 'new_users'") == "max"
    with Store(path).session() as session:  # the file still has the stored rule
        assert session.scalar("SELECT over_time FROM kpis WHERE kpi_id = 'new_users'") == "sum"
