"""Durability and concurrency: a killed writer loses no acknowledged write; the CLI next to a
running app waits or says the store is busy; property tests on the input models."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pydantic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpis.editing.imports import parse_rows
from kpis.errors import ValidationError
from kpis.records import ObservationRecord, TargetRecord
from kpis.store import Store

WRITER = textwrap.dedent("""
    import sys
    import pandas as pd
    from kpis.store import Store
    store = Store(sys.argv[1])
    for n in range(1, 100000):
        frame = pd.DataFrame([("new_users", pd.Timestamp("2030-01-01").date() + pd.Timedelta(days=n), None, None,
                               float(n), "kill-test")],
                             columns=["kpi_id", "period", "region", "department", "value", "source"])
        with store.write_session() as session:
            session.upsert_observations(frame, actor="writer", channel="test")
        print(n, flush=True)  # acknowledged: the transaction has committed
""")


def test_writer_killed_mid_stream_loses_no_acknowledged_write(store: Store):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, store.target], stdout=subprocess.PIPE, text=True)
    acknowledged = 0
    try:
        while acknowledged < 25:
            line = writer.stdout.readline()
            assert line, "writer stopped early"
            acknowledged = int(line)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    with store.session() as session:  # the file opens (WAL replayed) and holds every acknowledged row
        values = {int(v) for (v,) in session.con.execute(
            "SELECT value FROM observations WHERE source = 'kill-test'").fetchall()}
        audited = session.scalar("SELECT count(*) FROM audit_log WHERE actor = 'writer'")
    assert set(range(1, acknowledged + 1)) <= values
    assert audited == len(values)  # every write and its audit row committed together


def _cli_import(db: Path | str, csv_path: Path, timeout: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KPIS_BUSY_TIMEOUT": timeout, "KPIS_USER": "cli"}
    return subprocess.run([sys.executable, "-m", "kpis", "--db", str(db), "import", "observations", str(csv_path)],
                          capture_output=True, text=True, env=env, timeout=120)


def _hold(store: Store, seconds: float, started: threading.Event) -> None:
    """The app in the middle of a write (a DuckDB file: any open session holds the file)."""
    with store.write_session():
        started.set()
        time.sleep(seconds)


def test_cli_import_waits_for_a_briefly_busy_app_and_succeeds(store: Store, tmp_path: Path):
    csv_path = tmp_path / "obs.csv"
    csv_path.write_text("kpi_id,period,value\nnew_users,2025-01-31,10\n")
    started = threading.Event()
    holder = threading.Thread(target=_hold, args=(store, 1.5, started))
    holder.start()
    started.wait()
    result = _cli_import(store.target, csv_path, timeout="10")
    holder.join()
    assert result.returncode == 0, result.stderr
    with store.session() as session:  # and the app's side keeps working
        assert session.scalar("SELECT value FROM observations") == 10


def test_cli_import_says_clearly_when_the_store_stays_busy(store: Store, tmp_path: Path):
    csv_path = tmp_path / "obs.csv"
    csv_path.write_text("kpi_id,period,value\nnew_users,2025-01-31,10\n")
    started = threading.Event()
    holder = threading.Thread(target=_hold, args=(store, 4, started))
    holder.start()
    started.wait()
    result = _cli_import(store.target, csv_path, timeout="0.5")
    holder.join()
    assert result.returncode == 1
    assert "is in use by another program" in result.stderr and "Traceback" not in result.stderr
    with store.session() as session:
        assert session.scalar("SELECT count(*) FROM observations") == 0


TEXT = st.one_of(st.none(), st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.booleans())


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["kpi_id", "period", "value", "region", "department", "source", "other"]),
                       TEXT))
def test_arbitrary_observation_input_raises_only_validation_errors(data):
    with contextlib.suppress(pydantic.ValidationError):
        ObservationRecord.model_validate(data)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["kpi_id", "year", "quarter", "target", "region", "reason", "x"]), TEXT))
def test_arbitrary_target_input_raises_only_validation_errors(data):
    with contextlib.suppress(pydantic.ValidationError):
        TargetRecord.model_validate(data)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.dictionaries(st.sampled_from(["kpi_id", "period", "value", "region"]),
                                st.one_of(st.none(), st.text(max_size=12))), max_size=5))
def test_parse_rows_reports_instead_of_raising(catalog, rows):
    try:
        parsed = parse_rows("observations", ["kpi_id", "period", "value", "region"],
                            [(n + 2, dict(r)) for n, r in enumerate(rows)], catalog)
    except ValidationError:
        return
    assert len(parsed.frame) + len({e.line for e in parsed.errors if e.line > 1}) <= max(len(rows), 1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.floats(min_value=0, max_value=1e12, allow_nan=False),
       day=st.dates(min_value=__import__("datetime").date(2000, 1, 1),
                    max_value=__import__("datetime").date(2026, 12, 4)),  # the accepted window: to today
                                                                            # (KPIS_TODAY in tests/conftest.py)
       region=st.one_of(st.none(), st.text(alphabet="abcXYZ é'\\\"", min_size=1, max_size=10)
                        .filter(str.strip)))  # a name has a visible character (a blank one is refused)
def test_valid_observation_round_trips_through_the_store(store, value, day, region):
    import pandas as pd

    record = ObservationRecord(kpi_id="new_users", period=day, value=value, region=region, source="prop")
    with store.write_session() as session:
        session.upsert_observations(pd.DataFrame([record.model_dump()]), actor="p", channel="test")
        row = session.con.execute(
            "SELECT kpi_id, period, region, department, value, source FROM observations "
            "WHERE kpi_id = ? AND period = ? AND region IS NOT DISTINCT FROM ?", [record.kpi_id, day, record.region]
        ).fetchone()
    assert ObservationRecord(kpi_id=row[0], period=row[1], region=row[2], department=row[3], value=row[4],
                             source=row[5]) == record
