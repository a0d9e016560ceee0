"""AI Scaling KPI Dashboard: the KPI library (catalog, store, status rules, scorecard)."""

from kpis.catalog import Catalog, Kpi, load_catalog
from kpis.errors import (
    CatalogError,
    ConflictError,
    KpiError,
    RowError,
    SchemaVersionError,
    StoreBusyError,
    ValidationError,
)
from kpis.scorecard import Scope, build_grid, quarter_scorecard, scorecard_records
from kpis.status import Evaluation, evaluate
from kpis.store import Store

__all__ = [
    "Catalog",
    "CatalogError",
    "ConflictError",
    "Evaluation",
    "Kpi",
    "KpiError",
    "RowError",
    "SchemaVersionError",
    "Scope",
    "Store",
    "StoreBusyError",
    "ValidationError",
    "build_grid",
    "evaluate",
    "load_catalog",
    "quarter_scorecard",
    "scorecard_records",
]
