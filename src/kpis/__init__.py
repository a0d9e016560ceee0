"""AI Scaling KPI Dashboard: the KPI library (catalog, store, status rules, scorecard).

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
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'kpis' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
