"""Targets in force: per KPI, quarter and scope, the newest target version as of a moment, with where it came
from (a scope without its own target inherits a broader one only where that is meaningful). The scorecard
and the value page both read targets through here."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kpis.catalog import Catalog
from kpis.periods import Quarter
from kpis.store import Session, utc_now

__all__ = ["Scope", "Target", "nullable", "target_rows", "targets_in_force"]


@dataclass(frozen=True)
class Scope:
    """A region and/or department; None means "all"."""

    region: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class Target:
    """The target version in force, and where it came from (`inherited` = a broader scope's)."""

    value: float | None
    inherited: bool
    changed_by: str
    changed_at: datetime
    reason: str | None
    previous: float | None


def nullable(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _specificity(row: dict[str, Any], scope: Scope) -> int:
    """How closely a target row's scope matches the requested one (higher = closer)."""
    region, department = row["region"], row["department"]
    score = 0
    if scope.region is not None:
        score += 2 if region == scope.region else 0
    if scope.department is not None:
        score += 1 if department == scope.department else 0
    return score


def target_rows(session: Session, first: Quarter, last: Quarter, scope: Scope, as_of: datetime | None,
                all_regions: bool = False) -> list[dict[str, Any]]:
    """The target versions in force at `as_of` (default: now) from `first` to `last` for the scope and every
    scope it can inherit from. A session with a memo reads every quarter's once per scope and as-of (within
    one version of the data, "now" finds the same versions) and answers each range from them."""
    if session.memo is None:
        return _target_rows(session, first, last, scope, as_of or utc_now(), all_regions)
    every = session.remember(("targets", scope.region, scope.department, as_of, all_regions), lambda: tuple(
        _target_rows(session, (0, 1), (9999, 4), scope, as_of or utc_now(), all_regions)))
    low, high = first[0] * 4 + first[1], last[0] * 4 + last[1]
    return [row for row in every if low <= int(row["year"]) * 4 + int(row["quarter"]) <= high]


def _target_rows(session: Session, first: Quarter, last: Quarter, scope: Scope, as_of: datetime,
                 all_regions: bool) -> list[dict[str, Any]]:
    return session.rows("targets_as_of", y0=first[0], q0=first[1], y1=last[0], q1=last[1], region=scope.region,
                        department=scope.department, as_of=as_of, all_regions=all_regions)


def targets_in_force(session: Session, catalog: Catalog, first: Quarter, last: Quarter, scope: Scope,
                     as_of: datetime | None = None,
                     rows: list[dict[str, Any]] | None = None) -> dict[tuple[str, int, int], Target]:
    """The target in force at `as_of` (default now) per (kpi_id, year, quarter). A scope without its
    own target inherits the closest broader one only for KPIs that do not add up across scope
    (percentages, latency): a region's share of a sum target is not knowable."""
    rows = target_rows(session, first, last, scope, as_of) if rows is None else [
        r for r in rows if (r["region"] is None or r["region"] == scope.region)
        and (r["department"] is None or r["department"] == scope.department)]
    full = (2 if scope.region is not None else 0) + (1 if scope.department is not None else 0)
    best: dict[tuple[str, int, int], tuple[int, Target]] = {}
    for row in rows:
        if row["kpi_id"] not in catalog:
            continue
        rank = _specificity(row, scope)
        inherited = rank != full
        if inherited and catalog.get(row["kpi_id"]).across_scope == "sum":
            continue
        key = (row["kpi_id"], int(row["year"]), int(row["quarter"]))
        if key in best and best[key][0] >= rank:
            continue
        best[key] = (rank, Target(
            value=nullable(row["target"]), inherited=inherited, changed_by=row["changed_by"],
            changed_at=row["changed_at"], reason=nullable(row["reason"]), previous=nullable(row["previous"]),
        ))
    return {key: target for key, (_, target) in best.items()}
