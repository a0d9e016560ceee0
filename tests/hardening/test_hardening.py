"""Each defect class of the attack pass, as a test that failed before the fix: bounded reads, bounded
values and dates, no executed backup, no silent loss, clear one-line errors, reads that never write."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kpis.backup.files import backup_store, restore_store
from kpis.editing import imports as exchange
from kpis.editing.imports import parse_file, preview, preview_page, read_table
from kpis.errors import KpiError, ValidationError
from kpis.innovation.funnel import save_use_cases
from kpis.records import UseCaseRecord
from kpis.roles import Actor
from kpis.scorecard import quarter_scorecard
from kpis.store import Store
from kpis.telemetry.ingest import ingest_events
from tests.conftest import ROOT

ADMIN = Actor("tester", "admin")


def kpis(*args: str, db: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpis", "--db", str(db), *args], capture_output=True, text=True,
                          env={**os.environ, "KPIS_USER": "t", **(env or {})}, timeout=120)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) >= 1 and lines[0].startswith("error:"), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# -- bounded reads ----------------------------------------------------------------------------------
def _xlsx(rows: list[list], dimension: str | None = None, patch: tuple[bytes, bytes] | None = None) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if dimension is None and patch is None:
        return buffer.getvalue()
    source, out = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml" and dimension:
                data = data.replace(b'<dimension ref="A1:C2"/>', f'<dimension ref="{dimension}"/>'.encode())
            if item.filename == "xl/worksheets/sheet1.xml" and patch:
                data = data.replace(*patch)
            target.writestr(item, data)
    return out.getvalue()


def test_xlsx_claiming_the_whole_sheet_reads_only_its_rows():
    data = _xlsx([["kpi_id", "period", "value"], ["new_users", "2025-03", 5]], dimension="A1:XFD1048576")
    names, rows = read_table(data, "claims.xlsx")
    assert names == ["kpi_id", "period", "value"] and len(rows) == 1


def test_xlsx_that_unzips_past_the_limit_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr(exchange, "MAX_UNZIPPED_BYTES", 1_000_000)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<row/>" * 400_000)
    with pytest.raises(ValidationError, match=r"unpacks to .* the limit is 1 MB"):
        read_table(out.getvalue(), "bomb.xlsx")


@pytest.mark.parametrize("build, limit", [
    (lambda n: "kpi_id,period,value\n" + "new_users,2025-03,1\n" * n, "data rows"),
    (lambda n: ",".join(f"c{i}" for i in range(40)) + "\n", "columns"),
])
def test_csv_past_the_row_or_column_limit_is_refused_with_the_limit(monkeypatch, build, limit):
    monkeypatch.setattr(exchange, "MAX_ROWS", 50)
    with pytest.raises(ValidationError, match=limit):
        read_table(build(60).encode(), "big.csv")


def test_unclosed_quote_is_refused_with_the_line_where_it_opens():
    data = b'kpi_id,period,value,source\nnew_users,2025-01,1,ok\nnew_users,2025-02,2,"open\nnew_users,2025-03,3,x\n'
    with pytest.raises(ValidationError, match="Line 3: a quoted field starts here and is never closed") as err:
        read_table(data, "quote.csv")
    assert err.value.rows[0].line == 3


def test_preview_of_a_large_file_is_a_page_plus_every_bad_row(catalog):
    lines = ["kpi_id,period,value,department"] + [f"new_users,2025-03,1,D{i}" for i in range(40_000)] + [
        "new_users,2025-03,x,X"]
    names, rows = read_table("\n".join(lines).encode(), "big.csv")
    page = preview_page(preview(names, rows, exchange.parse_rows("observations", names, rows, catalog)))
    assert len(page) <= exchange.PREVIEW_ROWS + 40_001
    assert (page["problem"] != "").sum() == 1 and len(page) == exchange.PREVIEW_ROWS + 1


# -- bounded values and dates ---------------------------------------------------------------------
@pytest.mark.parametrize("row, reason", [
    ("new_users,2025-03,1e29", "too large"),
    ("new_users,2025-03,inf", "finite"),
    ("new_users,2025-03,nan", "finite"),
    ("new_users,9999-12-31,5", "outside the accepted dates"),
    ("new_users,1999-12-31,5", "outside the accepted dates"),
])
def test_out_of_bounds_observations_are_rejected_with_their_reason(catalog, row, reason):
    parsed = parse_file("observations", f"kpi_id,period,value\n{row}\n".encode(), "x.csv", catalog)
    assert parsed.errors and reason in parsed.errors[0].reason and parsed.errors[0].line == 2


def test_a_400_digit_integer_in_a_workbook_is_a_row_error(catalog):
    data = _xlsx([["program", "stream", "year", "amount"], ["P", "direct_savings", 1, 4242]],
                 patch=(b"<v>4242</v>", f"<v>{'9' * 400}</v>".encode()))
    parsed = parse_file("value", data, "v.xlsx", catalog)
    assert parsed.errors and "too large" in parsed.errors[0].reason


@pytest.mark.parametrize("started", ["0001-01-01", "9999-12-31"])
def test_use_case_dates_outside_the_window_are_refused(started):
    with pytest.raises(ValueError, match="outside the accepted dates"):
        UseCaseRecord(name="x", stage="idea", horizon="H1", started=started)


def test_stored_huge_value_never_breaks_the_scorecard(store, catalog):
    with store.write_session() as session:
        session.con.execute("INSERT INTO observations (kpi_id, period, value, loaded_at) "
                            "VALUES ('new_users', DATE '2025-03-31', 1e30, now()::TIMESTAMP)")
    with store.session() as session:
        _, cells = quarter_scorecard(session, catalog, 2025, 1)
    assert cells  # no conversion error for every user


def test_value_json_is_always_valid_and_the_horizon_is_bounded(tmp_path):
    db = tmp_path / "d.duckdb"
    assert kpis("init", "--demo", db=db).returncode == 0
    too_far = kpis("value", "--horizon", "100000", db=db)
    assert too_far.returncode == 2 and "from 1 to 50" in too_far.stderr
    result = kpis("value", "--horizon", "50", "--format", "json", db=db)
    assert result.returncode == 0
    json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))


# -- restore runs nothing from the backup ----------------------------------------------------------
def test_restore_ignores_backup_sql_and_verifies_counts(demo_store, tmp_path):
    backup = tmp_path / "backup"
    backup_store(demo_store, backup)
    planted = tmp_path / "planted.txt"
    (backup / "load.sql").write_text(f"COPY (SELECT 'x') TO '{planted}';")
    (backup / "schema.sql").write_text(f"COPY (SELECT 'x') TO '{planted}';")
    counts = restore_store(Store(tmp_path / "restored.duckdb"), backup)
    assert not planted.exists() and counts["observations"] > 0
    manifest = json.loads((backup / "backup.json").read_text())
    manifest["tables"]["observations"] += 1
    (backup / "backup.json").write_text(json.dumps(manifest))
    with pytest.raises(KpiError, match=r"backup\.json says"):
        restore_store(Store(tmp_path / "again.duckdb"), backup)
    assert not (tmp_path / "again.duckdb").exists()


# -- nothing lost or wrong without a word ----------------------------------------------------------
def test_saving_a_use_case_keeps_other_observations_and_audits_deletions(store):
    with store.write_session() as session:
        rows = pd.DataFrame([("patents_filed", date(2025, 3, 31), None, None, 2.0, "use_cases")],
                            columns=["kpi_id", "period", "region", "department", "value", "source"])
        session.upsert_observations(rows, actor="t", channel="import")
    save_use_cases(store, ADMIN, [UseCaseRecord(name="A", stage="scaled", horizon="H1", started="2025-01-10",
                                                stage_changed="2025-02-10")])
    moved = UseCaseRecord(name="A", stage="scaled", horizon="H1", started="2025-04-10", stage_changed="2025-05-10")
    save_use_cases(store, ADMIN, [moved], history=[("A", "scaled", date(2025, 5, 10))])
    with store.session() as session:
        assert session.scalar("SELECT count(*) FROM observations WHERE kpi_id = 'patents_filed'") == 1
        deleted = session.scalar("SELECT count(*) FROM audit_log WHERE action = 'delete' AND channel = 'derived'")
        gone = session.scalar("SELECT count(*) FROM deleted_observations")
    assert deleted == gone


def test_imported_target_change_in_a_started_quarter_needs_a_reason(demo_store, catalog, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("kpi_id,year,quarter,target\nnew_users,2025,4,3100\n")
    with pytest.raises(ValidationError) as err:
        exchange.import_file(demo_store, "targets", path, catalog, actor=ADMIN)
    assert err.value.rows[0].line == 2 and "reason" in err.value.rows[0].reason
    with demo_store.write_session() as session:
        session.freeze_quarter(2025, 4, actor="t", channel="test", note=None)
    path.write_text("kpi_id,year,quarter,target,reason\nnew_users,2025,4,3100,board asked\n")
    exchange.import_file(demo_store, "targets", path, catalog, actor=ADMIN)
    with demo_store.session() as session:
        reason = session.scalar("SELECT reason FROM target_versions ORDER BY version_id DESC LIMIT 1")
    assert reason == "[restatement] board asked"


EVENT_HEAD = "timestamp,region,tenant,model_id,latency_ms,status,cost_usd\n"


def test_event_offsets_are_converted_to_utc_whatever_the_machine_time_zone(store, tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "America/Mexico_City")
    path = tmp_path / "e.csv"
    path.write_text(EVENT_HEAD + "2026-01-31T23:30:00-06:00,Mexico,t,m1,50,ok,0.01\n"
                    "2026-02-01T03:00:00,Mexico,t,m1,60,ok,0.01\n")
    result = ingest_events(store, [str(path)], actor=ADMIN, create_missing=True)
    assert result.months == ("2026-02",)


@pytest.mark.parametrize("column", ["TIMESTAMPTZ", "VARCHAR", "TIMESTAMP"])
def test_parquet_time_columns_of_every_type_land_in_utc_months(store, tmp_path, monkeypatch, column):
    """Zoned and text times are converted to UTC, naive ones read as UTC (the fast path for the
    common naive TIMESTAMP column must not change any month)."""
    import duckdb

    monkeypatch.setenv("TZ", "America/Mexico_City")
    path = tmp_path / f"e-{column}.parquet"
    first = "2026-01-31 23:30:00-06:00" if column != "TIMESTAMP" else "2026-02-01 05:30:00"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"""COPY (SELECT CAST(t AS {column}) AS timestamp, 'Mexico' AS region, 't' AS tenant, 'm1' AS model_id,
                               50.0 AS latency_ms, 'ok' AS status, 0.01 AS cost_usd
                        FROM (VALUES ('{first}'), ('2026-02-01 03:00:00')) AS v(t)) TO '{path}'""")
    con.close()
    result = ingest_events(store, [str(path)], actor=ADMIN, create_missing=True)
    assert result.months == ("2026-02",)


@pytest.mark.parametrize("cell, reason", [("inf", "cost_usd"), ("-1", "cost_usd")])
def test_non_finite_or_negative_event_values_are_bad_rows(store, tmp_path, cell, reason):
    path = tmp_path / "e.csv"
    path.write_text(EVENT_HEAD + f"2026-01-10T10:00:00,Mexico,t,m1,50,ok,{cell}\n")
    with pytest.raises(ValidationError) as err:
        ingest_events(store, [str(path)], actor=ADMIN, create_missing=True)
    assert reason in err.value.rows[0].reason


def test_nan_latency_is_a_bad_row_not_dropped(store, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(EVENT_HEAD + "2026-01-10T10:00:00,Mexico,t,m1,nan,ok,0.01\n")
    with pytest.raises(ValidationError, match="1 bad event row"):
        ingest_events(store, [str(path)], actor=ADMIN, create_missing=True)


def test_event_files_are_known_by_content(store, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(EVENT_HEAD + "2026-01-10T10:00:00,Mexico,t,m1,50,ok,0.01\n")
    ingest_events(store, [str(path)], actor=ADMIN, create_missing=True)
    copy = tmp_path / "renamed.csv"
    shutil.copy(path, copy)
    assert ingest_events(store, [str(copy)], actor=ADMIN, create_missing=True).skipped == (str(copy.resolve()),)
    path.write_text(EVENT_HEAD + "2026-03-10T10:00:00,Mexico,t,m1,70,ok,0.01\n")  # rewritten in place
    ingest_events(store, [str(path)], actor=ADMIN, create_missing=True)
    with store.session() as session:
        months = {r[0] for r in session.con.execute(
            "SELECT strftime(period, '%Y-%m') FROM observations WHERE source = 'events'").fetchall()}
    assert months == {"2026-01", "2026-03"}  # January still comes from the renamed copy


def test_interrupted_demo_load_leaves_nothing_and_a_rerun_completes(tmp_path, catalog, monkeypatch):
    from kpis import setup

    store = Store(tmp_path / "d.duckdb")
    monkeypatch.setattr(setup, "demo_use_cases", lambda **_: (_ for _ in ()).throw(RuntimeError("killed")))
    with pytest.raises(RuntimeError):
        setup.initialise(store, catalog, demo=True)
    with store.session() as session:
        assert session.scalar("SELECT count(*) FROM observations") == 0
    monkeypatch.undo()
    assert setup.initialise(store, catalog, demo=True)


# -- clear errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("content, words", [
    (b"SQLite format 3\x00" + b"\x00" * 100, "SQLite database"),
    (b"\x01" * 5000, "not a DuckDB store"),
])
def test_a_file_that_is_not_a_store_gets_a_clear_message(tmp_path, content, words):
    db = tmp_path / "bad.duckdb"
    db.write_bytes(content)
    assert words in one_line(kpis("scorecard", "--year", "2025", "--quarter", "1", db=db))


@pytest.mark.parametrize("args", [("demo-events", "--events", "0", "--out", "x.parquet"),
                                  ("demo-events", "--events", "5", "--seed", "-1", "--out", "x.parquet")])
def test_bad_generator_arguments_are_one_line(tmp_path, args):
    result = kpis(*args, db=tmp_path / "x.duckdb")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_read_only_command_refuses_a_missing_store_and_creates_nothing(tmp_path):
    db = tmp_path / "typo.duckdb"
    line = one_line(kpis("scorecard", "--year", "2025", "--quarter", "1", db=db))
    assert "No database at" in line and not db.exists()


def test_unwritable_output_is_one_line(tmp_path):
    result = kpis("demo-events", "--events", "5", "--out", "/proc/nope/x.parquet", db=tmp_path / "x.duckdb")
    assert result.returncode == 1 and "cannot" in one_line(result).lower()


def test_latin1_event_csv_is_one_line(tmp_path):
    db = tmp_path / "x.duckdb"
    kpis("init", db=db)
    path = tmp_path / "latin.csv"
    path.write_bytes((EVENT_HEAD + "2026-01-10T10:00:00,México,t,m1,50,ok,0.01\n").encode("latin-1"))
    result = kpis("ingest", "events", str(path), db=db)
    assert result.returncode in (1, 2)
    assert len(result.stderr.strip().splitlines()) <= 3 and "Traceback" not in result.stderr


# -- listening and reading --------------------------------------------------------------------------
def test_the_app_listens_on_loopback_by_default():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert "--server.address $(ADDRESS)" in (ROOT / "Makefile").read_text()


def test_a_first_visit_writes_nothing(demo_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("KPIS_DB", demo_store.target)
    monkeypatch.chdir(ROOT)
    AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    with demo_store.session() as session:
        assert session.scalar("SELECT count(*) FROM user_preferences") == 0
