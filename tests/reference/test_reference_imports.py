"""Reference data by file (SPEC section 10): `import programs|regions|departments`, all rows or none, audited;
imports accept a name in either language; a ledger imported through the CLI gives the same realised ROI as
one typed in the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from kpis.editing.forms import save_investment, save_value_stream
from kpis.records import InvestmentRecord, ValueRecord
from kpis.reference.names import add_reference, load_names, set_program_start
from kpis.roles import Actor
from kpis.store import Store

ADMIN = Actor("ana", "admin")
LEDGER = [("direct_savings", 1, 10e6), ("revenue_increase", 1, 5e6), ("direct_savings", 2, 25e6)]
INVESTED = [(1, 12e6), (2, 6e6)]


def kpis(db: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "kpis", "--db", str(db), *args], capture_output=True, text=True,
                            env={**os.environ, "KPIS_USER": "t"}, timeout=180)
    assert (result.returncode == 0) == ok, result.stderr
    return result


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_programs_sets_start_dates_and_spanish_names_and_is_audited(tmp_path):
    db = tmp_path / "s.duckdb"
    kpis(db, "init")
    kpis(db, "import", "programs", str(write(tmp_path / "p.csv", "name,start_date,name_es\n"
                                                             "Norte,2025-03-01,Programa Norte\nSur,2025-07-01,\n")))
    with Store(db).session() as session:
        rows = session.con.execute("SELECT name, started, name_es FROM programs ORDER BY name").fetchall()
        audit = session.con.execute("SELECT count(*) FROM audit_log WHERE entity = 'program'").fetchone()[0]
    assert rows == [("Norte", date(2025, 3, 1), "Programa Norte"), ("Sur", date(2025, 7, 1), None)]
    assert audit >= 2
    again = kpis(db, "import", "programs", str(write(tmp_path / "q.csv", "name,start_date\nSur,2025-08-01\n")))
    assert "1 written" in again.stdout
    with Store(db).session() as session:
        assert session.scalar("SELECT started FROM programs WHERE name = 'Sur'") == date(2025, 8, 1)


@pytest.mark.parametrize(("kind", "text", "reason"), [
    ("programs", "name,start_date\nNorte,2025-01-01\nSur,\n", "line 3"),             # a start date is required
    ("programs", "name,start_date\nNorte,2025-01-01\nNorte,2025-02-01\n", "line 3"),  # twice in one file
    ("regions", "name,name_es\nChile,Chile\nbrazil,\n", "'Brazil'"),                   # a look-alike of a known one
    ("departments", "name\n\n", "line"),                                             # no rows
])
def test_a_bad_reference_row_writes_nothing(tmp_path, demo_store, kind, text, reason):
    db = demo_store.target
    with Store(db).session() as session:
        before = load_names(session)
    result = kpis(db, "import", kind, str(write(tmp_path / "x.csv", text)), ok=False)
    assert result.returncode == 2 and reason in result.stderr
    with Store(db).session() as session:
        assert load_names(session) == before


def test_an_import_accepts_a_region_in_either_language(tmp_path, demo_store):
    db = demo_store.target
    kpis(db, "import", "observations", str(write(tmp_path / "o.csv", "kpi_id,period,value,region\n"
                                                                    "new_users,2025-01-31,7,Brasil\n")))
    with Store(db).session() as session:
        stored = session.con.execute("SELECT region FROM observations WHERE kpi_id = 'new_users' AND value = 7 "
                                     "AND period = DATE '2025-01-31'").fetchall()
    assert stored == [("Brazil",)]


def test_a_ledger_imported_through_the_cli_gives_the_realised_roi_of_one_typed_in_the_app(tmp_path):
    cli, app = tmp_path / "cli.duckdb", tmp_path / "app.duckdb"
    kpis(cli, "init")
    kpis(cli, "import", "programs", str(write(tmp_path / "p.csv", "name,start_date\nNorte,2025-01-01\n")))
    kpis(cli, "import", "value", str(write(tmp_path / "v.csv", "program,stream,year,amount\n" + "".join(
        f"Norte,{stream},{year},{amount}\n" for stream, year, amount in LEDGER))))
    kpis(cli, "import", "investments", str(write(tmp_path / "i.csv", "program,year,amount\n" + "".join(
        f"Norte,{year},{amount}\n" for year, amount in INVESTED))))
    kpis(app, "init")
    store = Store(app)
    add_reference(store, ADMIN, "program", "Norte")
    set_program_start(store, ADMIN, "Norte", date(2025, 1, 1))
    for stream, year, amount in LEDGER:
        save_value_stream(store, ADMIN, ValueRecord(program="Norte", stream=stream, year=year, amount=amount))
    for year, amount in INVESTED:
        save_investment(store, ADMIN, InvestmentRecord(program="Norte", year=year, amount=amount))
    typed, imported = (json.loads(kpis(db, "value", "--format", "json").stdout)["realised"] for db in (app, cli))
    assert imported is not None and imported["net_roi_pct"] is not None
    assert imported == typed
