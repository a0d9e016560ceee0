"""Architecture rules: the library never imports Streamlit; the public API is deliberate."""

from __future__ import annotations

import subprocess
import sys

import kpis


def test_importing_kpis_never_imports_streamlit():
    code = (
        "import sys, kpis, kpis.cli, kpis.export.charts, kpis.explain, kpis.changes, kpis.demo, kpis.editing.imports;"
        "print('streamlit' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_architecture_contracts_hold():
    """.importlinter: layers (no upward import), no circles at any depth, the library without the app or
    Streamlit, DuckDB only behind the store. `make lint` runs the same; here so a bare pytest run sees it."""
    from tests.conftest import ROOT

    result = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                             "lint_imports_command()", "--config", str(ROOT / ".importlinter")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "4 kept, 0 broken" in result.stdout


def test_public_api_is_pinned():
    assert sorted(kpis.__all__) == [
        "BoardData", "Catalog", "CatalogError", "ConflictError", "Evaluation", "Kpi", "KpiError", "QuarterReport",
        "RowError", "SchemaVersionError", "Scope", "Store", "StoreBusyError", "ValidationError", "ValueSummary",
        "backup_store", "build_deck", "build_grid", "build_report", "copy_store", "evaluate", "gather",
        "import_file", "load_catalog", "parse_file", "quarter_scorecard", "render_chart", "render_table",
        "report_quarter", "restore_store", "scorecard_records", "value_summary", "write_parsed",
    ]
    for name in kpis.__all__:
        assert hasattr(kpis, name)


def test_every_error_derives_from_kpi_error():
    for name in ("CatalogError", "ConflictError", "SchemaVersionError", "StoreBusyError", "ValidationError"):
        assert issubclass(getattr(kpis, name), kpis.KpiError)
