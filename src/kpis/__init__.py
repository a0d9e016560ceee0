"""AI Scaling KPI Dashboard: the KPI library (catalog, store, status rules, scorecard, the quarter's report,
value, imports, exports and backups).

The names below load on first use (PEP 562), so `python -m kpis` and `import kpis.errors` do not
pay for modules a command does not need."""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "Catalog": "kpis.catalog", "Kpi": "kpis.catalog", "load_catalog": "kpis.catalog",
    "CatalogError": "kpis.errors", "ConflictError": "kpis.errors", "KpiError": "kpis.errors",
    "RowError": "kpis.errors", "SchemaVersionError": "kpis.errors", "StoreBusyError": "kpis.errors",
    "ValidationError": "kpis.errors",
    "Scope": "kpis.scorecard", "build_grid": "kpis.scorecard", "quarter_scorecard": "kpis.scorecard",
    "scorecard_records": "kpis.scorecard",
    "Evaluation": "kpis.status", "evaluate": "kpis.status",
    "Store": "kpis.store",
    "QuarterReport": "kpis.report", "build_report": "kpis.report", "report_quarter": "kpis.report",
    "ValueSummary": "kpis.value.projection", "value_summary": "kpis.value.valuation",
    "import_file": "kpis.editing.imports", "parse_file": "kpis.editing.imports", "write_parsed": "kpis.editing.imports",
    "BoardData": "kpis.export.boardpack", "gather": "kpis.export.boardpack", "render_chart": "kpis.export.boardpack",
    "render_table": "kpis.export.boardpack", "build_deck": "kpis.export.deck",
    "backup_store": "kpis.backup.files", "restore_store": "kpis.backup.files", "copy_store": "kpis.backup.copying",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'kpis' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
