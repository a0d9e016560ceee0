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


def test_only_store_imports_duckdb():
    from pathlib import Path

    sources = Path(kpis.__file__).parent.glob("*.py")
    importers = sorted(p.name for p in sources if "import duckdb" in p.read_text(encoding="utf-8"))
    assert importers == ["store.py"]


def test_public_api_is_pinned():
    assert sorted(kpis.__all__) == [
        "Catalog", "CatalogError", "ConflictError", "Evaluation", "Kpi", "KpiError", "RowError",
        "SchemaVersionError", "Scope", "Store", "StoreBusyError", "ValidationError", "build_grid", "evaluate",
        "load_catalog", "quarter_scorecard", "scorecard_records",
    ]
    for name in kpis.__all__:
        assert hasattr(kpis, name)


def test_every_error_derives_from_kpi_error():
    for name in ("CatalogError", "ConflictError", "SchemaVersionError", "StoreBusyError", "ValidationError"):
        assert issubclass(getattr(kpis, name), kpis.KpiError)
