"""KPIs a store computes from its own records, never taken from imports or forms: the realised ROI
from the value ledger, the innovation KPIs from the use-case records."""

from __future__ import annotations

from kpis.errors import Reason
from kpis.store import Session

__all__ = ["derived_kpis"]

INNOVATION_KPIS = ("new_use_cases", "pipeline_in_evaluation", "use_case_success_rate_pct")


def derived_kpis(session: Session) -> dict[str, str]:
    """KPI id -> why an observation of it is refused (where the figure comes from instead)."""
    return dict(session.remember(("derived_kpis",), lambda: _derived(session)))


def _derived(session: Session) -> dict[str, str]:
    found = {}
    if session.scalar("SELECT (SELECT count(*) FROM value_streams) + (SELECT count(*) FROM investments)"):
        found["roi_pct"] = Reason("derived_roi")
    if session.scalar("SELECT count(*) FROM use_cases"):
        for kpi_id in INNOVATION_KPIS:
            found[kpi_id] = Reason("derived_use_cases")
    return found
