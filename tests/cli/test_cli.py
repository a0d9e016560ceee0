"""The command line, run as a user runs it: `python -m kpis ...` in a subprocess (on a DuckDB file, or
with `--engine postgres` on a PostgreSQL database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from kpis.store import Store


def kpis(*args: str, db: Path | str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "KPIS_USER": "cli-tester"}
    return subprocess.run([sys.executable, "-m", "kpis", "--db", str(db), *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def snapshot(db: Path | str) -> tuple:
    with Store(db).session() as session:
        return (session.con.execute("SELECT * FROM observations ORDER BY obs_id").fetchall(),
                session.con.execute("SELECT * FROM target_versions ORDER BY version_id").fetchall(),
                session.scalar("SELECT count(*) FROM audit_log"))


@pytest.fixture
def db(new_db) -> Path | str:
    path = new_db("cli")
    assert kpis("init", db=path).returncode == 0
    return path


def test_init_is_idempotent_and_demo_loads_once(new_db):
    path = new_db("demo")
    first = kpis("init", "--demo", db=path)
    assert first.returncode == 0 and "demo program loaded" in first.stdout
    before = snapshot(path)
    again = kpis("init", "--demo", db=path)
    assert again.returncode == 0 and "demo program loaded" not in again.stdout
    assert snapshot(path) == before


def test_scorecard_json_has_spec_fields(new_db):
    path = new_db("demo")
    kpis("init", "--demo", db=path)
    result = kpis("scorecard", "--year", "2025", "--quarter", "Q4", "--format", "json", db=path)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) == 21
    for row in rows:
        assert {"kpi_id", "family", "year", "quarter", "region", "department", "actual", "target",
                "attainment", "status"} <= set(row)
        assert row["status"] in {"ahead", "on_track", "at_risk", "off_track", "no_data"}
        assert row["region"] is None and row["department"] is None
        for key in ("actual", "target", "attainment"):
            assert row[key] is None or isinstance(row[key], (int, float))
    availability = next(r for r in rows if r["kpi_id"] == "availability_pct")
    assert availability["status"] == "off_track"  # the October 2025 incident


def test_scorecard_region_filter_and_quarter_as_number(new_db):
    path = new_db("demo")
    kpis("init", "--demo", db=path)
    result = kpis("scorecard", "--year", "2026", "--quarter", "3", "--region", "Brazil", "--format", "json", db=path)
    rows = json.loads(result.stdout)
    assert {r["region"] for r in rows} == {"Brazil"} and {r["quarter"] for r in rows} == {3}
    latency = next(r for r in rows if r["kpi_id"] == "api_latency_p95_ms")
    assert latency["target"] == 100 and latency["status"] in {"at_risk", "off_track"}


def test_scorecard_table_and_csv_formats(new_db):
    path = new_db("demo")
    kpis("init", "--demo", db=path)
    table = kpis("scorecard", "--year", "2025", "--quarter", "Q4", db=path)
    assert "Platform availability" in table.stdout and "✖ Off track" in table.stdout
    spanish = kpis("scorecard", "--year", "2025", "--quarter", "Q4", "--lang", "es", db=path)
    assert "Disponibilidad de la plataforma" in spanish.stdout and "Fuera de meta" in spanish.stdout
    csv_out = kpis("scorecard", "--year", "2025", "--quarter", "Q4", "--format", "csv", db=path)
    assert csv_out.stdout.splitlines()[0].startswith("kpi_id,family,year,quarter,region,department,actual,target")
    assert len(csv_out.stdout.splitlines()) == 22


def test_import_observations_then_scorecard_reflects_them(db: Path, tmp_path: Path):
    (tmp_path / "obs.csv").write_text(
        "kpi_id,period,value,region\n"
        "models_in_production,2025-01,4,\n"
        "models_in_production,2025-Q1,7,\n"
        "new_users,2025-02-14,120,Mexico\n", encoding="utf-8")
    (tmp_path / "targets.csv").write_text("kpi_id,year,quarter,target\nmodels_in_production,2025,Q1,5\n")
    assert kpis("import", "observations", str(tmp_path / "obs.csv"), "--create-missing", db=db).returncode == 0
    assert kpis("import", "targets", str(tmp_path / "targets.csv"), "--create-missing", db=db).returncode == 0
    rows = json.loads(kpis("scorecard", "--year", "2025", "--quarter", "1", "--format", "json", db=db).stdout)
    models = next(r for r in rows if r["kpi_id"] == "models_in_production")
    assert (models["actual"], models["target"], models["attainment"], models["status"]) == (7, 5, 1.4, "ahead")
    with Store(db).session() as session:
        assert session.scalar("SELECT DISTINCT actor FROM audit_log WHERE channel = 'cli'") == "cli-tester"


def test_import_with_bad_rows_reports_each_line_and_changes_nothing(db: Path, tmp_path: Path):
    good = tmp_path / "good.csv"
    good.write_text("kpi_id,period,value\nnew_users,2025-01-31,10\n")
    kpis("import", "observations", str(good), "--create-missing", db=db)
    before = snapshot(db)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "kpi_id,period,value,region\n"
        "new_users,2025-02-28,20,\n"          # line 2: fine
        "no_such_kpi,2025-02-28,1,\n"         # line 3: unknown KPI
        "new_users,2025-13,5,\n"              # line 4: bad month
        "new_users,2025-03-31,abc,\n"         # line 5: not a number
        "availability_pct,2025-03-31,101,\n"  # line 6: above 100
        "new_users,2025-02-28,25,\n"          # line 7: duplicate of line 2
        "new_users,,5,\n",                    # line 8: missing period
        encoding="utf-8")
    result = kpis("import", "observations", str(bad), "--create-missing", db=db)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for line, words in [(3, "unknown KPI"), (4, "month 13"), (5, "not a number"), (6, "above the maximum"),
                        (7, "duplicate of line 2"), (8, "period")]:
        assert f"line {line}: " in result.stderr and words in result.stderr, (line, result.stderr)
    assert "line 2:" not in result.stderr
    assert snapshot(db) == before


def test_import_targets_reports_bad_quarter_and_year(db: Path, tmp_path: Path):
    bad = tmp_path / "targets.csv"
    bad.write_text("kpi_id,year,quarter,target\nnew_users,2025,Q5,10\nnew_users,twenty,1,10\nnew_users,2025,2,\n")
    before = snapshot(db)
    result = kpis("import", "targets", str(bad), "--create-missing", db=db)
    assert result.returncode == 2
    assert "line 2: quarter" in result.stderr and "line 3: year" in result.stderr and "line 4: target" in result.stderr
    assert snapshot(db) == before


def test_import_missing_column_and_unknown_column_are_reported(db: Path, tmp_path: Path):
    bad = tmp_path / "obs.csv"
    bad.write_text("kpi_id,value,regoin\nnew_users,1,Mexico\n")
    result = kpis("import", "observations", str(bad), "--create-missing", db=db)
    assert result.returncode == 2
    assert "missing required column 'period'" in result.stderr and "unknown column 'regoin'" in result.stderr


def test_import_dry_run_writes_nothing(db: Path, tmp_path: Path):
    path = tmp_path / "obs.csv"
    path.write_text("kpi_id,period,value\nnew_users,2025-01-31,10\n")
    before = snapshot(db)
    result = kpis("import", "observations", str(path), "--dry-run", "--create-missing", db=db)
    assert result.returncode == 0 and "dry run" in result.stdout
    assert snapshot(db) == before


def test_import_xlsx_uses_sheet_row_numbers(db: Path, tmp_path: Path):
    path = tmp_path / "obs.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["kpi_id", "period", "value", "region"])
    sheet.append(["new_users", "2025-01-31", 10, "Mexico"])
    sheet.append(["new_users", "2025-02-28", "lots", "Mexico"])
    workbook.save(path)
    result = kpis("import", "observations", str(path), "--create-missing", db=db)
    assert result.returncode == 2 and "line 3: value" in result.stderr
    sheet.delete_rows(3)
    workbook.save(path)
    assert kpis("import", "observations", str(path), "--create-missing", db=db).returncode == 0
    with Store(db).session() as session:
        assert session.scalar("SELECT value FROM observations WHERE region = 'Mexico'") == 10


@pytest.mark.duckdb_only
def test_errors_are_one_clear_line_without_traceback(tmp_path: Path):
    missing = kpis("import", "observations", str(tmp_path / "nope.csv"), "--create-missing", db=tmp_path / "x.duckdb")
    assert missing.returncode == 2 and missing.stderr.startswith("error: ") and "Traceback" not in missing.stderr
    (tmp_path / "garbage.duckdb").write_bytes(b"this is not a database" * 100)
    garbage = kpis("scorecard", "--year", "2025", "--quarter", "1", db=tmp_path / "garbage.duckdb")
    assert garbage.returncode == 1 and garbage.stderr.startswith("error: ") and "Traceback" not in garbage.stderr


def test_kpis_db_environment_variable_sets_the_default(tmp_path: Path, new_db):
    target = new_db("env")
    env = {**os.environ, "KPIS_DB": str(target)}
    result = subprocess.run([sys.executable, "-m", "kpis", "init"], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 0 and Store(target).exists()


def test_import_value_and_investments_then_value_json(db: Path, tmp_path: Path):
    (tmp_path / "value.csv").write_text(
        "program,stream,year,amount,currency,growth_rate\n"
        + "".join(f"bank,{s},{y},{a},MXN,{g}\n" for s, amounts, g in [
            ("direct_savings", (10e6, 25e6, 50e6), 1.5), ("revenue_increase", (5e6, 15e6, 35e6), 2.0),
            ("risk_reduction", (8e6, 20e6, 40e6), 1.8), ("innovation_value", (2e6, 10e6, 30e6), 3.0)]
            for y, a in enumerate(amounts, start=1)))
    (tmp_path / "investments.csv").write_text(
        "program,year,amount,category\nbank,1,20000000,platform\nbank,1,10000000,talent\nbank,2,20000000,\n"
        "bank,3,15000000,\n")
    assert kpis("import", "value", str(tmp_path / "value.csv"), "--create-missing", db=db).returncode == 0
    assert kpis("import", "investments", str(tmp_path / "investments.csv"), "--create-missing", db=db).returncode == 0
    result = kpis("value", "--format", "json", db=db)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cumulative_value"] == 250e6 and data["cumulative_investment"] == 65e6
    assert data["net_roi_pct"] == pytest.approx(284.615, abs=1e-3)
    assert data["benefit_cost_multiple"] == pytest.approx(3.846, abs=1e-3)
    # investment committed on each year's first day (SPEC section 10): -30 + 25 = -5 after year 1; year 2 commits
    # 20 (-25) and brings 70 evenly: 25 / 70 of it -> month 16.3 (13.2 when investment was spread over the year)
    assert data["payback_months"] == 16.3
    assert data["value_per_model"] is None  # no models_in_production observations
    assert [y["year"] for y in data["years"]] == [1, 2, 3]
    first = data["years"][0]
    assert {"year", "direct_savings", "revenue_increase", "risk_reduction", "innovation_value", "value",
            "investment", "cumulative_value", "cumulative_investment", "projected"} <= set(first)
    assert first["investment"] == 30e6 and first["projected"] is False
    longer = json.loads(kpis("value", "--horizon", "5", "--format", "json", db=db).stdout)
    assert [y["projected"] for y in longer["years"]] == [False, False, False, True, True]
    assert longer["years"][3]["direct_savings"] == pytest.approx(75e6)
    table = kpis("value", db=db)
    assert "Net ROI" in table.stdout and "16.3 months" in table.stdout  # committed investment (SPEC 10)


def test_value_import_rejects_bad_stream_and_year(db: Path, tmp_path: Path):
    path = tmp_path / "value.csv"
    path.write_text("program,stream,year,amount\nbank,savings,1,10\nbank,direct_savings,0,10\nbank,direct_savings,2,-5\n")
    result = kpis("import", "value", str(path), "--create-missing", db=db)
    assert result.returncode == 2
    assert "line 2: stream" in result.stderr and "line 3: year" in result.stderr and "line 4: amount" in result.stderr


def test_value_without_ledger_and_missing_fx_are_clear_errors(db: Path, tmp_path: Path):
    empty = kpis("value", db=db)
    assert empty.returncode == 1 and "No value streams" in empty.stderr
    path = tmp_path / "value.csv"
    path.write_text("program,stream,year,amount,currency\nbank,direct_savings,1,10,COP\nbank,risk_reduction,1,5,COP\n")
    kpis("import", "value", str(path), "--create-missing", db=db)
    missing = kpis("value", "--currency", "MXN", db=db)
    assert missing.returncode == 1 and "No exchange rate from COP to MXN" in missing.stderr
    assert "Traceback" not in missing.stderr


READ_PATH = """
import io, contextlib, sys
from kpis.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
heavy = sorted(m for m in ("pydantic", "pandas", "numpy", "plotly", "openpyxl") if m in sys.modules)
print(code, ",".join(heavy))
"""


@pytest.mark.parametrize("command", [["scorecard", "--year", "2026", "--quarter", "3", "--format", "json"],
                                     ["value", "--format", "json"],
                                     ["readiness", "--year", "2026", "--quarter", "3", "--format", "json"]])
def test_reporting_commands_load_neither_pydantic_nor_pandas(new_db, command: list[str]):
    """bench/cli.py: pydantic and pandas were ~40 % of a scorecard process; the reporting commands need neither
    (the catalog and checklists are checked without pydantic, check-ins and use cases read without pandas)."""
    path = new_db("demo")
    assert kpis("init", "--demo", db=path).returncode == 0
    result = subprocess.run([sys.executable, "-c", READ_PATH, "--db", str(path), *command], capture_output=True,
                            text=True, timeout=120)
    assert result.stdout.split("\n")[0].strip() == "0", result.stderr
