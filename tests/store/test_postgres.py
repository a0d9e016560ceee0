"""PostgreSQL as the shared store: the SQL translation, DuckDB's digits on PostgreSQL, copy-store both
ways, two processes editing one target, the change counter replicas key their caches on. These run
in every test session against a server the tests start (tests/pgserver.py); the rest of the suite
runs on PostgreSQL with `pytest --engine postgres` (make test does both)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from kpis.store import Store
from kpis.store.postgres import redact, translate

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpis", *args], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "KPIS_USER": "pg-tester", **(env or {})})


def test_translation_keeps_one_source_of_sql():
    assert translate("SELECT * FROM t WHERE a = $a AND b = ? AND s LIKE 'x%'") == \
        "SELECT * FROM t WHERE a = %(a)s AND b = %s AND s LIKE 'x%%'"
    built = translate("SELECT json_object('value', \"value\", 'n', 2)")
    assert "JSON_BUILD_OBJECT('value', \"value\", 'n', 2)" in built
    assert translate("SELECT year(d), quarter(d) FROM t") == \
        "SELECT CAST(EXTRACT(YEAR FROM d) AS INT), CAST(EXTRACT(QUARTER FROM d) AS INT) FROM t"
    assert "(ARRAY_AGG(v ORDER BY p DESC)" in translate("SELECT arg_max(v, p) FROM t")
    assert translate("INSERT INTO temp.kpis SELECT * FROM main.kpis") == "INSERT INTO pg_temp.kpis SELECT * FROM kpis"
    assert translate("SELECT sum(TRY_CAST(v AS DECIMAL(38, 10)))::DOUBLE FROM t") == \
        "SELECT CAST(SUM(KPIS_DECIMAL(v)) AS DOUBLE PRECISION) FROM t"
    # every named query of the library translates
    for path in (ROOT / "src/kpis/store/sql").glob("*.sql"):
        assert translate(path.read_text(encoding="utf-8")), path.name


def test_redact_hides_the_password():
    assert redact("postgresql://kpis:s3cret@db:5432/kpis") == "postgresql://kpis:***@db:5432/kpis"
    assert redact("postgresql://kpis@db/kpis") == "postgresql://kpis@db/kpis"


def test_sums_and_means_have_duckdbs_digits_exactly(pg_server):
    """The same doubles summed as DECIMAL(38, 10) by DuckDB and by the translated SQL on PostgreSQL
    give the same bits, for values the float -> decimal rounding makes hard (large, tiny, halves)."""
    rng = random.Random(7)
    values = [rng.uniform(-1e6, 1e6) * rng.choice([1, 1e-3, 1e3, 1e-6, 100, 1e6]) for _ in range(4000)]
    values += [0.1, 5e-11, 2.5e-10, -2.5e-10, 123456.78901234567, 1e15 / 3, 1234567.89, 1e15, -1e15, 0.0, 3e20, -7.5e24]
    rows = [(i % 37, v) for i, v in enumerate(values)]
    sql = ("SELECT g, sum(TRY_CAST(v AS DECIMAL(38, 10)))::DOUBLE AS s, "
           "(sum(TRY_CAST(v AS DECIMAL(38, 10))) / count(v))::DOUBLE AS m FROM t GROUP BY g ORDER BY g")
    duck = duckdb.connect()
    duck.execute("CREATE TABLE t (g INTEGER, v DOUBLE)")
    duck.executemany("INSERT INTO t VALUES (?, ?)", rows)
    expected = duck.execute(sql).fetchall()
    from kpis.store import postgres as pg

    url = pg_server.create_database()
    con = pg.connect(url)
    try:
        pg.install_functions(con)
        con.execute("CREATE TEMP TABLE t (g INTEGER, v DOUBLE)")
        con.copy_rows("t", ["g", "v"], rows)
        assert con.execute(sql).fetchall() == expected
    finally:
        con.close()
        pg_server.drop_database(url)


def test_demo_gives_the_same_figures_on_both_and_copy_store_goes_both_ways(pg_server, tmp_path: Path):
    """The issue's done-when: init --demo on PostgreSQL, then the same scorecard and value output as
    the file; copy-store file -> PostgreSQL -> file keeps every row (audit history included)."""
    file, url = tmp_path / "demo.duckdb", pg_server.create_database()
    for db in (file, url):
        assert cli("--db", str(db), "init", "--demo").returncode == 0
    commands = (["scorecard", "--year", "2026", "--quarter", "2", "--format", "json"],
                ["scorecard", "--year", "2025", "--quarter", "4", "--region", "Mexico", "--as-of", "2025-11-30",
                 "--format", "json"],
                ["value", "--format", "json"], ["value", "--horizon", "5", "--format", "json"],
                ["readiness", "--year", "2026", "--quarter", "2", "--format", "json"])
    for command in commands:
        on_file, on_pg = cli("--db", str(file), *command), cli("--db", url, *command)
        assert on_file.returncode == on_pg.returncode == 0, (command, on_file.stderr, on_pg.stderr)
        assert json.loads(on_pg.stdout) == json.loads(on_file.stdout), command

    copied = pg_server.create_database()
    result = cli("--db", str(file), "copy-store", "--to", copied)
    assert result.returncode == 0, result.stderr
    assert "row counts and 8 quarterly scorecards checked equal" in result.stdout
    back = tmp_path / "back.duckdb"
    assert cli("--db", copied, "copy-store", "--to", str(back)).returncode == 0

    def everything(db):
        with Store(db).session() as session:
            tables = {name: sorted(map(repr, session.con.execute(f'SELECT * FROM "{name}"').fetchall()))
                      for name in session.table_names() if name != "schema_version"}
            # the roll-up's stamp is per engine (a count and id on a file, a counter on PostgreSQL)
            tables["settings"] = [row for row in tables["settings"] if "rollup_stamp" not in row]
            return tables

    original = everything(file)
    assert original["audit_log"] and everything(back) == original
    # new rows in the copy take ids after the copied ones (no collision with the audit history)
    data = tmp_path / "obs.csv"
    data.write_text("kpi_id,period,value\nnew_users,2026-05,123\n", encoding="utf-8")
    assert cli("--db", copied, "import", "observations", str(data)).returncode == 0
    with Store(copied).session() as session:
        assert session.scalar("SELECT count(DISTINCT audit_id) = count(*) FROM audit_log")

    again = cli("--db", str(file), "copy-store", "--to", copied)
    assert again.returncode == 1 and "already holds a store" in again.stderr
    for made in (url, copied):
        pg_server.drop_database(made)


def test_unreachable_server_is_one_line_without_the_password():
    result = cli("--db", "postgresql://kpis:s3cret@127.0.0.1:1/kpis", "scorecard", "--year", "2026", "--quarter", "1")
    assert result.returncode == 1
    assert result.stderr.startswith("error: Cannot use the PostgreSQL store postgresql://kpis:***@127.0.0.1:1/kpis")
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


EDIT = textwrap.dedent("""
    import sys, time
    from kpis.catalog import load_catalog
    from kpis.editing.forms import set_target
    from kpis.errors import ConflictError
    from kpis.records import TargetRecord
    from kpis.roles import Actor
    from kpis.store import Store
    from datetime import date
    url, value, start = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    record = TargetRecord(kpi_id="new_users", year=2030, quarter=1, target=value)
    while time.time() < start:
        time.sleep(0.001)
    try:
        set_target(Store(url), load_catalog(), Actor(f"editor{int(value)}", "editor"), record,
                   expected_version=None, today=date(2029, 1, 1))
        print("saved")
    except ConflictError as exc:
        print("conflict:", exc)
