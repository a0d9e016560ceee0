"""The DuckDB store: migrations, version checks, locking, transactions."""

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


def test_new_file_gets_latest_schema(tmp_path: Path):
    with Store(tmp_path / "new.duckdb").session() as session:
        assert session.schema_version() == SCHEMA_VERSION >= 2


def test_older_schema_is_upgraded_on_open_and_keeps_its_data(tmp_path: Path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    con.execute(MIGRATIONS[0].read_text())
    con.execute("INSERT INTO schema_version VALUES (1, now())")
    con.execute("INSERT INTO observations (kpi_id, period, value, loaded_at) "
                "VALUES ('new_users', '2025-01-31', 7, now())")
    con.close()
    with Store(path).session() as session:
        assert session.schema_version() == SCHEMA_VERSION
        assert session.scalar("SELECT value FROM observations") == 7
        assert session.get_setting("missing", "default") == "default"  # table from migration 2 exists


def test_newer_schema_is_refused_with_a_clear_message(tmp_path: Path):
    path = tmp_path / "future.duckdb"
    with Store(path).session() as session:
        session.con.execute("INSERT INTO schema_version VALUES (?, now())", [SCHEMA_VERSION + 1])
    with pytest.raises(SchemaVersionError, match="only knows up to"), Store(path).session():
        pass


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