""")


def test_two_processes_save_the_same_target_one_wins_the_other_is_told(pg_server, catalog):
    """Two editors (separate processes, as two replicas) save the same new target at the same moment:
    exactly one version is written, the other editor gets the conflict message, nothing is lost."""
    import time

    from kpis.setup import initialise

    url = pg_server.create_database()
    initialise(Store(url), catalog)
    for _ in range(3):
        with Store(url).session() as session:
            session.con.execute("DELETE FROM target_versions")
        start = time.time() + 2.0
        runs = [subprocess.Popen([sys.executable, "-c", EDIT, url, str(value), str(start)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for value in (1000, 2000)]
        outputs = [run.communicate(timeout=120)[0].strip() for run in runs]
        assert sorted(o.split(":")[0] for o in outputs) == ["conflict", "saved"], outputs
        told = next(o for o in outputs if o.startswith("conflict"))
        assert "was changed by editor" in told and "Nothing was saved" in told
        with Store(url).session() as session:
            saved = session.con.execute("SELECT target, changed_by FROM target_versions").fetchall()
        assert len(saved) == 1
    pg_server.drop_database(url)


def test_change_counter_moves_on_every_write_from_anywhere_and_not_on_reads(pg_server, catalog, tmp_path):
    """What replicas key their caches on: another process's write is seen on the next read; a read-only
    command changes nothing."""
    from kpis.setup import initialise

    url = pg_server.create_database()
    initialise(Store(url), catalog, demo=True)
    store = Store(url)
    before = store.data_version()
    assert cli("--db", url, "scorecard", "--year", "2026", "--quarter", "1").returncode == 0
    assert store.data_version() == before
    data = tmp_path / "obs.csv"
    data.write_text("kpi_id,period,value\nnew_users,2026-05,99\n", encoding="utf-8")
    assert cli("--db", url, "import", "observations", str(data)).returncode == 0
    assert store.data_version() > before
    pg_server.drop_database(url)


@pytest.mark.parametrize("kind", ["file", "postgres"])
def test_backup_then_restore_into_the_other_kind(pg_server, tmp_path: Path, kind: str):
    """backup DIR has one format: a PostgreSQL store's backup restores into a file and back."""
    source = tmp_path / "s.duckdb" if kind == "file" else pg_server.create_database()
    assert cli("--db", str(source), "init", "--demo").returncode == 0
    assert cli("--db", str(source), "backup", str(tmp_path / "bk")).returncode == 0
    target = pg_server.create_database() if kind == "file" else tmp_path / "r.duckdb"
    result = cli("--db", str(target), "restore", str(tmp_path / "bk"))
    assert result.returncode == 0, result.stderr
    quarter = ["scorecard", "--year", "2026", "--quarter", "2", "--format", "json"]
    assert cli("--db", str(target), *quarter).stdout == cli("--db", str(source), *quarter).stdout


def test_the_app_says_in_a_second_when_the_server_is_unreachable(monkeypatch):
    """An unreachable server: the page says so with the server's reason (password hidden), at once,
    not after the connection pool's timeout."""
    import time

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("KPIS_DB", "postgresql://kpis:s3cret@127.0.0.1:1/kpis")
    monkeypatch.chdir(ROOT)
    started = time.monotonic()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert time.monotonic() - started < 10
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "Cannot use the PostgreSQL store postgresql://kpis:***@127.0.0.1:1/kpis" in shown
    assert "Connection refused" in shown and "s3cret" not in shown
